// vecdot_packed_k_avx512.c: the AVX-512 VNNI kernels of the packed K-quant layout
// (vecdot_packed_k.c): lane order (vpmaddubsw + vpdpwssd with the sub-block scales, ggml's float
// order) for single-sequence decode and prefill, block order (vpdpbusd per sub-block, one vpmulld
// by its scale) for batched decoding; bit-identical to the portable kernels of the same order.
#include "packed_k.h"

#if defined(__x86_64__)
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AI PKK_AI
#define PKK_NT 8  // tokens per pass (the float lane accumulators live in L1 between super-blocks)

/// 0.0f in all lanes, hidden from the optimizer (see pkk45_kern).
TGT static AI __m512 opaque_zero(void) {
    __m512 z = _mm512_setzero_ps();
    __asm__("" : "+v"(z));
    return z;
}

TGT static AI __m512i bcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/// The 4 chunks (elements 4k..4k+3 of each 32-element chunk c) of a Q6_K (h, k) triple A, B, H
/// at C: 6-bit values 0..63 as bytes.
TGT static AI void q6_unpack512(const uint8_t *C, __m512i q[4]) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3);
    const __m512i la = _mm512_load_si512((const void *)C), lb = _mm512_load_si512((const void *)(C + 64));
    const __m512i hb = _mm512_load_si512((const void *)(C + 128));
    q[0] = _mm512_or_si512(_mm512_and_si512(la, m4), _mm512_slli_epi16(_mm512_and_si512(hb, m3), 4));
    q[1] = _mm512_or_si512(_mm512_and_si512(lb, m4), _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb, 2), m3), 4));
    q[2] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(la, 4), m4),
                           _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb, 4), m3), 4));
    q[3] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(lb, 4), m4),
                           _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb, 6), m3), 4));
}

/// Chunk (k, g) of a Q4_K/Q5_K super-block group P: the low-nibble values (elements 64g+4k..)
/// and the high-nibble values (64g+32+4k..), with Q5_K's fifth bit.
TGT static AI void q45_unpack512(const uint8_t *P, int k, int g, const int Q5, __m512i *lo, __m512i *hi) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), one = _mm512_set1_epi8(1);
    const __m512i w = _mm512_load_si512((const void *)(P + K45_Q(Q5, k, g)));
    *lo = _mm512_and_si512(w, m4);
    *hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), m4);
    if (Q5) {  // the fifth bit: bit 2g (low nibbles) and 2g+1 (high) of the qh bytes
        const __m512i H = _mm512_load_si512((const void *)(P + K5_H(k)));
        *lo = _mm512_or_si512(*lo, _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 2 * g), one), 4));
        *hi = _mm512_or_si512(*hi, _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 2 * g + 1), one), 4));
    }
}

/// Per-token pointers of tokens t0..t0+NT-1 into the Q8_K activations.
static AI void kk_tokens(const tk_act *a, int64_t t0, int NT, const int8_t **y, const float **dy, const int16_t **bs) {
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        dy[t] = a->d8 + (t0 + t) * a->nbr;
        bs[t] = a->bsums + (t0 + t) * a->nbr * 16;
    }
}

TGT static AI __m512 hsum8_tree(const __m512 *A) {
    return _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(A[0], A[4]), _mm512_add_ps(A[2], A[6])),
                         _mm512_add_ps(_mm512_add_ps(A[1], A[5]), _mm512_add_ps(A[3], A[7])));
}

/// Q4_K (Q5 = 0) or Q5_K (Q5 = 1).
TGT static AI void pkk45_kern(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t0, const int NT, const int Q5,
                              float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y[PKK_NT];
    const float *dy[PKK_NT];
    const int16_t *bs[PKK_NT];
    kk_tokens(a, t0, NT, y, dy, bs);
    __m512 A[PKK_NT][8], M[PKK_NT][4];  // A: mostly in L1 (stored and reloaded per lane k)
    // The opaque zeros keep clang from turning this into a memset call (2 KB through libc per
    // call: ~5% of a Q5_K_M prompt, since a call covers only 16 rows x 4 tokens)
    for (int t = 0; t < NT; t++) {
        for (int k = 0; k < 8; k++) A[t][k] = opaque_zero();
        for (int i = 0; i < 4; i++) M[t][i] = opaque_zero();
    }
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        tk_pkk_pf_share(pf, &pw);
        // Scales of sub-blocks 2g (low int16 of each lane) and 2g+1 (high int16), per row
        __m512i SP[4];
        for (int g = 0; g < 4; g++)
            SP[g] = _mm512_or_si512(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + K45_SC + 32 * g))),
                                    _mm512_slli_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + K45_SC + 32 * g + 16))), 16));
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_D)));
        __m512 dd[PKK_NT];
        for (int t = 0; t < NT; t++) dd[t] = _mm512_mul_ps(dv, _mm512_set1_ps(dy[t][b]));
        for (int k = 0; k < 8; k++) {
            __m512i c[PKK_NT];
            for (int t = 0; t < NT; t++) c[t] = _mm512_setzero_si512();
            for (int g = 0; g < 4; g++) {
                __m512i lo, hi;
                q45_unpack512(P, k, g, Q5, &lo, &hi);
                for (int t = 0; t < NT; t++) {
                    // ggml sums maddubs pairs times the sub-block scale; the same integers come from
                    // each row's 4-product sum (|sum| <= 4*31*128, an int16) of sub-blocks 2g and 2g+1
                    // packed as an int16 pair and one vpdpwssd with both scales: 3 multiplies
                    // instead of 4 per 16 rows x 8 weights.
                    const int8_t *yb = y[t] + b * QK_K + 64 * g + 4 * k;
                    const __m512i dl = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, bcast4(yb));
                    const __m512i dh = _mm512_dpbusd_epi32(_mm512_setzero_si512(), hi, bcast4(yb + 32));
                    c[t] = _mm512_dpwssd_epi32(c[t], _mm512_mask_blend_epi16(0xAAAAAAAA, dl, _mm512_slli_epi32(dh, 16)), SP[g]);
                }
            }
            for (int t = 0; t < NT; t++) A[t][k] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(c[t]), A[t][k]);
        }
        const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_DM)));
        for (int t = 0; t < NT; t++) {
            const __m512 dm = _mm512_mul_ps(mv, _mm512_set1_ps(-dy[t][b]));
            // ggml's q8s: the 8 sub-block sums of y (pairs of bsums), as 4 int16 pairs
            int32_t ys[4];
            _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs[t] + b * 16)),
                                                           _mm_loadu_si128((const __m128i *)(bs[t] + b * 16 + 8))));
            __m512i all = _mm512_setzero_si512();
            for (int i = 0; i < 4; i++) {
                const __m512i mp = _mm512_cvtepu8_epi16(_mm256_load_si256((const __m256i *)(P + K45_MN + 32 * i)));
                if (Q5) {
                    all = _mm512_dpwssd_epi32(all, mp, _mm512_set1_epi32(ys[i]));
                } else {
                    const __m512i p = _mm512_dpwssd_epi32(_mm512_setzero_si512(), mp, _mm512_set1_epi32(ys[i]));
                    M[t][i] = _mm512_fmadd_ps(dm, _mm512_cvtepi32_ps(p), M[t][i]);
                }
            }
            if (Q5) M[t][0] = _mm512_fmadd_ps(dm, _mm512_cvtepi32_ps(all), M[t][0]);
        }
    }
    const __mmask16 msk = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) {
        const __m512 m = Q5 ? M[t][0] : _mm512_add_ps(_mm512_add_ps(M[t][0], M[t][2]), _mm512_add_ps(M[t][1], M[t][3]));
        _mm512_mask_storeu_ps(Y + t * ldy, msk, _mm512_add_ps(hsum8_tree(A[t]), m));
    }
}

/// Q6_K; ls4: per token, -32 x the sum of each 4 activations, int32 (for the stored +32 offset;
/// the portable and AVX2 kernels take ggml's maddubs(32, y) pair form instead).
TGT static AI void pkk6_kern(const uint8_t *G, int64_t nsb, const tk_act *a, const int32_t *ls4, int64_t t0,
                             const int NT, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y[PKK_NT];
    const float *dy[PKK_NT];
    const int32_t *n4[PKK_NT];
    __m512 A[PKK_NT][8];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        dy[t] = a->d8 + (t0 + t) * a->nbr;
        n4[t] = ls4 + (t0 + t) * (a->cols / 4);
        for (int k = 0; k < 8; k++) A[t][k] = opaque_zero();
    }
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        tk_pkk_pf_share(pf, &pw);
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + Q6K_D)));
        __m512 dd[PKK_NT];
        for (int t = 0; t < NT; t++) dd[t] = _mm512_mul_ps(dv, _mm512_set1_ps(dy[t][b]));
        for (int e = 0; e < 2; e++) {  // lanes 0..3 use the even scales of each 32-element chunk, 4..7 the odd
            // Scales of chunks 2p (low int16 of each lane) and 2p+1 (high int16), per row
            __m512i SP[2][2];
            const __m512i m16 = _mm512_set1_epi32(0xFFFF);
            for (int h = 0; h < 2; h++)
                for (int p = 0; p < 2; p++)
                    SP[h][p] = _mm512_or_si512(
                        _mm512_and_si512(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(P + Q6K_SC + 16 * (8 * h + 4 * p + e)))), m16),
                        _mm512_slli_epi32(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(P + Q6K_SC + 16 * (8 * h + 4 * p + 2 + e)))), 16));
            for (int k = 4 * e; k < 4 * e + 4; k++) {
                __m512i acc[PKK_NT];
                for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_si512();
                for (int h = 0; h < 2; h++) {
                    const uint8_t *C = P + Q6K_C(h, k);
                    __m512i q[4];
                    q6_unpack512(C, q);
                    for (int t = 0; t < NT; t++) {
                        const int64_t e0 = b * QK_K + 128 * h + 4 * k;  // element of chunk 0
                        // As in pkk45_kern: each row's sum of (q - 32) * y over 4 elements (|sum| <=
                        // 4*32*128, an int16; the vpdpbusd starts from n4 = -32 * sum(y)) for
                        // chunks 2p and 2p+1, packed as an int16
                        // pair, times both scales in one vpdpwssd: ggml's integers, 3 multiplies
                        // instead of 4.
                        for (int p = 0; p < 2; p++) {
                            __m512i d[2];
                            for (int u = 0; u < 2; u++) {
                                const int64_t ec = e0 + 32 * (2 * p + u);
                                d[u] = _mm512_dpbusd_epi32(_mm512_set1_epi32(n4[t][ec / 4]), q[2 * p + u], bcast4(y[t] + ec));
                            }
                            acc[t] = _mm512_dpwssd_epi32(acc[t], _mm512_mask_blend_epi16(0xAAAAAAAA, d[0], _mm512_slli_epi32(d[1], 16)),
                                                         SP[h][p]);
                        }
                    }
                }
                for (int t = 0; t < NT; t++) A[t][k] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(acc[t]), A[t][k]);
            }
        }
    }
    const __mmask16 msk = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) _mm512_mask_storeu_ps(Y + t * ldy, msk, hsum8_tree(A[t]));
}

TGT void tk_pkk_avx512(const uint8_t *G, int type, int64_t nsb, const tk_act *a, const int32_t *ls4, int64_t t0,
                       int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
#define PKK45(N, Q5) pkk45_kern(G, nsb, a, t0, N, Q5, Y, ldy, nrows, pf, pfspan)
#define PKK6(N) pkk6_kern(G, nsb, a, ls4, t0, N, Y, ldy, nrows, pf, pfspan)
#define PKK_N(N) do { if (type == TK_Q4_K) PKK45(N, 0); else if (type == TK_Q5_K) PKK45(N, 1); else PKK6(N); } while (0)
    switch (nt < PKK_NT ? nt : PKK_NT) {
    case 8: PKK_N(8); break;
    case 7: PKK_N(7); break;
    case 6: PKK_N(6); break;
    case 5: PKK_N(5); break;
    case 4: PKK_N(4); break;
    case 3: PKK_N(3); break;
    case 2: PKK_N(2); break;
    default: PKK_N(1); break;
    }
#undef PKK_N
#undef PKK6
#undef PKK45
}

/// Block order (see tk_pkk_block_generic), Q4_K (Q5 = 0) or Q5_K, NT <= 4 tokens: vpdpbusd per
/// 32-element sub-block, one vpmulld by the sub-block scale.
TGT static AI void pkkb45_kern(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t0, const int NT, const int Q5,
                               float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y[4];
    const float *dy[4];
    const int16_t *bs[4];
    kk_tokens(a, t0, NT, y, dy, bs);
    __m512 acc[4];
    for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_ps();
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        tk_pkk_pf_share(pf, &pw);
        __m512i isum[4];
        for (int t = 0; t < NT; t++) isum[t] = _mm512_setzero_si512();
        for (int g = 0; g < 4; g++) {
            __m512i pl[4], ph[4];
            for (int t = 0; t < NT; t++) pl[t] = ph[t] = _mm512_setzero_si512();
            for (int k = 0; k < 8; k++) {
                __m512i lo, hi;
                q45_unpack512(P, k, g, Q5, &lo, &hi);
                for (int t = 0; t < NT; t++) {
                    const int8_t *yb = y[t] + b * QK_K + 64 * g + 4 * k;
                    pl[t] = _mm512_dpbusd_epi32(pl[t], lo, bcast4(yb));
                    ph[t] = _mm512_dpbusd_epi32(ph[t], hi, bcast4(yb + 32));
                }
            }
            const __m512i sl = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + K45_SC + 16 * (2 * g))));
            const __m512i sh = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + K45_SC + 16 * (2 * g + 1))));
            for (int t = 0; t < NT; t++)
                isum[t] = _mm512_add_epi32(isum[t], _mm512_add_epi32(_mm512_mullo_epi32(pl[t], sl), _mm512_mullo_epi32(ph[t], sh)));
        }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_D)));
        const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_DM)));
        for (int t = 0; t < NT; t++) acc[t] = tk_pkk45_block_acc512(P, dv, mv, isum[t], bs[t] + b * 16, dy[t][b], acc[t]);
    }
    const __mmask16 msk = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) _mm512_mask_storeu_ps(Y + t * ldy, msk, acc[t]);
}

/// Block order, Q6_K, NT <= 4 tokens: vpdpbusd per 16-element sub-block, minus 32 x its
/// activation sum (bsums), one vpmulld by the signed scale.
TGT static AI void pkkb6_kern(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t0, const int NT,
                              float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y[4];
    const float *dy[4];
    const int16_t *bs[4];
    kk_tokens(a, t0, NT, y, dy, bs);
    __m512 acc[4];
    for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_ps();
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        tk_pkk_pf_share(pf, &pw);
        __m512i isum[4];
        for (int t = 0; t < NT; t++) isum[t] = _mm512_setzero_si512();
        for (int h = 0; h < 2; h++)
            for (int e = 0; e < 2; e++) {
                __m512i pc[4][4];
                for (int t = 0; t < NT; t++)
                    for (int c = 0; c < 4; c++) pc[t][c] = _mm512_setzero_si512();
                for (int k = 4 * e; k < 4 * e + 4; k++) {
                    const uint8_t *C = P + Q6K_C(h, k);
                    __m512i q[4];
                    q6_unpack512(C, q);
                    for (int t = 0; t < NT; t++)
                        for (int c = 0; c < 4; c++)
                            pc[t][c] = _mm512_dpbusd_epi32(pc[t][c], q[c], bcast4(y[t] + b * QK_K + 128 * h + 32 * c + 4 * k));
                }
                for (int c = 0; c < 4; c++) {
                    const int sb = 8 * h + 2 * c + e;
                    const __m512i sc = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(P + Q6K_SC + 16 * sb)));
                    for (int t = 0; t < NT; t++) {
                        const __m512i p = _mm512_sub_epi32(pc[t][c], _mm512_set1_epi32(32 * bs[t][b * 16 + sb]));
                        isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(p, sc));
                    }
                }
            }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + Q6K_D)));
        for (int t = 0; t < NT; t++)
            acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dv, _mm512_set1_ps(dy[t][b])), _mm512_cvtepi32_ps(isum[t]), acc[t]);
    }
    const __mmask16 msk = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) _mm512_mask_storeu_ps(Y + t * ldy, msk, acc[t]);
}

TGT void tk_pkk_block_avx512(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                             float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
#define PKKB(N) do { if (type == TK_Q4_K) pkkb45_kern(G, nsb, a, t0, N, 0, Y, ldy, nrows, pf, pfspan); \
    else if (type == TK_Q5_K) pkkb45_kern(G, nsb, a, t0, N, 1, Y, ldy, nrows, pf, pfspan); \
    else pkkb6_kern(G, nsb, a, t0, N, Y, ldy, nrows, pf, pfspan); } while (0)
    switch (nt < 4 ? nt : 4) {
    case 4: PKKB(4); break;
    case 3: PKKB(3); break;
    case 2: PKKB(2); break;
    default: PKKB(1); break;
    }
#undef PKKB
}
#endif
