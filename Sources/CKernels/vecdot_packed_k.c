// vecdot_packed_k.c: Q4_K, Q5_K and Q6_K weights repacked 16 rows at a time (the K-quant counterpart of
// vecdot_packed.c): one zmm load holds the same 4 quant bytes of one super-block for 16 rows
// (lane = row), maddubs against the token's 4 activation bytes broadcast gives each row's pair
// sums in its own lane, and vpdpwssd applies the row's 6-bit sub-block scale (an int16 pair per
// lane) and accumulates, so 16 outputs come out of one register with no horizontal sums.
//
// Sums follow ggml's x86 (AVX2) vec_dot_q{4,5,6}_K_q8_K exactly: per row 8 int32
// lanes, lane k holding the scaled products of elements {4k..4k+3} of every 32-element chunk
// (exact integers), one float accumulator per lane (d_w*d_y*lane per super-block, fma), ggml's
// hsum_float_8 tree at the end; Q4_K's mins as ggml's 4 lanes (m_2i*ysum_2i + m_2i+1*ysum_2i+1,
// times -d_y*dmin_w, fma), reduced (m0+m2)+(m1+m3); Q5_K's as one float per row (the 4 lanes'
// integer sum times -d_y*dmin_w, fma), added last. The portable kernel does the same float
// operations in the same order, so SIMD and portable results are bit-identical (MatmulTests).
// (llama.cpp itself sends Q4_K through its repacked kernels, whose int8 rounding differs; Q5_K and
// Q6_K logits equal its own to ~1e-6, KQuantLlamaCppTests.)
//
// Block order (tk_pkk_block_*; batched decoding and `--sums block`): per row and super-block one
// exact integer sum (AVX-512: vpdpbusd per sub-block, one vpmulld by its scale; AVX2: int16 pair
// sums of several chunks before one madd by the scale), scaled once; about half the multiply
// work, results differ from the lane order by float rounding only.
//
// Layouts (per 16-row group and super-block; rows past the matrix are zero):
//   Q4_K, 2368 bytes (file: 16 x 144 = 2304):
//     quants  2048: chunk 4k+g (k = 0..7 lane, g = 0..3 64-element group), lane L, byte i:
//                   qs[32g + 4k + i] of row L (low nibble: element 64g+4k+i, sub-block 2g;
//                   high nibble: element 64g+32+4k+i, sub-block 2g+1)
//     scales   128: [j][L] 6-bit scale j of row L
//     mins     128: [i][L][2] mins 2i and 2i+1 of row L
//     d, dmin   64: 16 f16 each
//   Q5_K, 2880 bytes (file: 16 x 176 = 2816): the Q4_K layout with, after the 2048 quant bytes,
//     high bits 512: chunk k, lane L, byte i: qh[4k + i] of row L (bit 2g: element 64g+4k+i,
//                    bit 2g+1: element 64g+32+4k+i), then scales, mins, d, dmin as in Q4_K
//   Q6_K, 3392 bytes (file: 16 x 210 = 3360; 32 bytes of padding keep groups 64-aligned):
//     quants  3072: for half h (0, 1) and lane k (0..7), 3 chunks of 64 bytes, lane L, byte i:
//                   A = ql[64h + 4k + i], B = ql[64h + 32 + 4k + i], H = qh[32h + 4k + i] of row L
//                   (element 128h + 32c + 4k + i of chunk c = 0..3: A low, B low, A high, B high
//                   nibble, with the 2 high bits c of H)
//     scales   256: [s][L] int8 scale s (16 elements each) of row L
//     d         32: 16 f16
// Limits: AVX-512 VNNI and AVX2 kernels (tk_packed_preferred: AVX2 machines pack Q4_K/Q5_K
// only, Q6_K's AVX2 row kernel is faster) and a portable loop; rows a multiple of 256 elements.
#include "tk_internal.h"
#include <math.h>

#define PR 16
#define Q4K_GB 2368
#define Q5K_GB 2880
#define Q6K_GB 3392
// Q4_K / Q5_K offsets of the scales, mins, d and dmin in a super-block group
#define K45_SC(q5) ((q5) ? 2560 : 2048)
#define K45_MN(q5) (K45_SC(q5) + 128)
#define K45_D(q5) (K45_SC(q5) + 256)
#define K45_DM(q5) (K45_SC(q5) + 288)

int tk_pkk_type(int type) { return type == TK_Q4_K || type == TK_Q5_K || type == TK_Q6_K; }

size_t tk_pkk_sb_bytes(int type) {
    return type == TK_Q4_K ? Q4K_GB : type == TK_Q5_K ? Q5K_GB : type == TK_Q6_K ? Q6K_GB : 0;
}

/// ggml's get_scale_min_k4: 6-bit scale and min j of a Q4_K/Q5_K super-block.
static void scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

void tk_pkk_pack(const void *W, int type, int64_t rows, int64_t cols, void *out) {
    const int64_t nsb = cols / QK_K;
    const size_t sbb = tk_pkk_sb_bytes(type), gb = (size_t)nsb * sbb;
    memset(out, 0, (size_t)((rows + PR - 1) / PR) * gb);
    for (int64_t r = 0; r < rows; r++) {
        const int L = (int)(r % PR);
        for (int64_t b = 0; b < nsb; b++) {
            uint8_t *P = (uint8_t *)out + (size_t)(r / PR) * gb + (size_t)b * sbb;
            if (type == TK_Q4_K || type == TK_Q5_K) {
                const int q5 = type == TK_Q5_K;
                const blk_q4_K *x = (const blk_q4_K *)W + r * nsb + b;  // d, dmin, scales: same place in Q5_K
                const blk_q5_K *x5 = (const blk_q5_K *)W + r * nsb + b;
                const uint8_t *qs = q5 ? x5->qs : x->qs;
                const uint8_t *scales = q5 ? x5->scales : x->scales;
                for (int k = 0; k < 8; k++) {
                    for (int g = 0; g < 4; g++) memcpy(P + (4 * k + g) * 64 + 4 * L, qs + 32 * g + 4 * k, 4);
                    if (q5) memcpy(P + 2048 + 64 * k + 4 * L, x5->qh + 4 * k, 4);
                }
                for (int j = 0; j < 8; j++) {
                    uint8_t sc, mn;
                    scale_min_k4(j, scales, &sc, &mn);
                    P[K45_SC(q5) + 16 * j + L] = sc;
                    P[K45_MN(q5) + 32 * (j / 2) + 2 * L + (j % 2)] = mn;
                }
                memcpy(P + K45_D(q5) + 2 * L, q5 ? &x5->d : &x->d, 2);
                memcpy(P + K45_DM(q5) + 2 * L, q5 ? &x5->dmin : &x->dmin, 2);
            } else {
                const blk_q6_K *x = (const blk_q6_K *)W + r * nsb + b;
                for (int h = 0; h < 2; h++)
                    for (int k = 0; k < 8; k++) {
                        uint8_t *C = P + (h * 8 + k) * 192 + 4 * L;
                        memcpy(C, x->ql + 64 * h + 4 * k, 4);
                        memcpy(C + 64, x->ql + 64 * h + 32 + 4 * k, 4);
                        memcpy(C + 128, x->qh + 32 * h + 4 * k, 4);
                    }
                for (int s = 0; s < 16; s++) P[3072 + 16 * s + L] = (uint8_t)x->scales[s];
                memcpy(P + 3328 + 2 * L, &x->d, 2);
            }
        }
    }
}

/// Quant of element e (0..255) of row L in super-block P (Q4_K: 0..15; Q5_K: 0..31; Q6_K: 0..63,
/// offset kept).
static int pkk_quant(const uint8_t *P, int type, int L, int e) {
    if (type == TK_Q4_K || type == TK_Q5_K) {
        const int g = e / 64, r = e % 64, hi = r >= 32, k = (r % 32) / 4, i = r % 4;
        const uint8_t w = P[(4 * k + g) * 64 + 4 * L + i];
        const int h = type == TK_Q5_K ? (P[2048 + 64 * k + 4 * L + i] >> (2 * g + hi)) & 1 : 0;
        return (hi ? w >> 4 : w & 15) | h << 4;
    }
    const int h = e / 128, r = e % 128, c = r / 32, k = (r % 32) / 4, i = r % 4;
    const uint8_t *C = P + (h * 8 + k) * 192 + 4 * L + i;
    const int lo = c == 0 ? (C[0] & 15) : c == 1 ? (C[64] & 15) : c == 2 ? (C[0] >> 4) : (C[64] >> 4);
    return lo | (((C[128] >> (2 * c)) & 3) << 4);
}

void tk_pkk_generic(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                    float *Y, int64_t ldy, int nrows) {
    const size_t sbb = tk_pkk_sb_bytes(type);
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *dy = a->d8 + (t0 + t) * a->nbr;
        const int16_t *bs = a->bsums + (t0 + t) * a->nbr * 16;
        for (int L = 0; L < nrows; L++) {
            float A[8] = {0}, M[4] = {0};
            const int k45 = type != TK_Q6_K, q5 = type == TK_Q5_K;
            for (int64_t b = 0; b < nsb; b++) {
                const uint8_t *P = G + (size_t)b * sbb;
                const int8_t *yb = y + b * QK_K;
                int32_t lane[8] = {0};
                for (int e = 0; e < QK_K; e++) {
                    const int k = (e % 32) / 4;
                    if (k45) lane[k] += P[K45_SC(q5) + 16 * (e / 32) + L] * pkk_quant(P, type, L, e) * yb[e];
                    else lane[k] += (int8_t)P[3072 + 16 * (e / 16) + L] * (pkk_quant(P, type, L, e) - 32) * yb[e];
                }
                tk_half hd;
                memcpy(&hd, P + (k45 ? K45_D(q5) : 3328) + 2 * L, 2);
                const float dd = tk_h2f(hd) * dy[b];
                for (int k = 0; k < 8; k++) A[k] = fmaf(dd, (float)lane[k], A[k]);
                if (k45) {
                    tk_half hm;
                    memcpy(&hm, P + K45_DM(q5) + 2 * L, 2);
                    const float dm = tk_h2f(hm) * -dy[b];
                    int32_t all = 0;
                    for (int i = 0; i < 4; i++) {
                        const int32_t ys0 = bs[b * 16 + 4 * i] + bs[b * 16 + 4 * i + 1];
                        const int32_t ys1 = bs[b * 16 + 4 * i + 2] + bs[b * 16 + 4 * i + 3];
                        const uint8_t *mn = P + K45_MN(q5) + 32 * i + 2 * L;
                        const int32_t p = mn[0] * ys0 + mn[1] * ys1;
                        if (!q5) M[i] = fmaf(dm, (float)p, M[i]);
                        all += p;
                    }
                    if (q5) M[0] = fmaf(dm, (float)all, M[0]);  // ggml's Q5_K: one scalar sum of the mins
                }
            }
            float r = ((A[0] + A[4]) + (A[2] + A[6])) + ((A[1] + A[5]) + (A[3] + A[7]));
            if (type == TK_Q4_K) r += (M[0] + M[2]) + (M[1] + M[3]);
            if (type == TK_Q5_K) r += M[0];
            Y[t * ldy + L] = r;
        }
    }
}

/// Block order (batched decoding, `--sums block`): per row and super-block one exact integer sum
/// of the scaled sub-block products (Q6_K: minus 32 x the sub-block's activation sum), scaled
/// once by d_w*d_y, plus the mins' integer sum times -d_y*dmin_w (Q4_K/Q5_K), both fma'd into
/// one float accumulator. About half the multiply work of ggml's lane order per token; results
/// differ from it by float rounding only.
void tk_pkk_block_generic(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                          float *Y, int64_t ldy, int nrows) {
    const size_t sbb = tk_pkk_sb_bytes(type);
    const int k45 = type != TK_Q6_K, q5 = type == TK_Q5_K;
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *dy = a->d8 + (t0 + t) * a->nbr;
        const int16_t *bs = a->bsums + (t0 + t) * a->nbr * 16;
        for (int L = 0; L < nrows; L++) {
            float acc = 0;
            for (int64_t b = 0; b < nsb; b++) {
                const uint8_t *P = G + (size_t)b * sbb;
                const int8_t *yb = y + b * QK_K;
                int32_t isum = 0;
                if (k45) {
                    for (int j = 0; j < 8; j++) {
                        int32_t p = 0;
                        for (int e = 32 * j; e < 32 * j + 32; e++) p += pkk_quant(P, type, L, e) * yb[e];
                        isum += P[K45_SC(q5) + 16 * j + L] * p;
                    }
                } else {
                    for (int sb = 0; sb < 16; sb++) {
                        int32_t p = 0;
                        for (int e = 16 * sb; e < 16 * sb + 16; e++) p += pkk_quant(P, type, L, e) * yb[e];
                        isum += (int8_t)P[3072 + 16 * sb + L] * (p - 32 * bs[b * 16 + sb]);
                    }
                }
                tk_half hd;
                memcpy(&hd, P + (k45 ? K45_D(q5) : 3328) + 2 * L, 2);
                acc = fmaf(tk_h2f(hd) * dy[b], (float)isum, acc);
                if (k45) {
                    int32_t mins = 0;
                    for (int j = 0; j < 8; j++)
                        mins += P[K45_MN(q5) + 32 * (j / 2) + 2 * L + (j % 2)] * (bs[b * 16 + 2 * j] + bs[b * 16 + 2 * j + 1]);
                    tk_half hm;
                    memcpy(&hm, P + K45_DM(q5) + 2 * L, 2);
                    acc = fmaf(tk_h2f(hm) * -dy[b], (float)mins, acc);
                }
            }
            Y[t * ldy + L] = acc;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AI __attribute__((always_inline)) inline
#define PKK_NT 4  // tokens per pass (the float lane accumulators live in L1 between super-blocks)
// The weight stream is prefetched into L2 (T1): with T0 the prefetches of a 3.4 KB Q6_K
// super-block group fill the L1 miss buffers and stall the kernel (49152 x 1024 Q6_K from
// memory, 1 thread: 13.6 GB/s with T0, 9.5 without prefetch, 32 with T1 at 8 KB ahead; row
// kernel 19-24).
#define PKK_HINT _MM_HINT_T1

TGT static AI __m512i bcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/// 16 bytes (one per row) -> 16 int32 lanes holding the byte as an int16 pair (x, x).
TGT static AI __m512i pair16(const uint8_t *p, const int is_signed) {
    static const int16_t dup[32] __attribute__((aligned(64))) = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
                                                                  8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15};
    const __m128i b = _mm_loadu_si128((const __m128i *)p);
    const __m256i w = is_signed ? _mm256_cvtepi8_epi16(b) : _mm256_cvtepu8_epi16(b);
    return _mm512_permutexvar_epi16(_mm512_load_si512((const void *)dup), _mm512_castsi256_si512(w));
}

/// Super-block b's share of the weight stream ahead (prefetch needs no target: the AVX-512 and
/// AVX2 kernels both inline it).
static AI void pf_share(const uint8_t *pf, int64_t pfspan, int64_t b, int64_t nsb) {
    if (!pf) return;
    const uintptr_t lo = ((uintptr_t)pf + (uintptr_t)(b * pfspan / nsb) + 63) & ~(uintptr_t)63;
    const uintptr_t hi = (uintptr_t)pf + (uintptr_t)((b + 1) * pfspan / nsb);
    for (uintptr_t l = lo; l < hi; l += 64) _mm_prefetch((const char *)l, PKK_HINT);
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
    const __m512i w = _mm512_load_si512((const void *)(P + (4 * k + g) * 64));
    *lo = _mm512_and_si512(w, m4);
    *hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), m4);
    if (Q5) {  // the fifth bit: bit 2g (low nibbles) and 2g+1 (high) of the qh bytes
        const __m512i H = _mm512_load_si512((const void *)(P + 2048 + 64 * k));
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
    for (int t = 0; t < NT; t++) {
        for (int k = 0; k < 8; k++) A[t][k] = _mm512_setzero_ps();
        for (int i = 0; i < 4; i++) M[t][i] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        pf_share(pf, pfspan, b, nsb);
        __m512i S[8];
        for (int j = 0; j < 8; j++) S[j] = pair16(P + K45_SC(Q5) + 16 * j, 0);
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_D(Q5))));
        __m512 dd[PKK_NT];
        for (int t = 0; t < NT; t++) dd[t] = _mm512_mul_ps(dv, _mm512_set1_ps(dy[t][b]));
        for (int k = 0; k < 8; k++) {
            __m512i c[PKK_NT];
            for (int t = 0; t < NT; t++) c[t] = _mm512_setzero_si512();
            for (int g = 0; g < 4; g++) {
                __m512i lo, hi;
                q45_unpack512(P, k, g, Q5, &lo, &hi);
                for (int t = 0; t < NT; t++) {
                    const int8_t *yb = y[t] + b * QK_K + 64 * g + 4 * k;
                    c[t] = _mm512_dpwssd_epi32(c[t], _mm512_maddubs_epi16(lo, bcast4(yb)), S[2 * g]);
                    c[t] = _mm512_dpwssd_epi32(c[t], _mm512_maddubs_epi16(hi, bcast4(yb + 32)), S[2 * g + 1]);
                }
            }
            for (int t = 0; t < NT; t++) A[t][k] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(c[t]), A[t][k]);
        }
        const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_DM(Q5))));
        for (int t = 0; t < NT; t++) {
            const __m512 dm = _mm512_mul_ps(mv, _mm512_set1_ps(-dy[t][b]));
            // ggml's q8s: the 8 sub-block sums of y (pairs of bsums), as 4 int16 pairs
            int32_t ys[4];
            _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs[t] + b * 16)),
                                                           _mm_loadu_si128((const __m128i *)(bs[t] + b * 16 + 8))));
            __m512i all = _mm512_setzero_si512();
            for (int i = 0; i < 4; i++) {
                const __m512i mp = _mm512_cvtepu8_epi16(_mm256_load_si256((const __m256i *)(P + K45_MN(Q5) + 32 * i)));
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

/// Q6_K; ls32: per token, 32 x the pair sums of each 4 activations as an int16 pair (ggml's
/// maddubs(32, y), subtracted from maddubs(q, y) for the stored +32 offset).
TGT static AI void pkk6_kern(const uint8_t *G, int64_t nsb, const tk_act *a, const int32_t *ls32, int64_t t0,
                             const int NT, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int8_t *y[PKK_NT];
    const float *dy[PKK_NT];
    const int32_t *l32[PKK_NT];
    __m512 A[PKK_NT][8];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        dy[t] = a->d8 + (t0 + t) * a->nbr;
        l32[t] = ls32 + (t0 + t) * (a->cols / 4);
        for (int k = 0; k < 8; k++) A[t][k] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        pf_share(pf, pfspan, b, nsb);
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + 3328)));
        __m512 dd[PKK_NT];
        for (int t = 0; t < NT; t++) dd[t] = _mm512_mul_ps(dv, _mm512_set1_ps(dy[t][b]));
        for (int e = 0; e < 2; e++) {  // lanes 0..3 use the even scales of each 32-element chunk, 4..7 the odd
            __m512i S[2][4];
            for (int h = 0; h < 2; h++)
                for (int c = 0; c < 4; c++) S[h][c] = pair16(P + 3072 + 16 * (8 * h + 2 * c + e), 1);
            for (int k = 4 * e; k < 4 * e + 4; k++) {
                __m512i acc[PKK_NT];
                for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_si512();
                for (int h = 0; h < 2; h++) {
                    const uint8_t *C = P + (h * 8 + k) * 192;
                    __m512i q[4];
                    q6_unpack512(C, q);
                    for (int t = 0; t < NT; t++) {
                        const int64_t e0 = b * QK_K + 128 * h + 4 * k;  // element of chunk 0
                        for (int c = 0; c < 4; c++) {
                            const __m512i p16 = _mm512_sub_epi16(_mm512_maddubs_epi16(q[c], bcast4(y[t] + e0 + 32 * c)),
                                                                 _mm512_set1_epi32(l32[t][(e0 + 32 * c) / 4]));
                            acc[t] = _mm512_dpwssd_epi32(acc[t], p16, S[h][c]);
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

TGT void tk_pkk_avx512(const uint8_t *G, int type, int64_t nsb, const tk_act *a, const int32_t *ls32, int64_t t0,
                       int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
#define PKK45(N, Q5) pkk45_kern(G, nsb, a, t0, N, Q5, Y, ldy, nrows, pf, pfspan)
#define PKK6(N) pkk6_kern(G, nsb, a, ls32, t0, N, Y, ldy, nrows, pf, pfspan)
#define PKK_N(N) do { if (type == TK_Q4_K) PKK45(N, 0); else if (type == TK_Q5_K) PKK45(N, 1); else PKK6(N); } while (0)
    switch (nt < PKK_NT ? nt : PKK_NT) {
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
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        pf_share(pf, pfspan, b, nsb);
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
            const __m512i sl = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + K45_SC(Q5) + 16 * (2 * g))));
            const __m512i sh = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(P + K45_SC(Q5) + 16 * (2 * g + 1))));
            for (int t = 0; t < NT; t++)
                isum[t] = _mm512_add_epi32(isum[t], _mm512_add_epi32(_mm512_mullo_epi32(pl[t], sl), _mm512_mullo_epi32(ph[t], sh)));
        }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_D(Q5))));
        const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + K45_DM(Q5))));
        for (int t = 0; t < NT; t++) {
            int32_t ys[4];
            _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs[t] + b * 16)),
                                                           _mm_loadu_si128((const __m128i *)(bs[t] + b * 16 + 8))));
            __m512i mins = _mm512_setzero_si512();
            for (int i = 0; i < 4; i++)
                mins = _mm512_dpwssd_epi32(mins, _mm512_cvtepu8_epi16(_mm256_load_si256((const __m256i *)(P + K45_MN(Q5) + 32 * i))),
                                           _mm512_set1_epi32(ys[i]));
            acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dv, _mm512_set1_ps(dy[t][b])), _mm512_cvtepi32_ps(isum[t]), acc[t]);
            acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(mv, _mm512_set1_ps(-dy[t][b])), _mm512_cvtepi32_ps(mins), acc[t]);
        }
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
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        pf_share(pf, pfspan, b, nsb);
        __m512i isum[4];
        for (int t = 0; t < NT; t++) isum[t] = _mm512_setzero_si512();
        for (int h = 0; h < 2; h++)
            for (int e = 0; e < 2; e++) {
                __m512i pc[4][4];
                for (int t = 0; t < NT; t++)
                    for (int c = 0; c < 4; c++) pc[t][c] = _mm512_setzero_si512();
                for (int k = 4 * e; k < 4 * e + 4; k++) {
                    const uint8_t *C = P + (h * 8 + k) * 192;
                    __m512i q[4];
                    q6_unpack512(C, q);
                    for (int t = 0; t < NT; t++)
                        for (int c = 0; c < 4; c++)
                            pc[t][c] = _mm512_dpbusd_epi32(pc[t][c], q[c], bcast4(y[t] + b * QK_K + 128 * h + 32 * c + 4 * k));
                }
                for (int c = 0; c < 4; c++) {
                    const int sb = 8 * h + 2 * c + e;
                    const __m512i sc = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(P + 3072 + 16 * sb)));
                    for (int t = 0; t < NT; t++) {
                        const __m512i p = _mm512_sub_epi32(pc[t][c], _mm512_set1_epi32(32 * bs[t][b * 16 + sb]));
                        isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(p, sc));
                    }
                }
            }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(P + 3328)));
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
    const __m256i w = _mm256_loadu_si256((const __m256i *)(P + (4 * k + g) * 64 + 32 * H));
    *lo = _mm256_and_si256(w, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
    if (Q5) {
        const __m256i Hb = _mm256_loadu_si256((const __m256i *)(P + 2048 + 64 * k + 32 * H));
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
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        pf_share(pf, pfspan, b, nsb);
        __m256i S[8];
        for (int j = 0; j < 8; j++) S[j] = pair16_2(P + K45_SC(Q5) + 16 * j + 8 * H, 0);
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_D(Q5) + 16 * H))),
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
        const __m256 dm = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_DM(Q5) + 16 * H))),
                                        _mm256_set1_ps(-dy[b]));
        int32_t ys[4];
        _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs + b * 16)),
                                                       _mm_loadu_si128((const __m128i *)(bs + b * 16 + 8))));
        __m256i all = _mm256_setzero_si256();
        for (int i = 0; i < 4; i++) {
            const __m256i mp = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(P + K45_MN(Q5) + 32 * i + 16 * H)));
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
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        pf_share(pf, pfspan, b, nsb);
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + 3328 + 16 * H))),
                                        _mm256_set1_ps(dy[b]));
        for (int e = 0; e < 2; e++) {
            __m256i S[2][4];
            for (int h = 0; h < 2; h++)
                for (int c = 0; c < 4; c++) S[h][c] = pair16_2(P + 3072 + 16 * (8 * h + 2 * c + e) + 8 * H, 1);
            for (int k = 4 * e; k < 4 * e + 4; k++) {
                __m256i acc = _mm256_setzero_si256();
                for (int h = 0; h < 2; h++) {
                    const uint8_t *C = P + (h * 8 + k) * 192 + 32 * H;
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

TGT2 void tk_pkk_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, const int32_t *ls32, int64_t t0,
                      int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    for (int t = 0; t < nt; t++) {
        for (int H = 0; H < 2 && 8 * H < nrows; H++) {
            const int n = nrows - 8 * H < 8 ? nrows - 8 * H : 8;
            float *y = Y + t * ldy + 8 * H;
            // the stream ahead: spread over the first pass (first token, first half)
            const uint8_t *p = t == 0 && H == 0 ? pf : NULL;
            if (type == TK_Q4_K) pkk45_avx2(G, nsb, a, t0 + t, 0, H, y, n, p, pfspan);
            else if (type == TK_Q5_K) pkk45_avx2(G, nsb, a, t0 + t, 1, H, y, n, p, pfspan);
            else pkk6_avx2(G, nsb, a, ls32, t0 + t, H, y, n, p, pfspan);
        }
    }
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
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * (Q5 ? Q5K_GB : Q4K_GB);
        pf_share(pf, pfspan, b, nsb);
        __m256i isum = _mm256_setzero_si256();
        for (int g = 0; g < 4; g++) {
            const __m256i sl = pair16_2(P + K45_SC(Q5) + 16 * (2 * g) + 8 * H, 0);
            const __m256i sh = pair16_2(P + K45_SC(Q5) + 16 * (2 * g + 1) + 8 * H, 0);
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
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_D(Q5) + 16 * H))),
                                        _mm256_set1_ps(dy[b]));
        const __m256 dm = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + K45_DM(Q5) + 16 * H))),
                                        _mm256_set1_ps(-dy[b]));
        int32_t ys[4];
        _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(bs + b * 16)),
                                                       _mm_loadu_si128((const __m128i *)(bs + b * 16 + 8))));
        __m256i mins = _mm256_setzero_si256();
        for (int i = 0; i < 4; i++)
            mins = _mm256_add_epi32(mins, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(P + K45_MN(Q5) + 32 * i + 16 * H))),
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
    for (int64_t b = 0; b < nsb; b++) {
        const uint8_t *P = G + (size_t)b * Q6K_GB;
        pf_share(pf, pfspan, b, nsb);
        __m256i isum = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++)
            for (int e = 0; e < 2; e++) {
                __m256i pc[4];
                for (int c = 0; c < 4; c++) pc[c] = _mm256_setzero_si256();
                for (int k = 4 * e; k < 4 * e + 4; k++) {
                    const uint8_t *C = P + (h * 8 + k) * 192 + 32 * H;
                    __m256i q[4];
                    q6_unpack256(C, q);
                    for (int c = 0; c < 4; c++)  // two chunks' pair sums fit int16 (|q*y pair| <= 16002)
                        pc[c] = _mm256_add_epi16(pc[c], _mm256_maddubs_epi16(q[c], b4_2(y + b * QK_K + 128 * h + 32 * c + 4 * k)));
                    if (k % 2 == 1) {
                        for (int c = 0; c < 4; c++) {
                            const int sb = 8 * h + 2 * c + e;
                            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(pc[c], pair16_2(P + 3072 + 16 * sb + 8 * H, 1)));
                            pc[c] = _mm256_setzero_si256();
                        }
                    }
                }
                for (int c = 0; c < 4; c++) {  // the +32 offset: -32 x scale x the sub-block's activation sum
                    const int sb = 8 * h + 2 * c + e;
                    const __m256i sc = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(P + 3072 + 16 * sb + 8 * H)));
                    isum = _mm256_sub_epi32(isum, _mm256_mullo_epi32(sc, _mm256_set1_epi32(32 * bs[b * 16 + sb])));
                }
            }
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(P + 3328 + 16 * H))),
                                        _mm256_set1_ps(dy[b]));
        acc = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(isum), acc);
    }
    store8(Y, acc, n);
}

TGT2 void tk_pkk_block_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                            float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    for (int t = 0; t < nt; t++)
        for (int H = 0; H < 2 && 8 * H < nrows; H++) {
            const int n = nrows - 8 * H < 8 ? nrows - 8 * H : 8;
            float *y = Y + t * ldy + 8 * H;
            const uint8_t *p = t == 0 && H == 0 ? pf : NULL;
            if (type == TK_Q4_K) pkkb45_avx2(G, nsb, a, t0 + t, 0, H, y, n, p, pfspan);
            else if (type == TK_Q5_K) pkkb45_avx2(G, nsb, a, t0 + t, 1, H, y, n, p, pfspan);
            else pkkb6_avx2(G, nsb, a, t0 + t, H, y, n, p, pfspan);
        }
}
#endif
