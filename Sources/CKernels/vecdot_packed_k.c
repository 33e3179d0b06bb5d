// vecdot_packed_k.c: Q4_K, Q5_K and Q6_K weights repacked 16 rows at a time (the K-quant counterpart of
// vecdot_packed.c): one zmm load holds the same 4 quant bytes of one super-block for 16 rows
// (lane = row), and each row's products with the token's 4 activation bytes (broadcast) stay in
// its own lane: AVX-512 sums them with vpdpbusd and applies the 6-bit scales of two sub-blocks
// with one vpdpwssd (the two 4-product sums packed as an int16 pair); AVX2 uses maddubs pair
// sums and madd by the scale. 16 outputs come out of one register with no horizontal sums.
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
// Layouts (per 16-row group and super-block; rows past the matrix are zero). Each super-block
// starts with the scales the kernels read first (PKK_HDR = 320 bytes) and then holds the quants
// in the order the lane kernels read them, so one group is one forward stream for the hardware
// prefetcher (session 11: with the scales after the quants and Q6_K's two halves interleaved, a
// 1024 x 1024 Q6_K matrix streamed from memory at 21-24 GB/s, now 33; Q4_K 27 -> 30):
//   Q4_K, 2368 bytes (file: 16 x 144 = 2304):
//     K45_SC  128: [j][L] 6-bit scale j of row L
//     K45_MN  128: [i][L][2] mins 2i and 2i+1 of row L
//     K45_D, K45_DM 32 each: 16 f16 d, then 16 f16 dmin
//     quants 2048 at K45_Q(0, k, g) (k = 0..7 lane, g = 0..3 64-element group), lane L, byte i:
//                   qs[32g + 4k + i] of row L (low nibble: element 64g+4k+i, sub-block 2g;
//                   high nibble: element 64g+32+4k+i, sub-block 2g+1)
//   Q5_K, 2880 bytes (file: 16 x 176 = 2816): the Q4_K header, then per lane k the 4 quant chunks
//     (K45_Q(1, k, g)) followed by their high bits (K5_H(k), lane L, byte i: qh[4k + i] of row L;
//     bit 2g: element 64g+4k+i, bit 2g+1: element 64g+32+4k+i)
//   Q6_K, 3392 bytes (file: 16 x 210 = 3360):
//     Q6K_SC  256: [s][L] int8 scale s (16 elements each) of row L
//     Q6K_D    32: 16 f16, then 32 bytes of padding (keep groups 64-aligned)
//     quants 3072: for lane k (0..7) and half h (0, 1), at Q6K_C(h, k), 3 chunks of 64 bytes, lane
//                   L, byte i: A = ql[64h + 4k + i], B = ql[64h + 32 + 4k + i], H = qh[32h + 4k + i]
//                   of row L (element 128h + 32c + 4k + i of chunk c = 0..3: A low, B low, A high,
//                   B high nibble, with the 2 high bits c of H)
// Kernels: here the packing and the portable loops; vecdot_packed_k_avx512.c and
// vecdot_packed_k_avx2.c the SIMD ones.
// Limits: AVX-512 VNNI and AVX2 kernels (tk_packed_preferred: AVX2 machines pack Q4_K/Q5_K
// only, Q6_K's AVX2 row kernel is faster) and a portable loop; rows a multiple of 256 elements.
#include "packed_k.h"
#include <math.h>

int tk_pkk_type(int type) { return type == TK_Q2_K || type == TK_Q3_K || type == TK_Q4_K || type == TK_Q5_K || type == TK_Q6_K; }

size_t tk_pkk_sb_bytes(int type) {
    return type == TK_Q4_K ? Q4K_GB : type == TK_Q5_K ? Q5K_GB : type == TK_Q6_K ? Q6K_GB : type == TK_Q3_K ? Q3K_GB : type == TK_Q2_K ? Q2K_GB : 0;
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
    // Every byte of a full group is written below except Q6_K's 32 padding bytes per super-block;
    // the lanes past the last row of a partial group stay zero.
    const int64_t ngroups = (rows + PKK_PR - 1) / PKK_PR;
    if (rows % PKK_PR) memset((uint8_t *)out + (size_t)(ngroups - 1) * gb, 0, gb);
    if (type == TK_Q6_K || type == TK_Q3_K)
        for (int64_t g = 0; g < ngroups; g++)
            for (int64_t b = 0; b < nsb; b++)
                memset((uint8_t *)out + (size_t)g * gb + (size_t)b * sbb + (type == TK_Q6_K ? Q6K_PAD : Q3K_PAD), 0, 32);
    for (int64_t r = 0; r < rows; r++) {
        const int L = (int)(r % PKK_PR);
        for (int64_t b = 0; b < nsb; b++) {
            uint8_t *P = (uint8_t *)out + (size_t)(r / PKK_PR) * gb + (size_t)b * sbb;
            if (type == TK_Q4_K || type == TK_Q5_K) {
                const int q5 = type == TK_Q5_K;
                const blk_q4_K *x = (const blk_q4_K *)W + r * nsb + b;  // d, dmin, scales: same place in Q5_K
                const blk_q5_K *x5 = (const blk_q5_K *)W + r * nsb + b;
                const uint8_t *qs = q5 ? x5->qs : x->qs;
                const uint8_t *scales = q5 ? x5->scales : x->scales;
                for (int k = 0; k < 8; k++) {
                    for (int g = 0; g < 4; g++) memcpy(P + K45_Q(q5, k, g) + 4 * L, qs + 32 * g + 4 * k, 4);
                    if (q5) memcpy(P + K5_H(k) + 4 * L, x5->qh + 4 * k, 4);
                }
                for (int j = 0; j < 8; j++) {
                    uint8_t sc, mn;
                    scale_min_k4(j, scales, &sc, &mn);
                    P[K45_SC + 16 * j + L] = sc;
                    P[K45_MN + 32 * (j / 2) + 2 * L + (j % 2)] = mn;
                }
                memcpy(P + K45_D + 2 * L, q5 ? &x5->d : &x->d, 2);
                memcpy(P + K45_DM + 2 * L, q5 ? &x5->dmin : &x->dmin, 2);
            } else if (type == TK_Q2_K) {
                const blk_q2_K *x = (const blk_q2_K *)W + r * nsb + b;
                for (int k = 0; k < 8; k++)
                    for (int h = 0; h < 2; h++) memcpy(P + Q2K_L(h, k) + 4 * L, x->qs + 32 * h + 4 * k, 4);
                for (int s = 0; s < 16; s++) P[Q2K_SC + 16 * s + L] = x->scales[s];
                memcpy(P + Q2K_D + 2 * L, &x->d, 2);
                memcpy(P + Q2K_DM + 2 * L, &x->dmin, 2);
            } else if (type == TK_Q3_K) {
                const blk_q3_K *x = (const blk_q3_K *)W + r * nsb + b;
                for (int k = 0; k < 8; k++) {
                    memcpy(P + Q3K_H(k) + 4 * L, x->hmask + 4 * k, 4);
                    for (int h = 0; h < 2; h++) memcpy(P + Q3K_L(h, k) + 4 * L, x->qs + 32 * h + 4 * k, 4);
                }
                for (int s = 0; s < 16; s++) {  // ggml's 6-bit scales, minus 32
                    const int lo = (s < 8 ? x->scales[s] : x->scales[s - 8] >> 4) & 0xF;
                    const int hi = (x->scales[8 + s % 4] >> (2 * (s / 4))) & 3;
                    P[Q3K_SC + 16 * s + L] = (uint8_t)(int8_t)((lo | hi << 4) - 32);
                }
                memcpy(P + Q3K_D + 2 * L, &x->d, 2);
            } else {
                const blk_q6_K *x = (const blk_q6_K *)W + r * nsb + b;
                for (int h = 0; h < 2; h++)
                    for (int k = 0; k < 8; k++) {
                        uint8_t *C = P + Q6K_C(h, k) + 4 * L;
                        memcpy(C, x->ql + 64 * h + 4 * k, 4);
                        memcpy(C + 64, x->ql + 64 * h + 32 + 4 * k, 4);
                        memcpy(C + 128, x->qh + 32 * h + 4 * k, 4);
                    }
                for (int s = 0; s < 16; s++) P[Q6K_SC + 16 * s + L] = (uint8_t)x->scales[s];
                memcpy(P + Q6K_D + 2 * L, &x->d, 2);
            }
        }
    }
}

/// Quant of element e (0..255) of row L in super-block P (Q4_K: 0..15; Q5_K: 0..31; Q6_K: 0..63,
/// Q3_K: 0..7, offsets kept; Q2_K: 0..3).
static int pkk_quant(const uint8_t *P, int type, int L, int e) {
    if (type == TK_Q2_K) {
        const int h = e / 128, c = (e % 128) / 32, l = e % 32;
        return (P[Q2K_L(h, l / 4) + 4 * L + l % 4] >> (2 * c)) & 3;
    }
    if (type == TK_Q3_K) {
        const int h = e / 128, c = (e % 128) / 32, l = e % 32, k = l / 4, i = l % 4;
        return ((P[Q3K_L(h, k) + 4 * L + i] >> (2 * c)) & 3) | ((P[Q3K_H(k) + 4 * L + i] >> (4 * h + c)) & 1) << 2;
    }
    if (type == TK_Q4_K || type == TK_Q5_K) {
        const int g = e / 64, r = e % 64, hi = r >= 32, k = (r % 32) / 4, i = r % 4;
        const uint8_t w = P[K45_Q(type == TK_Q5_K, k, g) + 4 * L + i];
        const int h = type == TK_Q5_K ? (P[K5_H(k) + 4 * L + i] >> (2 * g + hi)) & 1 : 0;
        return (hi ? w >> 4 : w & 15) | h << 4;
    }
    const int h = e / 128, r = e % 128, c = r / 32, k = (r % 32) / 4, i = r % 4;
    const uint8_t *C = P + Q6K_C(h, k) + 4 * L + i;
    const int lo = c == 0 ? (C[0] & 15) : c == 1 ? (C[64] & 15) : c == 2 ? (C[0] >> 4) : (C[64] >> 4);
    return lo | (((C[128] >> (2 * c)) & 3) << 4);
}

void tk_pkk_generic(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                    float *Y, int64_t ldy, int nrows) {
    if (type == TK_Q3_K || type == TK_Q2_K) {  // block order only (as Tailor's Q2_K/Q3_K row kernels)
        tk_pkk_block_generic(G, type, nsb, a, t0, nt, Y, ldy, nrows);
        return;
    }
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
                    if (k45) lane[k] += P[K45_SC + 16 * (e / 32) + L] * pkk_quant(P, type, L, e) * yb[e];
                    else lane[k] += (int8_t)P[Q6K_SC + 16 * (e / 16) + L] * (pkk_quant(P, type, L, e) - 32) * yb[e];
                }
                tk_half hd;
                memcpy(&hd, P + (k45 ? K45_D : Q6K_D) + 2 * L, 2);
                const float dd = tk_h2f(hd) * dy[b];
                for (int k = 0; k < 8; k++) A[k] = fmaf(dd, (float)lane[k], A[k]);
                if (k45) {
                    tk_half hm;
                    memcpy(&hm, P + K45_DM + 2 * L, 2);
                    const float dm = tk_h2f(hm) * -dy[b];
                    int32_t all = 0;
                    for (int i = 0; i < 4; i++) {
                        const int32_t ys0 = bs[b * 16 + 4 * i] + bs[b * 16 + 4 * i + 1];
                        const int32_t ys1 = bs[b * 16 + 4 * i + 2] + bs[b * 16 + 4 * i + 3];
                        const uint8_t *mn = P + K45_MN + 32 * i + 2 * L;
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
    const int k45 = type == TK_Q4_K || type == TK_Q5_K, q5 = type == TK_Q5_K, q3 = type == TK_Q3_K;
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
                if (type == TK_Q2_K) {  // 16-element sub-blocks: scale * sum(q*y); the mins' sum apart
                    int32_t mins = 0;
                    for (int sb = 0; sb < 16; sb++) {
                        int32_t p = 0;
                        for (int e = 16 * sb; e < 16 * sb + 16; e++) p += pkk_quant(P, type, L, e) * yb[e];
                        isum += (P[Q2K_SC + 16 * sb + L] & 0xF) * p;
                        mins += (P[Q2K_SC + 16 * sb + L] >> 4) * bs[b * 16 + sb];
                    }
                    tk_half hd, hm;
                    memcpy(&hd, P + Q2K_D + 2 * L, 2);
                    memcpy(&hm, P + Q2K_DM + 2 * L, 2);
                    acc = fmaf(tk_h2f(hd) * dy[b], (float)isum, acc);
                    acc = fmaf(tk_h2f(hm) * -dy[b], (float)mins, acc);
                    continue;
                }
                if (k45) {
                    for (int j = 0; j < 8; j++) {
                        int32_t p = 0;
                        for (int e = 32 * j; e < 32 * j + 32; e++) p += pkk_quant(P, type, L, e) * yb[e];
                        isum += P[K45_SC + 16 * j + L] * p;
                    }
                } else {
                    for (int sb = 0; sb < 16; sb++) {
                        int32_t p = 0;
                        for (int e = 16 * sb; e < 16 * sb + 16; e++) p += pkk_quant(P, type, L, e) * yb[e];
                        isum += (int8_t)P[(q3 ? Q3K_SC : Q6K_SC) + 16 * sb + L] * (p - (q3 ? 4 : 32) * bs[b * 16 + sb]);
                    }
                }
                tk_half hd;
                memcpy(&hd, P + (k45 ? K45_D : q3 ? Q3K_D : Q6K_D) + 2 * L, 2);
                acc = fmaf(tk_h2f(hd) * dy[b], (float)isum, acc);
                if (k45) {
                    int32_t mins = 0;
                    for (int j = 0; j < 8; j++)
                        mins += P[K45_MN + 32 * (j / 2) + 2 * L + (j % 2)] * (bs[b * 16 + 2 * j] + bs[b * 16 + 2 * j + 1]);
                    tk_half hm;
                    memcpy(&hm, P + K45_DM + 2 * L, 2);
                    acc = fmaf(tk_h2f(hm) * -dy[b], (float)mins, acc);
                }
            }
            Y[t * ldy + L] = acc;
        }
    }
}
