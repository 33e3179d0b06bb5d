// vecdot_packed_k_tile.c: block-order K-quant products for prompts (AVX-512 VNNI) from a tile of
// unpacked values. A prompt's work item runs 64 tokens over each 16-row group; the block-order
// kernels of vecdot_packed_k_avx512.c unpack the 4-, 5- or 6-bit values again on every pass of 4
// tokens, and that unpacking (masks, shifts, Q5's and Q6's high-bit merges) shares the core with
// the multiplies. Here a group is unpacked once into bytes (tk_pkk_tile_unpack: 4 KB per
// super-block, 64 chunks of elements 4c..4c+3 for the 16 rows, lane = row), and the passes of up
// to 8 tokens only load, vpdpbusd and apply each sub-block's integer scale (vpmulld). The
// integers and float operations are those of tk_pkk_block_generic, so the results are
// bit-identical to the other block-order kernels (MatmulTests).
// Q2_K and Q3_K (block order only, as their row kernels) use the tile for 4 tokens or more and,
// for fewer (decoding), tk_pkk_q23_avx512, which unpacks each chunk in registers instead.
#include "packed_k.h"

size_t tk_pkk_tile_bytes(int64_t nsb) { return (size_t)nsb * PKK_TILE_SB; }

#if defined(__x86_64__)
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AI PKK_AI
#define TILE_NT 8  // tokens per pass

TGT static AI void put(uint8_t *U, int c, __m512i v) { _mm512_store_si512((void *)(U + 64 * c), v); }

TGT void tk_pkk_tile_unpack(const uint8_t *G, int type, int64_t nsb, uint8_t *T) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3), one = _mm512_set1_epi8(1);
    (void)m4;
    const size_t sbb = tk_pkk_sb_bytes(type);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * sbb;
        uint8_t *U = T + (size_t)b * PKK_TILE_SB;
        if (type == TK_Q2_K) {  // element 128h + 32c + 4k + i -> chunk 32h + 8c + k: 2 bits
            for (int k = 0; k < 8; k++)
                for (int h = 0; h < 2; h++) {
                    const __m512i lb = _mm512_load_si512((const void *)(P + Q2K_L(h, k)));
                    for (int c = 0; c < 4; c++) put(U, 32 * h + 8 * c + k, _mm512_and_si512(_mm512_srli_epi16(lb, (unsigned)(2 * c)), m3));
                }
            continue;
        }
        if (type == TK_Q3_K) {  // element 128h + 32c + 4k + i -> chunk 32h + 8c + k: 2 low bits | high bit << 2
            for (int k = 0; k < 8; k++) {
                const __m512i hb = _mm512_load_si512((const void *)(P + Q3K_H(k)));
                for (int h = 0; h < 2; h++) {
                    const __m512i lb = _mm512_load_si512((const void *)(P + Q3K_L(h, k)));
                    for (int c = 0; c < 4; c++) {
                        const __m512i lo = _mm512_and_si512(_mm512_srli_epi16(lb, (unsigned)(2 * c)), m3);
                        const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(hb, (unsigned)(4 * h + c)), one);
                        put(U, 32 * h + 8 * c + k, _mm512_or_si512(lo, _mm512_slli_epi16(hi, 2)));
                    }
                }
            }
            continue;
        }
        if (type == TK_Q6_K) {  // (h, k) triple: element 128h + 32cc + 4k + i -> chunk 32h + 8cc + k
            for (int k = 0; k < 8; k++)
                for (int h = 0; h < 2; h++) {
                    const uint8_t *C = P + Q6K_C(h, k);
                    const __m512i la = _mm512_load_si512((const void *)C), lb = _mm512_load_si512((const void *)(C + 64));
                    const __m512i hb = _mm512_load_si512((const void *)(C + 128));
                    put(U, 32 * h + k, _mm512_or_si512(_mm512_and_si512(la, m4), _mm512_slli_epi16(_mm512_and_si512(hb, m3), 4)));
                    put(U, 32 * h + 8 + k, _mm512_or_si512(_mm512_and_si512(lb, m4),
                                                           _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb, 2), m3), 4)));
                    put(U, 32 * h + 16 + k, _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(la, 4), m4),
                                                            _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb, 4), m3), 4)));
                    put(U, 32 * h + 24 + k, _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(lb, 4), m4),
                                                            _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb, 6), m3), 4)));
                }
            continue;
        }
        const int q5 = type == TK_Q5_K;  // chunk (k, g): low nibbles -> chunk 16g + k, high -> 16g + 8 + k
        for (int k = 0; k < 8; k++) {
            const __m512i H = q5 ? _mm512_load_si512((const void *)(P + K5_H(k))) : _mm512_setzero_si512();
            for (int g = 0; g < 4; g++) {
                const __m512i w = _mm512_load_si512((const void *)(P + K45_Q(q5, k, g)));
                __m512i lo = _mm512_and_si512(w, m4), hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), m4);
                if (q5) {
                    lo = _mm512_or_si512(lo, _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 2 * g), one), 4));
                    hi = _mm512_or_si512(hi, _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 2 * g + 1), one), 4));
                }
                put(U, 16 * g + k, lo);
                put(U, 16 * g + 8 + k, hi);
            }
        }
    }
}

TGT static AI __m512i bcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

enum { KQ45, KQ6, KQ3, KQ2 };  // tile_kern's kinds

/// Q4_K/Q5_K (K = KQ45), Q6_K (KQ6), Q3_K (KQ3: 16-element sub-blocks as Q6_K, offset 4) or
/// Q2_K (KQ2: no offset, 4-bit scales, 4-bit mins times the sub-block sums of y), NT tokens from t0.
TGT static AI void tile_kern(const uint8_t *G, const uint8_t *T, int type, int64_t nsb, const tk_act *a, int64_t t0,
                             const int NT, const int K, float *Y, int64_t ldy, int nrows) {
    const int8_t *y[TILE_NT];
    const float *dy[TILE_NT];
    const int16_t *bs[TILE_NT];
    __m512 acc[TILE_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        dy[t] = a->d8 + (t0 + t) * a->nbr;
        bs[t] = a->bsums + (t0 + t) * a->nbr * 16;
        acc[t] = _mm512_setzero_ps();
    }
    const size_t sbb = tk_pkk_sb_bytes(type);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * sbb, *U = T + (size_t)b * PKK_TILE_SB;
        __m512i isum[TILE_NT];
        for (int t = 0; t < NT; t++) isum[t] = _mm512_setzero_si512();
        if (K != KQ45) {  // 16-element sub-blocks
            for (int sb = 0; sb < 16; sb++) {  // 16-element sub-blocks: (sum q*y - 32 sum y) * scale
                __m512i p[TILE_NT];
                for (int t = 0; t < NT; t++) p[t] = K == KQ2 ? _mm512_setzero_si512() : _mm512_set1_epi32((K == KQ3 ? -4 : -32) * bs[t][b * 16 + sb]);
                for (int c = 0; c < 4; c++) {
                    const __m512i w = _mm512_load_si512((const void *)(U + 64 * (4 * sb + c)));
                    for (int t = 0; t < NT; t++) p[t] = _mm512_dpbusd_epi32(p[t], w, bcast4(y[t] + b * QK_K + 16 * sb + 4 * c));
                }
                const __m512i sc = K == KQ2 ? _mm512_and_si512(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + Q2K_SC + 16 * sb))), _mm512_set1_epi32(0xF))
                                           : _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(P + (K == KQ3 ? Q3K_SC : Q6K_SC) + 16 * sb)));
                for (int t = 0; t < NT; t++) isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(p[t], sc));
            }
            const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + (K == KQ2 ? Q2K_D : K == KQ3 ? Q3K_D : Q6K_D))));
            for (int t = 0; t < NT; t++)
                acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dv, _mm512_set1_ps(dy[t][b])), _mm512_cvtepi32_ps(isum[t]), acc[t]);
            if (K == KQ2) {  // the mins: sum over sub-blocks of min * sum(y), one float term per super-block
                const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + Q2K_DM)));
                for (int t = 0; t < NT; t++) {
                    __m512i mins = _mm512_setzero_si512();
                    for (int sb = 0; sb < 16; sb++)
                        mins = _mm512_add_epi32(mins, _mm512_mullo_epi32(_mm512_srli_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + Q2K_SC + 16 * sb))), 4),
                                                                         _mm512_set1_epi32(bs[t][b * 16 + sb])));
                    acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(mv, _mm512_set1_ps(-dy[t][b])), _mm512_cvtepi32_ps(mins), acc[t]);
                }
            }
            continue;
        }
        for (int j = 0; j < 8; j++) {  // 32-element sub-blocks
            __m512i p[TILE_NT];
            for (int t = 0; t < NT; t++) p[t] = _mm512_setzero_si512();
            for (int c = 0; c < 8; c++) {
                const __m512i w = _mm512_load_si512((const void *)(U + 64 * (8 * j + c)));
                for (int t = 0; t < NT; t++) p[t] = _mm512_dpbusd_epi32(p[t], w, bcast4(y[t] + b * QK_K + 32 * j + 4 * c));
            }
            const __m512i sc = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + K45_SC + 16 * j)));
            for (int t = 0; t < NT; t++) isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(p[t], sc));
        }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_D)));
        const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_DM)));
        for (int t = 0; t < NT; t++) acc[t] = tk_pkk45_block_acc512(P, dv, mv, isum[t], bs[t] + b * 16, dy[t][b], acc[t]);
    }
    const __mmask16 msk = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) _mm512_mask_storeu_ps(Y + t * ldy, msk, acc[t]);
}

/// Q3_K or Q2_K (Q2) for a few tokens (decoding) without the tile: each 64-byte chunk is unpacked
/// in registers (Q3_K: a shift of the 2-bit byte, a shift of the high-bit byte, one vpternlogd
/// bit-select and a mask; Q2_K: a shift and a mask) and dotted at once; the same integers and
/// float operations as tile_kern. One token a pass.
TGT static AI void q23_kern(const uint8_t *G, int64_t nsb, const tk_act *a, int64_t t0, int nt, float *Y, int64_t ldy,
                            int nrows, const uint8_t *pf, int64_t pfspan, const int Q2) {
    const __m512i m3 = _mm512_set1_epi8(3), m7 = _mm512_set1_epi8(7);
    const __mmask16 msk = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *dy = a->d8 + (t0 + t) * a->nbr;
        const int16_t *bs = a->bsums + (t0 + t) * a->nbr * 16;
        __m512 acc = _mm512_setzero_ps();
        tk_pf_walk pw;  // the first token's pass prefetches the stream ahead (pf: NULL for none)
        tk_pf_walk_init(&pw, t ? NULL : pf, pfspan, nsb);
        for (int64_t b = 0; b < nsb; b++) {
            const uint8_t *P = G + (size_t)b * (Q2 ? Q2K_GB : Q3K_GB);
            const int8_t *yb = y + b * QK_K;
            tk_pkk_pf_share(t ? NULL : pf, &pw);
            __m512i isum = _mm512_setzero_si512(), mins = _mm512_setzero_si512();
            for (int e = 0; e < 2; e++) {  // lanes 4e..4e+3: sub-block 8h + 2c + e of each (h, c)
                __m512i p[2][4];
                for (int h = 0; h < 2; h++)
                    for (int c = 0; c < 4; c++) p[h][c] = Q2 ? _mm512_setzero_si512() : _mm512_set1_epi32(-4 * bs[b * 16 + 8 * h + 2 * c + e]);
                for (int k = 4 * e; k < 4 * e + 4; k++) {
                    const __m512i H = Q2 ? _mm512_setzero_si512() : _mm512_load_si512((const void *)(P + Q3K_H(k)));
                    for (int h = 0; h < 2; h++) {
                        const __m512i L = _mm512_load_si512((const void *)(P + (Q2 ? Q2K_L(h, k) : Q3K_L(h, k))));
                        for (int c = 0; c < 4; c++) {
                            if (Q2) {
                                const __m512i u2 = _mm512_and_si512(c ? _mm512_srli_epi16(L, (unsigned)(2 * c)) : L, m3);
                                p[h][c] = _mm512_dpbusd_epi32(p[h][c], u2, bcast4(yb + 128 * h + 32 * c + 4 * k));
                                continue;
                            }
                            const int s = 4 * h + c;  // the high bit's position -> bit 2
                            const __m512i hb = s >= 2 ? _mm512_srli_epi16(H, (unsigned)(s - 2)) : _mm512_slli_epi16(H, (unsigned)(2 - s));
                            const __m512i lb = c ? _mm512_srli_epi16(L, (unsigned)(2 * c)) : L;
                            const __m512i u = _mm512_and_si512(_mm512_ternarylogic_epi32(lb, hb, m3, 0xE4), m7);  // m3 ? lb : hb
                            p[h][c] = _mm512_dpbusd_epi32(p[h][c], u, bcast4(yb + 128 * h + 32 * c + 4 * k));
                        }
                    }
                }
                for (int h = 0; h < 2; h++)
                    for (int c = 0; c < 4; c++) {
                        const int sb = 8 * h + 2 * c + e;
                        if (Q2) {
                            const __m512i sm = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + Q2K_SC + 16 * sb)));
                            isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(p[h][c], _mm512_and_si512(sm, _mm512_set1_epi32(0xF))));
                            mins = _mm512_add_epi32(mins, _mm512_mullo_epi32(_mm512_srli_epi32(sm, 4), _mm512_set1_epi32(bs[b * 16 + sb])));
                            continue;
                        }
                        const __m512i sc = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(P + Q3K_SC + 16 * sb)));
                        isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(p[h][c], sc));
                    }
            }
            const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + (Q2 ? Q2K_D : Q3K_D))));
            acc = _mm512_fmadd_ps(_mm512_mul_ps(dv, _mm512_set1_ps(dy[b])), _mm512_cvtepi32_ps(isum), acc);
            if (Q2) {
                const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + Q2K_DM)));
                acc = _mm512_fmadd_ps(_mm512_mul_ps(mv, _mm512_set1_ps(-dy[b])), _mm512_cvtepi32_ps(mins), acc);
            }
        }
        _mm512_mask_storeu_ps(Y + t * ldy, msk, acc);
    }
}

TGT void tk_pkk_q23_avx512(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt, float *Y,
                           int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    if (type == TK_Q2_K) q23_kern(G, nsb, a, t0, nt, Y, ldy, nrows, pf, pfspan, 1);
    else q23_kern(G, nsb, a, t0, nt, Y, ldy, nrows, pf, pfspan, 0);
}

TGT void tk_pkk_tile_avx512(const uint8_t *G, const uint8_t *T, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                            float *Y, int64_t ldy, int nrows) {
    for (int64_t t = t0; t < t0 + nt; t += TILE_NT) {
        const int n = (int)(t0 + nt - t < TILE_NT ? t0 + nt - t : TILE_NT);
        float *Yt = Y + (t - t0) * ldy;
#define TILE_N(N) do { if (type == TK_Q6_K) tile_kern(G, T, type, nsb, a, t, N, KQ6, Yt, ldy, nrows); \
    else if (type == TK_Q3_K) tile_kern(G, T, type, nsb, a, t, N, KQ3, Yt, ldy, nrows); \
    else if (type == TK_Q2_K) tile_kern(G, T, type, nsb, a, t, N, KQ2, Yt, ldy, nrows); \
    else tile_kern(G, T, type, nsb, a, t, N, KQ45, Yt, ldy, nrows); } while (0)
        switch (n) {
        case 8: TILE_N(8); break;
        case 7: TILE_N(7); break;
        case 6: TILE_N(6); break;
        case 5: TILE_N(5); break;
        case 4: TILE_N(4); break;
        case 3: TILE_N(3); break;
        case 2: TILE_N(2); break;
        default: TILE_N(1); break;
        }
#undef TILE_N
    }
}
#endif
