// vecdot_packed_k_avx2.c: the AVX2 kernels of the packed K-quant layout (vecdot_packed_k.c), for
// x86 CPUs without AVX-512 VNNI; bit-identical to the portable kernels of the same order.
#include "packed_k.h"

#if defined(__x86_64__)
#define AI PKK_AI
// ---- AVX2 (no AVX-512 VNNI): the same layout as two ymm halves (rows 0-7, 8-15) of each 64-byte
// chunk; maddubs + madd with the scale pairs instead of vpdpwssd (the same integers), one token
// at a time; the same float operations in the same order, so results equal the portable kernel.
#define TGT2 __attribute__((target("avx2,fma,f16c")))

/// The AVX2 halves (rows 8H..8H+7) of q6_unpack512 and q45_unpack512.
TGT2 static AI void q6_unpack256(const uint8_t *C, __m256i q[4]) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    const __m256i la = _mm256_loadu_si256((const __m256i *)C), lb = _mm256_loadu_si256((const __m256i *)(C + 64));
    const __m256i hb = _mm256_loadu_si256((const __m256i *)(C + 128));
    q[0] = _mm256_or_si256(_mm256_and_si256(la, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m3), 4));
    q[1] = _mm256_or_si256(_mm256_and_si256(lb, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m3), 4));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(la, 4), m4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m3), 4));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(lb, 4), m4),
                           _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m3), 4));
}

TGT2 static AI void q45_unpack256(const uint8_t *P, int k, int g, int H, const int Q5, __m256i *lo, __m256i *hi) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    const __m256i w = _mm256_loadu_si256((const __m256i *)(P + K45_Q(Q5, k, g) + 32 * H));
    *lo = _mm256_and_si256(w, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
    if (Q5) {
        const __m256i Hb = _mm256_loadu_si256((const __m256i *)(P + K5_H(k) + 32 * H));
        *lo = _mm256_or_si256(*lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(Hb, 2 * g), one), 4));
        *hi = _mm256_or_si256(*hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(Hb, 2 * g + 1), one), 4));
    }
}

TGT2 static AI __m256i b4_2(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/// 8 bytes (one per row) -> 8 int32 lanes holding the byte as an int16 pair (x, x).
TGT2 static AI __m256i pair16_2(const uint8_t *p, const int is_signed) {
    const __m128i b = _mm_loadl_epi64((const __m128i *)p);
    const __m128i w = is_signed ? _mm_cvtepi8_epi16(b) : _mm_cvtepu8_epi16(b);
    return _mm256_set_m128i(_mm_unpackhi_epi16(w, w), _mm_unpacklo_epi16(w, w));
}

TGT2 static AI __m256 hsum8_tree2(const __m256 *A) {
    return _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(A[0], A[4]), _mm256_add_ps(A[2], A[6])),
                         _mm256_add_ps(_mm256_add_ps(A[1], A[5]), _mm256_add_ps(A[3], A[7])));
}

TGT2 static AI void store8(float *Y, __m256 r, int n) {
    if (n >= 8) { _mm256_storeu_ps(Y, r); return; }
    float t[8];
    _mm256_storeu_ps(t, r);
    for (int i = 0; i < n; i++) Y[i] = t[i];
}

/// Q4_K / Q5_K, rows 8H..8H+7 (n of them), token t.
TGT2 static AI void pkk45_avx2(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t, const int Q5, int H,
                               float *Y, int n, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    __m256 A[8], M[4];
    for (int k = 0; k < 8; k++) A[k] = _mm256_setzero_ps();
    for (int i = 0; i < 4; i++) M[i] = _mm256_setzero_ps();
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        tk_pkk_pf_share(pf, &pw);
        __m256i S[8];
        for (int j = 0; j < 8; j++) S[j] = pair16_2(P + K45_SC + 16 * j + 8 * H, 0);
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_D + 16 * H))),
                                        _mm256_set1_ps(dy[b]));
        for (int k = 0; k < 8; k++) {
            __m256i c = _mm256_setzero_si256();
            for (int g = 0; g < 4; g++) {
                __m256i lo, hi;
                q45_unpack256(P, k, g, H, Q5, &lo, &hi);
                const int8_t *yb = y + b * QK_K + 64 * g + 4 * k;
                c = _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(lo, b4_2(yb)), S[2 * g]));
                c = _mm256_add_epi32(c, _mm256_madd_epi16(_mm256_maddubs_epi16(hi, b4_2(yb + 32)), S[2 * g + 1]));
            }
            A[k] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(c), A[k]);
        }
        const __m256 dm = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_DM + 16 * H))),
                                        _mm256_set1_ps(-dy[b]));
        int32_t ys[4];
        _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs + b * 16)),
                                                       _mm_loadu_si128((const __m128i *)(bs + b * 16 + 8))));
        __m256i all = _mm256_setzero_si256();
        for (int i = 0; i < 4; i++) {
            const __m256i mp = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(P + K45_MN + 32 * i + 16 * H)));
            const __m256i p = _mm256_madd_epi16(mp, _mm256_set1_epi32(ys[i]));
            if (Q5) all = _mm256_add_epi32(all, p);
            else M[i] = _mm256_fmadd_ps(dm, _mm256_cvtepi32_ps(p), M[i]);
        }
        if (Q5) M[0] = _mm256_fmadd_ps(dm, _mm256_cvtepi32_ps(all), M[0]);
    }
    const __m256 m = Q5 ? M[0] : _mm256_add_ps(_mm256_add_ps(M[0], M[2]), _mm256_add_ps(M[1], M[3]));
    store8(Y, _mm256_add_ps(hsum8_tree2(A), m), n);
}

/// Q6_K, rows 8H..8H+7 (n of them), token t.
TGT2 static AI void pkk6_avx2(const uint8_t *G, int64_t nsb, const tk_act *a, const int32_t *ls32, int64_t t, int H,
                              float *Y, int n, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int32_t *l32 = ls32 + t * (a->cols / 4);
    __m256 A[8];
    for (int k = 0; k < 8; k++) A[k] = _mm256_setzero_ps();
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        tk_pkk_pf_share(pf, &pw);
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + Q6K_D + 16 * H))),
                                        _mm256_set1_ps(dy[b]));
        for (int e = 0; e < 2; e++) {
            __m256i S[2][4];
            for (int h = 0; h < 2; h++)
                for (int c = 0; c < 4; c++) S[h][c] = pair16_2(P + Q6K_SC + 16 * (8 * h + 2 * c + e) + 8 * H, 1);
            for (int k = 4 * e; k < 4 * e + 4; k++) {
                __m256i acc = _mm256_setzero_si256();
                for (int h = 0; h < 2; h++) {
                    const uint8_t *C = P + Q6K_C(h, k) + 32 * H;
                    __m256i q[4];
                    q6_unpack256(C, q);
                    const int64_t e0 = b * QK_K + 128 * h + 4 * k;
                    for (int c = 0; c < 4; c++) {
                        const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[c], b4_2(y + e0 + 32 * c)),
                                                             _mm256_set1_epi32(l32[(e0 + 32 * c) / 4]));
                        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p16, S[h][c]));
                    }
                }
                A[k] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(acc), A[k]);
            }
        }
    }
    store8(Y, hsum8_tree2(A), n);
}

/// Block order with AVX2 (no vpdpbusd): the int16 pair sums of several chunks of one sub-block
/// are added before one madd by the (scale, scale) pair, where they cannot overflow (Q4_K: 8
/// chunks, |pair| <= 2*15*128; Q5_K: 4, 2*31*128; Q6_K: 2, 2*63*128 + 2*32*128), so a sub-block
/// costs one multiply per chunk plus one; the same integer sums as tk_pkk_block_generic, so the
/// same floats. Rows 8H..8H+7 (n of them), token t.
TGT2 static AI void pkkb45_avx2(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t, const int Q5, int H,
                                float *Y, int n, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    const int per = Q5 ? 4 : 8;  // chunks whose int16 pair sums may be added
    __m256 acc = _mm256_setzero_ps();
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        tk_pkk_pf_share(pf, &pw);
        __m256i isum = _mm256_setzero_si256();
        for (int g = 0; g < 4; g++) {
            const __m256i sl = pair16_2(P + K45_SC + 16 * (2 * g) + 8 * H, 0);
            const __m256i sh = pair16_2(P + K45_SC + 16 * (2 * g + 1) + 8 * H, 0);
            __m256i pl = _mm256_setzero_si256(), ph = _mm256_setzero_si256();
            for (int k = 0; k < 8; k++) {
                __m256i lo, hi;
                q45_unpack256(P, k, g, H, Q5, &lo, &hi);
                const int8_t *yb = y + b * QK_K + 64 * g + 4 * k;
                pl = _mm256_add_epi16(pl, _mm256_maddubs_epi16(lo, b4_2(yb)));
                ph = _mm256_add_epi16(ph, _mm256_maddubs_epi16(hi, b4_2(yb + 32)));
                if ((k + 1) % per == 0) {
                    isum = _mm256_add_epi32(isum, _mm256_add_epi32(_mm256_madd_epi16(pl, sl), _mm256_madd_epi16(ph, sh)));
                    pl = ph = _mm256_setzero_si256();
                }
            }
        }
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_D + 16 * H))),
                                        _mm256_set1_ps(dy[b]));
        const __m256 dm = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_DM + 16 * H))),
                                        _mm256_set1_ps(-dy[b]));
        int32_t ys[4];
        _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs + b * 16)),
                                                       _mm_loadu_si128((const __m128i *)(bs + b * 16 + 8))));
        __m256i mins = _mm256_setzero_si256();
        for (int i = 0; i < 4; i++)
            mins = _mm256_add_epi32(mins, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(P + K45_MN + 32 * i + 16 * H))),
                                                            _mm256_set1_epi32(ys[i])));
        acc = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(isum), acc);
        acc = _mm256_fmadd_ps(dm, _mm256_cvtepi32_ps(mins), acc);
    }
    store8(Y, acc, n);
}

TGT2 static AI void pkkb6_avx2(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t, int H,
                               float *Y, int n, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    __m256 acc = _mm256_setzero_ps();
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        tk_pkk_pf_share(pf, &pw);
        __m256i isum = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++)
            for (int e = 0; e < 2; e++) {
                __m256i pc[4], sp[4];
                for (int c = 0; c < 4; c++) {
                    pc[c] = _mm256_setzero_si256();
                    sp[c] = pair16_2(P + Q6K_SC + 16 * (8 * h + 2 * c + e) + 8 * H, 1);
                }
                for (int k = 4 * e; k < 4 * e + 4; k++) {
                    const uint8_t *C = P + Q6K_C(h, k) + 32 * H;
                    __m256i q[4];
                    q6_unpack256(C, q);
                    for (int c = 0; c < 4; c++)  // two chunks' pair sums fit int16 (|q*y pair| <= 16002)
                        pc[c] = _mm256_add_epi16(pc[c], _mm256_maddubs_epi16(q[c], b4_2(y + b * QK_K + 128 * h + 32 * c + 4 * k)));
                    if (k % 2 == 1) {
                        for (int c = 0; c < 4; c++) {
                            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(pc[c], sp[c]));
                            pc[c] = _mm256_setzero_si256();
                        }
                    }
                }
                for (int c = 0; c < 4; c++) {  // the +32 offset: -32 x scale x the sub-block's activation sum
                    const int sb = 8 * h + 2 * c + e;
                    const __m256i sc = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(P + Q6K_SC + 16 * sb + 8 * H)));
                    isum = _mm256_sub_epi32(isum, _mm256_mullo_epi32(sc, _mm256_set1_epi32(32 * bs[b * 16 + sb])));
                }
            }
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + Q6K_D + 16 * H))),
                                        _mm256_set1_ps(dy[b]));
        acc = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(isum), acc);
    }
    store8(Y, acc, n);
}

/// Rows 8H..8H+7 of each token in turn, lane or block order; the weight stream ahead is
/// prefetched in equal parts over all the passes (tk_pf_part).
TGT2 static void pkk_avx2_run(const uint8_t *G, int type, int64_t nsb, const tk_act *a, const int32_t *ls32, int64_t t0,
                              int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan, int block) {
    const int nh = nrows > 8 ? 2 : 1;
    for (int t = 0; t < nt; t++)
        for (int H = 0; H < nh; H++) {
            const int n = nrows - 8 * H < 8 ? nrows - 8 * H : 8;
            float *y = Y + t * ldy + 8 * H;
            int64_t sp;
            const uint8_t *p = tk_pf_part(pf, pfspan, t * nh + H, nt * nh, &sp);
            const int q5 = type == TK_Q5_K;
            if (type == TK_Q6_K) {
                if (block) pkkb6_avx2(G, nsb, a, t0 + t, H, y, n, p, sp);
                else pkk6_avx2(G, nsb, a, ls32, t0 + t, H, y, n, p, sp);
            } else if (block) {
                if (q5) pkkb45_avx2(G, nsb, a, t0 + t, 1, H, y, n, p, sp);
                else pkkb45_avx2(G, nsb, a, t0 + t, 0, H, y, n, p, sp);
            } else if (q5) {
                pkk45_avx2(G, nsb, a, t0 + t, 1, H, y, n, p, sp);
            } else {
                pkk45_avx2(G, nsb, a, t0 + t, 0, H, y, n, p, sp);
            }
        }
}

TGT2 void tk_pkk_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, const int32_t *ls32, int64_t t0,
                      int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    pkk_avx2_run(G, type, nsb, a, ls32, t0, nt, Y, ldy, nrows, pf, pfspan, 0);
}

TGT2 void tk_pkk_block_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                            float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    pkk_avx2_run(G, type, nsb, a, NULL, t0, nt, Y, ldy, nrows, pf, pfspan, 1);
}
/// Q3_K or Q2_K (Q2), any number of tokens, one at a time: each 32-byte half chunk (8 rows) is
/// unpacked in registers (Q3_K: the 2 low bits and the high bit moved to bit 2; Q2_K: 2 bits) and
/// dotted with maddubs + madd (4-product sums, exact); the integers and float operations of
/// tk_pkk_block_generic, so the results are bit-identical to it.
TGT2 static AI void q23_half(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t, const int H, const int Q2,
                             const uint8_t *pf, int64_t pfspan, float out[8]) {
    const __m256i m3 = _mm256_set1_epi8(3), m4 = _mm256_set1_epi8(4), ones = _mm256_set1_epi16(1);
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    __m256 acc = _mm256_setzero_ps();
    tk_pf_walk pw;  // pf: the stream ahead (NULL for none)
    tk_pf_walk_init(&pw, pf, pfspan, nsb);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q2 ? Q2K_GB : Q3K_GB);
        const int8_t *yb = y + b * QK_K;
        tk_pkk_pf_share(pf, &pw);
        __m256i isum = _mm256_setzero_si256(), mins = _mm256_setzero_si256();
        for (int e = 0; e < 2; e++) {  // lanes 4e..4e+3: sub-block 8h + 2c + e of each (h, c)
            __m256i p[2][4];
            for (int h = 0; h < 2; h++)
                for (int c = 0; c < 4; c++) p[h][c] = Q2 ? _mm256_setzero_si256() : _mm256_set1_epi32(-4 * bs[b * 16 + 8 * h + 2 * c + e]);
            for (int k = 4 * e; k < 4 * e + 4; k++) {
                const __m256i Hb = Q2 ? _mm256_setzero_si256() : _mm256_loadu_si256((const __m256i *)(P + Q3K_H(k) + 32 * H));
                for (int h = 0; h < 2; h++) {
                    const __m256i L = _mm256_loadu_si256((const __m256i *)(P + (Q2 ? Q2K_L(h, k) : Q3K_L(h, k)) + 32 * H));
                    for (int c = 0; c < 4; c++) {
                        const __m256i lb = _mm256_and_si256(c ? _mm256_srli_epi16(L, 2 * c) : L, m3);
                        __m256i u = lb;
                        if (!Q2) {
                            const int s = 4 * h + c;  // the high bit's position -> bit 2
                            const __m256i hb = s >= 2 ? _mm256_srli_epi16(Hb, s - 2) : _mm256_slli_epi16(Hb, 2 - s);
                            u = _mm256_or_si256(lb, _mm256_and_si256(hb, m4));
                        }
                        const __m256i d = _mm256_madd_epi16(_mm256_maddubs_epi16(u, b4_2(yb + 128 * h + 32 * c + 4 * k)), ones);
                        p[h][c] = _mm256_add_epi32(p[h][c], d);
                    }
                }
            }
            for (int h = 0; h < 2; h++)
                for (int c = 0; c < 4; c++) {
                    const int sb = 8 * h + 2 * c + e;
                    if (Q2) {
                        const __m256i sm = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(P + Q2K_SC + 16 * sb + 8 * H)));
                        isum = _mm256_add_epi32(isum, _mm256_mullo_epi32(p[h][c], _mm256_and_si256(sm, _mm256_set1_epi32(0xF))));
                        mins = _mm256_add_epi32(mins, _mm256_mullo_epi32(_mm256_srli_epi32(sm, 4), _mm256_set1_epi32(bs[b * 16 + sb])));
                        continue;
                    }
                    const __m256i sc = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(P + Q3K_SC + 16 * sb + 8 * H)));
                    isum = _mm256_add_epi32(isum, _mm256_mullo_epi32(p[h][c], sc));
                }
        }
        const __m256 dv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + (Q2 ? Q2K_D : Q3K_D) + 16 * H)));
        acc = _mm256_fmadd_ps(_mm256_mul_ps(dv, _mm256_set1_ps(dy[b])), _mm256_cvtepi32_ps(isum), acc);
        if (Q2) {
            const __m256 mv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + Q2K_DM + 16 * H)));
            acc = _mm256_fmadd_ps(_mm256_mul_ps(mv, _mm256_set1_ps(-dy[b])), _mm256_cvtepi32_ps(mins), acc);
        }
    }
    _mm256_storeu_ps(out, acc);
}

TGT2 void tk_pkk_q23_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt, float *Y,
                          int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int nh = nrows > 8 ? 2 : 1;
    for (int t = 0; t < nt; t++)
        for (int H = 0; H < nh; H++) {
            float out[8];
            int64_t sp;
            const uint8_t *p = tk_pf_part(pf, pfspan, t * nh + H, nt * nh, &sp);  // every pass prefetches its part of the stream ahead
            if (type == TK_Q2_K) q23_half(G, nsb, a, t0 + t, H, 1, p, sp, out);
            else q23_half(G, nsb, a, t0 + t, H, 0, p, sp, out);
            for (int i = 0; i < 8 && 8 * H + i < nrows; i++) Y[t * ldy + 8 * H + i] = out[i];
        }
}
#endif
