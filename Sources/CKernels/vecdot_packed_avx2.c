// vecdot_packed_avx2.c: the packed Q4_0/Q4_1/Q8_0/Q5_0/Q5_1 kernels (layout in vecdot_packed.c)
// for x86 CPUs with AVX2 but without AVX-512 VNNI (Zen 1-3, Haswell to Skylake client). A
// 64-byte chunk of a 16-row group is taken as two 32-byte halves, rows 0-7 and rows 8-15; each
// half is one ymm of 8 rows x 4 quant bytes, dotted with the token's 4 activation bytes
// broadcast: maddubs + madd(1) give each row's 4-element integer sum in its own lane, so there
// are no horizontal sums and no shuffles, and the loads stream.
//
// Two orders, as on AVX-512:
// - lane order (tk_pk_lane_avx2; single-sequence decode and prefill): ggml's x86 vec_dot sums,
//   8 lanes of 4 consecutive elements with their own float accumulators of d_w*d_y*isum_lane,
//   ggml's hsum_float_8 tree, then the m_w*s_y sum; the same floats as the AVX-512 kernel.
// - block order (tk_pk_block_avx2; batched decode): one int sum per row and block (the int16
//   pair sums of the 8 chunks are added before one madd where they cannot overflow), scaled once
//   by d_w*d_y, as vecdot_packed_block.c.
//   Q4_0/Q4_1 take both halves and 4 tokens per pass (pk2_block16_q4): each broadcast activation
//   word serves 16 rows, since on Zen 3 the broadcast loads, not the multiplies, bound the
//   one-half kernel (2816 x 1024 x 64 tokens: 2.83-3.03 -> 2.62-2.84 ms). Q8_0 likewise
//   (pk2_block16_q8), with each chunk's magnitudes formed once for all 4 tokens (4.64-4.69 ->
//   3.84-3.90 ms).
// Byte-wide values: Q8_0 is stored w ^ 0x80; maddubs would saturate on w + 128, so it is taken
// back to w and dotted as |w| against y with w's sign (ggml's AVX2 trick; |w| <= 128 and
// |y| <= 127 keep the pair sums below 2^15). Q5 values are 0..31. Q4 high nibbles are shifted
// down (maddubs would saturate on 16*hi).
#include "tk_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c")))
#define AI __attribute__((always_inline)) inline
#define PK2_HINT _MM_HINT_T0
#define PK2_B16_NT 4  // tokens per pass of pk2_block16_q4 (2: 7-8% slower on Zen 3)

TGT static AI __m256i b4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

/// int32 lane i = sum of the 4 products u8 u[4i+k] * s8 s[4i+k].
TGT static AI __m256i dot4(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// Q8_0 chunk (stored w ^ 0x80) against broadcast y bytes: maddubs pair sums of |w| * sign(w)y.
TGT static AI __m256i q8_pairs(__m256i stored, __m256i y) {
    const __m256i w = _mm256_xor_si256(stored, _mm256_set1_epi8((char)0x80));
    return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(y, w));
}

/// Byte-wide chunk j (elements 4j..4j+3 of each row) of a packed Q5 block at Q (this half's
/// offset included): the nibble of chunk j % 4 (low for j < 4, high after) with the fifth bit
/// (bit j of the byte at Q + TK_PK5_PLANE) moved to bit 4.
TGT static AI __m256i pk5_chunk256(const uint8_t *Q, int j) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m10 = _mm256_set1_epi8(0x10);
    const __m256i w = _mm256_load_si256((const __m256i *)(Q + TK_PK5_NIB + 64 * (j & 3))), hb = _mm256_load_si256((const __m256i *)(Q + TK_PK5_PLANE));
    const __m256i nib = j < 4 ? _mm256_and_si256(w, m4) : _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
    const __m256i bit = j < 4 ? _mm256_slli_epi16(hb, 4 - j) : _mm256_srli_epi16(hb, j - 4);
    return _mm256_or_si256(nib, _mm256_and_si256(bit, m10));
}

TGT static AI void prefetch_share(tk_pf_walk *pw) {
    tk_pf_walk_next(pw);
    for (uintptr_t l = pw->lo; l < pw->hi; l += 64) _mm_prefetch((const char *)l, PK2_HINT);
}

TGT static AI void store_rows(float *Y, __m256 r, int n) {
    if (n >= 8) { _mm256_storeu_ps(Y, r); return; }
    float t[8];
    _mm256_storeu_ps(t, r);
    for (int i = 0; i < n; i++) Y[i] = t[i];
}

/// One block of pk2_lane: quants at Q, scales at S (this half's offsets included), activations
/// yb, their scale d8b, Q4_0/Q5_0 offsets la (8 lane values), Q4_1/Q5_1 sum sb1.
TGT static AI void pk2_lane_blk(const uint8_t *Q, const uint8_t *S, const int8_t *yb, float d8b, const int32_t *la,
                                float sb1, const int KIND, __m256 *A, __m256 *summ) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_load_si128((const __m128i *)S)), _mm256_set1_ps(d8b));
    if (KIND >= 2) {
        for (int j = 0; j < 8; j++) {
            const __m256i w = KIND == 2 ? _mm256_load_si256((const __m256i *)(Q + 64 * j)) : pk5_chunk256(Q, j);
            __m256i c = KIND == 2 ? _mm256_madd_epi16(q8_pairs(w, b4(yb + 4 * j)), _mm256_set1_epi16(1))
                                  : dot4(w, b4(yb + 4 * j));
            if (KIND == 3) c = _mm256_add_epi32(c, _mm256_set1_epi32(2 * la[j]));
            A[j] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(c), A[j]);
        }
    } else {
        for (int j = 0; j < 4; j++) {
            const __m256i w = _mm256_load_si256((const __m256i *)(Q + 64 * j));
            __m256i cl = dot4(_mm256_and_si256(w, m4), b4(yb + 4 * j));
            __m256i ch = dot4(_mm256_and_si256(_mm256_srli_epi16(w, 4), m4), b4(yb + 16 + 4 * j));
            if (KIND == 0) {
                cl = _mm256_add_epi32(cl, _mm256_set1_epi32(la[j]));
                ch = _mm256_add_epi32(ch, _mm256_set1_epi32(la[4 + j]));
            }
            A[j] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(cl), A[j]);
            A[4 + j] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(ch), A[4 + j]);
        }
    }
    if (KIND == 1 || KIND == 4) {
        const __m256 mv = _mm256_cvtph_ps(_mm_load_si128((const __m128i *)(S + 32)));
        *summ = _mm256_fmadd_ps(mv, _mm256_set1_ps(sb1), *summ);
    }
}

/// Lane order, rows 8H..8H+7 of group G, token t. KIND 0 = Q4_0, 1 = Q4_1, 2 = Q8_0, 3 = Q5_0,
/// 4 = Q5_1. lsA: -8 times the 4-element lane sums of y (the Q4_0 / Q5_0 offsets). Blocks go
/// a stored pair at a time (tk_pk_qoff), the pointers stepped, one prefetch share per pair.
TGT static AI void pk2_lane(const uint8_t *G, int64_t nb, const tk_act *a, const int32_t *lsA, int64_t t,
                            const int KIND, int H, float *Y, int n, const uint8_t *pf, int64_t pfspan) {
    const int qb = tk_pk_qb(KIND), sb = tk_pk_sb(KIND);
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8;
    const float *s = KIND == 1 || KIND == 4 ? a->s + t * a->nbr : NULL;
    const int32_t *la = KIND == 0 || KIND == 3 ? lsA + t * a->nbr * 8 : NULL;
    __m256 A[8], summ = _mm256_setzero_ps();
    for (int k = 0; k < 8; k++) A[k] = _mm256_setzero_ps();
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, (nb + 1) / 2);
    const uint8_t *P = G;  // the pair of blocks b, b + 1
    int64_t b = 0;
    for (; b + 1 < nb; b += 2, P += 2 * (qb + sb)) {
        if (pf) prefetch_share(&pw);
        pk2_lane_blk(P + 2 * sb + 32 * H, P + 16 * H, y + b * QK, d8[b * 8], la ? la + b * 8 : NULL, s ? s[b] : 0, KIND, A, &summ);
        pk2_lane_blk(P + 2 * sb + qb + 32 * H, P + sb + 16 * H, y + (b + 1) * QK, d8[(b + 1) * 8], la ? la + (b + 1) * 8 : NULL,
                     s ? s[b + 1] : 0, KIND, A, &summ);
    }
    if (b < nb) {
        if (pf) prefetch_share(&pw);
        pk2_lane_blk(P + 2 * sb + 32 * H, P + 16 * H, y + b * QK, d8[b * 8], la ? la + b * 8 : NULL, s ? s[b] : 0, KIND, A, &summ);
    }
    // ggml's hsum_float_8 order over the lanes, then + the m terms
    __m256 r = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(A[0], A[4]), _mm256_add_ps(A[2], A[6])),
                             _mm256_add_ps(_mm256_add_ps(A[1], A[5]), _mm256_add_ps(A[3], A[7])));
    if (KIND == 1 || KIND == 4) r = _mm256_add_ps(r, summ);
    store_rows(Y, r, n);
}

TGT void tk_pk_lane_avx2(const uint8_t *G, int type, int64_t nb, const tk_act *a, const int32_t *lsA, int64_t t0,
                         int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int kind = tk_pk_kind(type), nh = nrows > 8 ? 2 : 1;
    for (int t = 0; t < nt; t++)
        for (int H = 0; H < nh; H++) {
            int64_t sp;
            const uint8_t *p = tk_pf_part(pf, pfspan, t * nh + H, nt * nh, &sp);
            float *y = Y + t * ldy + 8 * H;
            const int n = nrows - 8 * H;
            switch (kind) {
            case 0: pk2_lane(G, nb, a, lsA, t0 + t, 0, H, y, n, p, sp); break;
            case 1: pk2_lane(G, nb, a, lsA, t0 + t, 1, H, y, n, p, sp); break;
            case 2: pk2_lane(G, nb, a, lsA, t0 + t, 2, H, y, n, p, sp); break;
            case 3: pk2_lane(G, nb, a, lsA, t0 + t, 3, H, y, n, p, sp); break;
            default: pk2_lane(G, nb, a, lsA, t0 + t, 4, H, y, n, p, sp); break;
            }
        }
}

/// Block order for Q5_0/Q5_1 (KIND 3, 4), rows 8H..8H+7 of group G, tokens t0..t0+NT-1 (NT <= 4):
/// the weights of a block are unpacked once for all NT tokens. (Q4_0/Q4_1/Q8_0: pk2_block16_*.)
TGT static AI void pk2_block(const uint8_t *G, int64_t nb, const tk_act *a, int64_t t0, const int NT, const int KIND,
                             int H, float *Y, int64_t ldy, int n, const uint8_t *pf, int64_t pfspan) {
    const int qb = tk_pk_qb(KIND), sb = tk_pk_sb(KIND);
    const int8_t *y[4];
    const float *d8[4], *s[4];
    const int32_t *o4[4];
    __m256 acc[4];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        s[t] = KIND == 4 ? a->s + (t0 + t) * a->nbr : NULL;
        o4[t] = KIND == 3 ? a->off4 + (t0 + t) * a->nbr : NULL;
        acc[t] = _mm256_setzero_ps();
    }
    const __m256i one = _mm256_set1_epi16(1);
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nb);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *Q = G + tk_pk_qoff(b, qb, sb) + 32 * H;
        if (pf) prefetch_share(&pw);
        const __m256 dv = _mm256_cvtph_ps(_mm_load_si128((const __m128i *)(G + tk_pk_soff(b, qb, sb) + 16 * H)));
        const __m256 mv = KIND == 4 ? _mm256_cvtph_ps(_mm_load_si128((const __m128i *)(G + tk_pk_soff(b, qb, sb) + 32 + 16 * H))) : dv;
        __m256i w[8];
        for (int j = 0; j < 8; j++) w[j] = pk5_chunk256(Q, j);
        for (int t = 0; t < NT; t++) {
            const int8_t *yb = y[t] + b * QK;
            // pair sums up to 2*31*127: four of them fit in int16 (Q5_1). Q5_0 (stored +16) starts
            // at 2 x off4, -16 x the lane's activation sums, and adds all 8: the final sums of
            // (q - 16) * y, at most 16 x 16 x 127, fit int16, so the wrapping adds are exact.
            __m256i p0 = _mm256_maddubs_epi16(w[0], b4(yb)), p1 = _mm256_maddubs_epi16(w[4], b4(yb + 16));
            if (KIND == 3) p0 = _mm256_add_epi16(p0, _mm256_slli_epi16(_mm256_set1_epi32(o4[t][b]), 1));
            for (int j = 1; j < 4; j++) {
                p0 = _mm256_add_epi16(p0, _mm256_maddubs_epi16(w[j], b4(yb + 4 * j)));
                p1 = _mm256_add_epi16(p1, _mm256_maddubs_epi16(w[4 + j], b4(yb + 16 + 4 * j)));
            }
            const __m256i c = KIND == 3 ? _mm256_madd_epi16(_mm256_add_epi16(p0, p1), one)
                                        : _mm256_add_epi32(_mm256_madd_epi16(p0, one), _mm256_madd_epi16(p1, one));
            const __m256 dd = _mm256_mul_ps(dv, _mm256_set1_ps(d8[t][b * 8]));
            acc[t] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(c), acc[t]);
            if (KIND == 4) acc[t] = _mm256_fmadd_ps(mv, _mm256_set1_ps(s[t][b]), acc[t]);
        }
    }
    for (int t = 0; t < NT; t++) store_rows(Y + t * ldy, acc[t], n);
}

/// Pins the int16 accumulators p[t][0..1], t < NT, in registers at this point, and orders the
/// memory accesses around it: without it clang hoists the broadcasts of later chunks and spills
/// (Q4 NT = 4: 95 stack accesses per block; 6-22% of the kernel's time from memory on Zen 3).
#define PIN_P(NT, p) do { switch (NT) {                                                                              \
    case 4: __asm__ volatile("" : "+x"(p[0][0]), "+x"(p[0][1]), "+x"(p[1][0]), "+x"(p[1][1]), "+x"(p[2][0]),   \
                             "+x"(p[2][1]), "+x"(p[3][0]), "+x"(p[3][1]) : : "memory"); break;                  \
    case 3: __asm__ volatile("" : "+x"(p[0][0]), "+x"(p[0][1]), "+x"(p[1][0]), "+x"(p[1][1]), "+x"(p[2][0]),   \
                             "+x"(p[2][1]) : : "memory"); break;                                                \
    case 2: __asm__ volatile("" : "+x"(p[0][0]), "+x"(p[0][1]), "+x"(p[1][0]), "+x"(p[1][1]) : : "memory"); break; \
    default: __asm__ volatile("" : "+x"(p[0][0]), "+x"(p[0][1]) : : "memory"); break; } } while (0)
/// A compiler barrier that also makes `ptr`'s memory escape (keeps an accumulator array in memory).
#define PIN_MEM(ptr) __asm__ volatile("" : : "r"(ptr) : "memory")

/// The 16-row kernels' float accumulators (token t: rows 0-15 at facc[t]) into Y's nrows rows.
TGT static AI void store_facc(float *Y, int64_t ldy, float (*facc)[16], int NT, int nrows) {
    for (int t = 0; t < NT; t++) {
        store_rows(Y + t * ldy, _mm256_load_ps(facc[t]), nrows);
        if (nrows > 8) store_rows(Y + t * ldy + 8, _mm256_load_ps(facc[t] + 8), nrows - 8);
    }
}

/// Block order for Q4_0/Q4_1, both halves (16 rows) of group G, tokens t0..t0+NT-1: chunk by
/// chunk, each broadcast activation word serves both halves, so a block costs one broadcast per
/// 8 products instead of two (broadcast loads, not multiplies, bound this kernel on Zen 3). The 8
/// int16 accumulators, 2 weight and 1 activation registers fill the 16 ymm registers, so the
/// float accumulators live in memory (one load and store per token, half and block) and each
/// chunk ends in PIN_P (1536 x 576 x 8 tokens from memory: 106-175 -> 100-137 us, docs/PERFORMANCE.md
/// "Session 14"). Q4_0's int16 sums start at its offset (tk_act.off4, -8 x the lane's activation
/// sums; the final sums fit int16) instead of an int32 add of 8 x nsum8 per token and half
/// ("Session 15"). Same integers and float steps per row as pk2_block, so the same results.
TGT static AI void pk2_block16_q4(const uint8_t *G, int64_t nb, const tk_act *a, int64_t t0, const int NT, const int KIND,
                                  float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int qb = tk_pk_qb(KIND), sb = tk_pk_sb(KIND);
    const int8_t *y[4];
    const float *d8[4], *s[4];
    const int32_t *o4[4];
    _Alignas(32) float facc[4][16];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        s[t] = KIND == 1 ? a->s + (t0 + t) * a->nbr : NULL;
        o4[t] = KIND == 0 ? a->off4 + (t0 + t) * a->nbr : NULL;
        _mm256_store_ps(facc[t], _mm256_setzero_ps());
        _mm256_store_ps(facc[t] + 8, _mm256_setzero_ps());
    }
    PIN_MEM(facc);
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi16(1);
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nb);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *Q = G + tk_pk_qoff(b, qb, sb);
        if (pf) prefetch_share(&pw);
        __m256i p[4][2];
        for (int j = 0; j < 4; j++) {
            const __m256i v0 = _mm256_load_si256((const __m256i *)(Q + 64 * j));
            const __m256i v1 = _mm256_load_si256((const __m256i *)(Q + 64 * j + 32));
            const __m256i l0 = _mm256_and_si256(v0, m4), l1 = _mm256_and_si256(v1, m4);
            for (int t = 0; t < NT; t++) {  // elements 4j..4j+3
                const __m256i yb = b4(y[t] + b * QK + 4 * j);
                const __m256i x0 = _mm256_maddubs_epi16(l0, yb), x1 = _mm256_maddubs_epi16(l1, yb);
                if (KIND == 0 && j == 0) {  // Q4_0: start at off4, -8 x this lane's activation sums
                    const __m256i o = _mm256_set1_epi32(o4[t][b]);
                    p[t][0] = _mm256_add_epi16(o, x0);
                    p[t][1] = _mm256_add_epi16(o, x1);
                    continue;
                }
                p[t][0] = j ? _mm256_add_epi16(p[t][0], x0) : x0;
                p[t][1] = j ? _mm256_add_epi16(p[t][1], x1) : x1;
            }
            const __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(v0, 4), m4), h1 = _mm256_and_si256(_mm256_srli_epi16(v1, 4), m4);
            for (int t = 0; t < NT; t++) {  // elements 16+4j..
                const __m256i yb = b4(y[t] + b * QK + 16 + 4 * j);
                p[t][0] = _mm256_add_epi16(p[t][0], _mm256_maddubs_epi16(h0, yb));
                p[t][1] = _mm256_add_epi16(p[t][1], _mm256_maddubs_epi16(h1, yb));
            }
            PIN_P(NT, p);
        }
        const uint8_t *S = G + tk_pk_soff(b, qb, sb);
        for (int H = 0; H < 2; H++) {
            const __m256 dv = _mm256_cvtph_ps(_mm_load_si128((const __m128i *)(S + 16 * H)));
            const __m256 mv = KIND == 1 ? _mm256_cvtph_ps(_mm_load_si128((const __m128i *)(S + 32 + 16 * H))) : dv;
            for (int t = 0; t < NT; t++) {
                const __m256i c = _mm256_madd_epi16(p[t][H], one);
                const __m256 dd = _mm256_mul_ps(dv, _mm256_set1_ps(d8[t][b * 8]));
                __m256 acc = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(c), _mm256_load_ps(facc[t] + 8 * H));
                if (KIND == 1) acc = _mm256_fmadd_ps(mv, _mm256_set1_ps(s[t][b]), acc);
                _mm256_store_ps(facc[t] + 8 * H, acc);
            }
        }
        PIN_MEM(facc);
    }
    store_facc(Y, ldy, facc, NT, nrows);
}

/// Block order for Q8_0, both halves (16 rows) of group G, tokens t0..t0+NT-1: per chunk the
/// weights are taken back from w ^ 0x80 and their magnitudes formed once for all NT tokens (the
/// one-half kernel redid both per token); per token one sign, one maddubs and one madd. The float
/// accumulators live in memory and each chunk ends in PIN_P, as in pk2_block16_q4. Same integers
/// and float steps per row as pk2_block, so the same results.
TGT static AI void pk2_block16_q8(const uint8_t *G, int64_t nb, const tk_act *a, int64_t t0, const int NT,
                                  float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int qb = tk_pk_qb(2), sb = tk_pk_sb(2);
    const int8_t *y[4];
    const float *d8[4];
    _Alignas(32) float facc[4][16];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        _mm256_store_ps(facc[t], _mm256_setzero_ps());
        _mm256_store_ps(facc[t] + 8, _mm256_setzero_ps());
    }
    PIN_MEM(facc);
    const __m256i one = _mm256_set1_epi16(1), x80 = _mm256_set1_epi8((char)0x80);
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nb);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *Q = G + tk_pk_qoff(b, qb, sb);
        if (pf) prefetch_share(&pw);
        __m256i c[4][2];
        for (int j = 0; j < 8; j++) {  // chunk j: elements 4j..4j+3 of each row
            const __m256i w0 = _mm256_xor_si256(_mm256_load_si256((const __m256i *)(Q + 64 * j)), x80);
            const __m256i w1 = _mm256_xor_si256(_mm256_load_si256((const __m256i *)(Q + 64 * j + 32)), x80);
            const __m256i a0 = _mm256_sign_epi8(w0, w0), a1 = _mm256_sign_epi8(w1, w1);
            for (int t = 0; t < NT; t++) {
                const __m256i yb = b4(y[t] + b * QK + 4 * j);
                const __m256i x0 = _mm256_madd_epi16(_mm256_maddubs_epi16(a0, _mm256_sign_epi8(yb, w0)), one);
                const __m256i x1 = _mm256_madd_epi16(_mm256_maddubs_epi16(a1, _mm256_sign_epi8(yb, w1)), one);
                c[t][0] = j ? _mm256_add_epi32(c[t][0], x0) : x0;
                c[t][1] = j ? _mm256_add_epi32(c[t][1], x1) : x1;
            }
            PIN_P(NT, c);
        }
        const uint8_t *S = G + tk_pk_soff(b, qb, sb);
        for (int H = 0; H < 2; H++) {
            const __m256 dv = _mm256_cvtph_ps(_mm_load_si128((const __m128i *)(S + 16 * H)));
            for (int t = 0; t < NT; t++) {
                const __m256 dd = _mm256_mul_ps(dv, _mm256_set1_ps(d8[t][b * 8]));
                _mm256_store_ps(facc[t] + 8 * H, _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(c[t][H]), _mm256_load_ps(facc[t] + 8 * H)));
            }
        }
        PIN_MEM(facc);
    }
    store_facc(Y, ldy, facc, NT, nrows);
}

TGT void tk_pk_block_avx2(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                          float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int kind = tk_pk_kind(type);
    if (kind <= 2) {  // Q4_0, Q4_1, Q8_0: both halves per pass
#define PB16(N) do { if (kind == 2) pk2_block16_q8(G, nb, a, t, N, Yt, ldy, nrows, p, pfspan);                        \
                     else if (kind == 1) pk2_block16_q4(G, nb, a, t, N, 1, Yt, ldy, nrows, p, pfspan);                 \
                     else pk2_block16_q4(G, nb, a, t, N, 0, Yt, ldy, nrows, p, pfspan); } while (0)
        for (int64_t t = t0; t < t0 + nt; t += PK2_B16_NT) {
            const int m = (int)(t0 + nt - t < PK2_B16_NT ? t0 + nt - t : PK2_B16_NT);
            const uint8_t *p = t == t0 ? pf : NULL;
            float *Yt = Y + (t - t0) * ldy;
            switch (m) { case 4: PB16(4); break; case 3: PB16(3); break; case 2: PB16(2); break; default: PB16(1); break; }
        }
#undef PB16
        return;
    }
#define PB2(K, N) pk2_block(G, nb, a, t, N, K, H, Y + (t - t0) * ldy + 8 * H, ldy, nrows - 8 * H, p, sp)
#define PB2_N(N) do { if (kind == 3) PB2(3, N); else PB2(4, N); } while (0)
    const int nh = nrows > 8 ? 2 : 1, np = (nt + 3) / 4 * nh;
    for (int64_t t = t0; t < t0 + nt; t += 4) {  // Q5_0, Q5_1: a half per pass
        const int m = (int)(t0 + nt - t < 4 ? t0 + nt - t : 4);
        for (int H = 0; H < nh; H++) {
            int64_t sp;
            const uint8_t *p = tk_pf_part(pf, pfspan, (int)((t - t0) / 4) * nh + H, np, &sp);
            switch (m) { case 4: PB2_N(4); break; case 3: PB2_N(3); break; case 2: PB2_N(2); break; default: PB2_N(1); break; }
        }
    }
#undef PB2_N
#undef PB2
}
#endif
