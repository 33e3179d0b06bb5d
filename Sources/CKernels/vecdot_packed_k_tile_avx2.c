// vecdot_packed_k_tile_avx2.c: block-order K-quant products for prompts on x86 CPUs with AVX2 but
// without AVX-512 VNNI (Zen 1-3, Haswell to Skylake client), from the tile of unpacked values that
// vecdot_packed_k_tile.c describes (64 chunks of elements 4c..4c+3 per super-block, lane = row;
// here each 64-byte chunk is two ymm halves, rows 0-7 and 8-15). The row-at-a-time AVX2 kernels
// (vecdot_packed_k_avx2.c) unpack the 4-, 5- or 6-bit values again for every token and half, and
// that unpacking outweighs the multiplies; here a group is unpacked once per work item and a pass
// of NT tokens only loads, multiplies (maddubs, int16 pair sums added while they cannot overflow)
// and applies each sub-block's scale with one madd by the (scale, scale) pair. The integer sums and
// float operations are those of tk_pkk_block_generic, so the results are bit-identical to the other
// block-order kernels (MatmulTests).
#include "packed_k.h"

#if defined(__x86_64__)
#define TGT2 __attribute__((target("avx2,fma,f16c")))
#define AI PKK_AI
#define TILE2_NT 2  // tokens per pass: both halves' int16 and int32 sums stay in the 16 ymm registers

TGT2 static AI void put2(uint8_t *U, int c, int H, __m256i v) { _mm256_store_si256((__m256i *)(U + 64 * c + 32 * H), v); }
TGT2 static AI __m256i ld2(const uint8_t *p) { return _mm256_load_si256((const __m256i *)p); }

TGT2 void tk_pkk_tile_unpack_avx2(const uint8_t *G, int type, int64_t nsb, uint8_t *T) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    const size_t sbb = tk_pkk_sb_bytes(type);
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * sbb;
        uint8_t *U = T + (size_t)b * PKK_TILE_SB;
        for (int H = 0; H < 2; H++) {
            const int o = 32 * H;
            if (type == TK_Q2_K) {  // element 128h + 32c + 4k + i -> chunk 32h + 8c + k: 2 bits
                for (int k = 0; k < 8; k++)
                    for (int h = 0; h < 2; h++) {
                        const __m256i lb = ld2(P + Q2K_L(h, k) + o);
                        for (int c = 0; c < 4; c++) put2(U, 32 * h + 8 * c + k, H, _mm256_and_si256(_mm256_srli_epi16(lb, 2 * c), m3));
                    }
            } else if (type == TK_Q3_K) {  // 2 low bits | high bit << 2
                for (int k = 0; k < 8; k++) {
                    const __m256i hb = ld2(P + Q3K_H(k) + o);
                    for (int h = 0; h < 2; h++) {
                        const __m256i lb = ld2(P + Q3K_L(h, k) + o);
                        for (int c = 0; c < 4; c++) {
                            const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(lb, 2 * c), m3);
                            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(hb, 4 * h + c), one);
                            put2(U, 32 * h + 8 * c + k, H, _mm256_or_si256(lo, _mm256_slli_epi16(hi, 2)));
                        }
                    }
                }
            } else if (type == TK_Q6_K) {  // (h, k) triple: element 128h + 32cc + 4k + i -> chunk 32h + 8cc + k
                for (int k = 0; k < 8; k++)
                    for (int h = 0; h < 2; h++) {
                        const uint8_t *C = P + Q6K_C(h, k) + o;
                        const __m256i la = ld2(C), lb = ld2(C + 64), hb = ld2(C + 128);
                        put2(U, 32 * h + k, H, _mm256_or_si256(_mm256_and_si256(la, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m3), 4)));
                        put2(U, 32 * h + 8 + k, H, _mm256_or_si256(_mm256_and_si256(lb, m4),
                                                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m3), 4)));
                        put2(U, 32 * h + 16 + k, H, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(la, 4), m4),
                                                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m3), 4)));
                        put2(U, 32 * h + 24 + k, H, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(lb, 4), m4),
                                                                    _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m3), 4)));
                    }
            } else {  // Q4_K / Q5_K, chunk (k, g): low nibbles -> chunk 16g + k, high -> 16g + 8 + k
                const int q5 = type == TK_Q5_K;
                for (int k = 0; k < 8; k++) {
                    const __m256i hb = q5 ? ld2(P + K5_H(k) + o) : _mm256_setzero_si256();
                    for (int g = 0; g < 4; g++) {
                        const __m256i w = ld2(P + K45_Q(q5, k, g) + o);
                        __m256i lo = _mm256_and_si256(w, m4), hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
                        if (q5) {
                            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * g), one), 4));
                            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * g + 1), one), 4));
                        }
                        put2(U, 16 * g + k, H, lo);
                        put2(U, 16 * g + 8 + k, H, hi);
                    }
                }
            }
        }
    }
}

TGT2 static AI __m256i bcast4_2(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/// 8 bytes (one per row) -> 8 int32 lanes holding the byte as an int16 pair (x, x).
TGT2 static AI __m256i pair16(__m128i b, const int is_signed) {
    const __m128i w = is_signed ? _mm_cvtepi8_epi16(b) : _mm_cvtepu8_epi16(b);
    return _mm256_set_m128i(_mm_unpackhi_epi16(w, w), _mm_unpacklo_epi16(w, w));
}

TGT2 static AI void store8(float *Y, __m256 r, int n) {
    if (n >= 8) { _mm256_storeu_ps(Y, r); return; }
    float t[8];
    _mm256_storeu_ps(t, r);
    for (int i = 0; i < n; i++) Y[i] = t[i];
}

enum { KQ45, KQ6, KQ3, KQ2 };

/// Q4_K/Q5_K (K = KQ45, Q5 set for Q5_K), Q6_K (KQ6), Q3_K (KQ3) or Q2_K (KQ2), NT tokens from t0,
/// both halves of the group.
TGT2 static AI void tile2_kern(const uint8_t *G, const uint8_t *T, int type, int64_t nsb, const tk_act *a, int64_t t0,
                               const int NT, const int K, const int Q5, float *Y, int64_t ldy, int nrows) {
    const int8_t *y[TILE2_NT];
    const float *dy[TILE2_NT];
    const int16_t *bs[TILE2_NT];
    const int32_t *o6[TILE2_NT];
    __m256 acc[TILE2_NT][2];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        dy[t] = a->d8 + (t0 + t) * a->nbr;
        bs[t] = a->bsums + (t0 + t) * a->nbr * 16;
        o6[t] = a->off6 + (t0 + t) * a->nbr * 16;
        acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    }
    const size_t sbb = tk_pkk_sb_bytes(type);
    // Chunks whose int16 pair sums may be added before the madd by the scale pair: |pair| <=
    // 2*15*127 (Q4_K, 8 chunks), 2*31*127 (Q5_K, 4), 2*7*127 (Q3_K, 4 of its 4), 2*3*127 (Q2_K, 4
    // of its 4). Q6_K (values 0..63, offset 32) starts each sub-block's sums at off6, -32 times its
    // activation pair sums, and adds all 4 chunks: the adds wrap, but the final sums of (q - 32) * y
    // fit int16 (tk_pair_lane_starts), so they are exact, and the offset costs no madd of its own. Q3_K
    // (values 0..7, offset 4) likewise starts at off6 / 8.
    const int per = K == KQ45 ? (Q5 ? 4 : 8) : 4;
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * sbb, *U = T + (size_t)b * PKK_TILE_SB;
        __m256i isum[TILE2_NT][2], mins[TILE2_NT][2];
        for (int t = 0; t < NT; t++) isum[t][0] = isum[t][1] = mins[t][0] = mins[t][1] = _mm256_setzero_si256();
        const int nsub = K == KQ45 ? 8 : 16, cps = K == KQ45 ? 8 : 4;  // sub-blocks, chunks per sub-block
        for (int s = 0; s < nsub; s++) {
            __m256i sp[2];  // the sub-block's scales as (scale, scale) int16 pairs, rows 0-7 and 8-15
            for (int H = 0; H < 2; H++) {
                const uint8_t *sc = P + (K == KQ45 ? K45_SC : K == KQ6 ? Q6K_SC : K == KQ3 ? Q3K_SC : Q2K_SC) + 16 * s + 8 * H;
                __m128i raw = _mm_loadl_epi64((const __m128i *)sc);
                if (K == KQ2) raw = _mm_and_si128(raw, _mm_set1_epi8(0x0F));
                sp[H] = pair16(raw, K == KQ6 || K == KQ3);
            }
            __m256i p[TILE2_NT][2];
            for (int c = 0; c < cps; c++) {
                const int ch = cps * s + c;
                const __m256i w0 = ld2(U + 64 * ch), w1 = ld2(U + 64 * ch + 32);
                for (int t = 0; t < NT; t++) {
                    const __m256i yb = bcast4_2(y[t] + b * QK_K + 4 * ch);
                    const __m256i x0 = _mm256_maddubs_epi16(w0, yb), x1 = _mm256_maddubs_epi16(w1, yb);
                    if ((K == KQ6 || K == KQ3) && c == 0) {  // Q3_K: offset 4, -4 x the pair sums = off6 / 8
                        const __m256i o6v = _mm256_set1_epi32(o6[t][b * 16 + s]);
                        const __m256i o = K == KQ6 ? o6v : _mm256_srai_epi16(o6v, 3);
                        p[t][0] = _mm256_add_epi16(o, x0);
                        p[t][1] = _mm256_add_epi16(o, x1);
                        continue;
                    }
                    p[t][0] = c % per ? _mm256_add_epi16(p[t][0], x0) : x0;
                    p[t][1] = c % per ? _mm256_add_epi16(p[t][1], x1) : x1;
                }
                if ((c + 1) % per == 0)
                    for (int t = 0; t < NT; t++)
                        for (int H = 0; H < 2; H++) isum[t][H] = _mm256_add_epi32(isum[t][H], _mm256_madd_epi16(p[t][H], sp[H]));
            }
            if (K == KQ2) {  // mins: (min, min) pairs times (sum(y), 0)
                for (int H = 0; H < 2; H++) {
                    const __m128i raw = _mm_loadl_epi64((const __m128i *)(P + Q2K_SC + 16 * s + 8 * H));
                    const __m256i mp = pair16(_mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0F)), 0);
                    for (int t = 0; t < NT; t++)
                        mins[t][H] = _mm256_add_epi32(mins[t][H], _mm256_madd_epi16(mp, _mm256_set1_epi32((uint16_t)bs[t][b * 16 + s])));
                }
            }
        }
        for (int H = 0; H < 2; H++) {
            if (K == KQ45) {  // as pkkb45_avx2: + (d*dy)*isum + (-dmin*dy)*mins
                const __m256 dv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_D + 16 * H)));
                const __m256 mv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_DM + 16 * H)));
                for (int t = 0; t < NT; t++) {
                    int32_t ys[4];
                    _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs[t] + b * 16)),
                                                                   _mm_loadu_si128((const __m128i *)(bs[t] + b * 16 + 8))));
                    __m256i mn = _mm256_setzero_si256();
                    for (int i = 0; i < 4; i++)
                        mn = _mm256_add_epi32(mn, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(P + K45_MN + 32 * i + 16 * H))),
                                                                    _mm256_set1_epi32(ys[i])));
                    acc[t][H] = _mm256_fmadd_ps(_mm256_mul_ps(dv, _mm256_set1_ps(dy[t][b])), _mm256_cvtepi32_ps(isum[t][H]), acc[t][H]);
                    acc[t][H] = _mm256_fmadd_ps(_mm256_mul_ps(mv, _mm256_set1_ps(-dy[t][b])), _mm256_cvtepi32_ps(mn), acc[t][H]);
                }
                continue;
            }
            const __m256 dv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + (K == KQ2 ? Q2K_D : K == KQ3 ? Q3K_D : Q6K_D) + 16 * H)));
            for (int t = 0; t < NT; t++)
                acc[t][H] = _mm256_fmadd_ps(_mm256_mul_ps(dv, _mm256_set1_ps(dy[t][b])), _mm256_cvtepi32_ps(isum[t][H]), acc[t][H]);
            if (K == KQ2) {
                const __m256 mv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + Q2K_DM + 16 * H)));
                for (int t = 0; t < NT; t++)
                    acc[t][H] = _mm256_fmadd_ps(_mm256_mul_ps(mv, _mm256_set1_ps(-dy[t][b])), _mm256_cvtepi32_ps(mins[t][H]), acc[t][H]);
            }
        }
    }
    for (int t = 0; t < NT; t++) {
        store8(Y + t * ldy, acc[t][0], nrows);
        if (nrows > 8) store8(Y + t * ldy + 8, acc[t][1], nrows - 8);
    }
}

TGT2 void tk_pkk_tile_avx2(const uint8_t *G, const uint8_t *T, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                           float *Y, int64_t ldy, int nrows) {
    for (int64_t t = t0; t < t0 + nt; t += TILE2_NT) {
        const int n = (int)(t0 + nt - t < TILE2_NT ? t0 + nt - t : TILE2_NT);
        float *Yt = Y + (t - t0) * ldy;
#define TILE2(N) do { switch (type) { \
    case TK_Q6_K: tile2_kern(G, T, type, nsb, a, t, N, KQ6, 0, Yt, ldy, nrows); break; \
    case TK_Q3_K: tile2_kern(G, T, type, nsb, a, t, N, KQ3, 0, Yt, ldy, nrows); break; \
    case TK_Q2_K: tile2_kern(G, T, type, nsb, a, t, N, KQ2, 0, Yt, ldy, nrows); break; \
    case TK_Q5_K: tile2_kern(G, T, type, nsb, a, t, N, KQ45, 1, Yt, ldy, nrows); break; \
    default: tile2_kern(G, T, type, nsb, a, t, N, KQ45, 0, Yt, ldy, nrows); break; } } while (0)
        if (n == 2) TILE2(2);
        else TILE2(1);
#undef TILE2
    }
}
#endif
