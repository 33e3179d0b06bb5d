// vecdot_packed_k_neon.c: the packed Q4_K/Q5_K/Q6_K kernels (layout in vecdot_packed_k.c) for
// arm64 with the dot-product extension (`sdot`, compile-time __ARM_FEATURE_DOTPROD), in ggml's
// lane order (tk_pkk_lane_neon) and in block order (tk_pkk_block_neon). As in
// vecdot_packed_neon.c, a 16-byte quarter of a 64-byte chunk holds 4 bytes of 4 rows, and
// `vdotq_s32` against the token's 4 activation bytes gives those rows' 4-product sums; values are
// dotted as signed bytes (Q6_K's +32 offset removed), each times its sub-block's integer scale
// (`vmlaq_s32`), so the integers and the float operations are exactly those of tk_pkk_generic /
// tk_pkk_block_generic, and the results bit-identical (scripts/check_neon.sh; MatmulTests on arm64).
// Limits: not measured for speed (tested under qemu-aarch64); tokens are taken one at a time.
#include "packed_k.h"

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

static inline float32x4_t h4(const uint8_t *p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)(const void *)p))); }
static inline int8x16_t y4(const int8_t *y) { return vreinterpretq_s8_s32(vld1q_dup_s32((const int32_t *)(const void *)y)); }
/// 4 bytes (one per row of quad r) at p, widened to int32 lanes; signed or unsigned.
static inline int32x4_t b4u(const uint8_t *p) {
    return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(vreinterpret_u8_u32(vld1_dup_u32((const uint32_t *)(const void *)p))))));
}
static inline int32x4_t b4s(const uint8_t *p) {
    return vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u32(vld1_dup_u32((const uint32_t *)(const void *)p)))));
}

/// The 6-bit min of Q4_K/Q5_K sub-block j for rows 4r..4r+3 (bytes (row, pair) at K45_MN + 32 (j/2) + 8r).
static inline int32x4_t min4(const uint8_t *P, int j, int r) {
    const uint16x8_t m = vmovl_u8(vld1_u8(P + K45_MN + 32 * (j / 2) + 8 * r));
    const uint16x4x2_t u = vuzp_u16(vget_low_u16(m), vget_high_u16(m));
    return vreinterpretq_s32_u32(vmovl_u16(u.val[j % 2]));
}

/// Q4_K/Q5_K values of sub-block j, lane k, rows 4r..4r+3 (elements 32j + 4k..4k+3), 0..31.
static inline int8x16_t q45(const uint8_t *P, int q5, int k, int j, int r) {
    const uint8x16_t w = vld1q_u8(P + K45_Q(q5, k, j / 2) + 16 * r);
    uint8x16_t v = (j & 1) ? vshrq_n_u8(w, 4) : vandq_u8(w, vdupq_n_u8(0x0F));
    if (q5) {  // bit j of the high-bit byte -> bit 4
        const uint8x16_t h = vld1q_u8(P + K5_H(k) + 16 * r);
        v = vorrq_u8(v, vandq_u8(vshlq_u8(h, vdupq_n_s8((int8_t)(4 - j))), vdupq_n_u8(0x10)));
    }
    return vreinterpretq_s8_u8(v);
}

/// Q6_K values minus 32 of chunk c (elements 128h + 32c + 4k..4k+3), rows 4r..4r+3.
static inline int8x16_t q6(const uint8_t *P, int h, int k, int c, int r) {
    const uint8_t *C = P + Q6K_C(h, k) + 16 * r;
    const uint8x16_t l = vld1q_u8(C + ((c & 1) ? 64 : 0)), hb = vld1q_u8(C + 128);
    const uint8x16_t lo = (c & 2) ? vshrq_n_u8(l, 4) : vandq_u8(l, vdupq_n_u8(0x0F));
    const uint8x16_t hi = vshlq_n_u8(vandq_u8(vshlq_u8(hb, vdupq_n_s8((int8_t)(-2 * c))), vdupq_n_u8(3)), 4);
    return vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, hi)), vdupq_n_s8(32));
}

static inline void store4(float *Y, float32x4_t v, int r, int nrows) {
    float t[4];
    vst1q_f32(t, v);
    for (int i = 0; i < 4 && 4 * r + i < nrows; i++) Y[4 * r + i] = t[i];
}

void tk_pkk_lane_neon(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                      float *Y, int64_t ldy, int nrows) {
    const size_t sbb = tk_pkk_sb_bytes(type);
    const int k45 = type != TK_Q6_K, q5 = type == TK_Q5_K;
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *dy = a->d8 + (t0 + t) * a->nbr;
        const int16_t *bs = a->bsums + (t0 + t) * a->nbr * 16;
        for (int r = 0; 4 * r < nrows; r++) {
            float32x4_t A[8], M[4];
            for (int k = 0; k < 8; k++) A[k] = vdupq_n_f32(0);
            for (int i = 0; i < 4; i++) M[i] = vdupq_n_f32(0);
            for (int64_t b = 0; b < nsb; b++) {
                const uint8_t *P = G + (size_t)b * sbb;
                const int8_t *yb = y + b * QK_K;
                for (int k = 0; k < 8; k++) {  // lane k: elements 4k..4k+3 of every 32-element chunk
                    int32x4_t lane = vdupq_n_s32(0);
                    if (k45) {
                        for (int j = 0; j < 8; j++)
                            lane = vmlaq_s32(lane, vdotq_s32(vdupq_n_s32(0), q45(P, q5, k, j, r), y4(yb + 32 * j + 4 * k)),
                                             b4u(P + K45_SC + 16 * j + 4 * r));
                    } else {
                        for (int h = 0; h < 2; h++)
                            for (int c = 0; c < 4; c++) {
                                const int e = 128 * h + 32 * c + 4 * k;  // scale of element e: e / 16
                                lane = vmlaq_s32(lane, vdotq_s32(vdupq_n_s32(0), q6(P, h, k, c, r), y4(yb + e)),
                                                 b4s(P + Q6K_SC + 16 * (e / 16) + 4 * r));
                            }
                    }
                    const float32x4_t dd = vmulq_n_f32(h4(P + (k45 ? K45_D : Q6K_D) + 8 * r), dy[b]);
                    A[k] = vfmaq_f32(A[k], dd, vcvtq_f32_s32(lane));
                }
                if (k45) {
                    const float32x4_t dm = vmulq_n_f32(h4(P + K45_DM + 8 * r), -dy[b]);
                    int32x4_t all = vdupq_n_s32(0);
                    for (int i = 0; i < 4; i++) {
                        const int32_t ys0 = bs[b * 16 + 4 * i] + bs[b * 16 + 4 * i + 1];
                        const int32_t ys1 = bs[b * 16 + 4 * i + 2] + bs[b * 16 + 4 * i + 3];
                        const int32x4_t p = vaddq_s32(vmulq_n_s32(min4(P, 2 * i, r), ys0), vmulq_n_s32(min4(P, 2 * i + 1, r), ys1));
                        if (!q5) M[i] = vfmaq_f32(M[i], dm, vcvtq_f32_s32(p));
                        all = vaddq_s32(all, p);
                    }
                    if (q5) M[0] = vfmaq_f32(M[0], dm, vcvtq_f32_s32(all));
                }
            }
            float32x4_t v = vaddq_f32(vaddq_f32(vaddq_f32(A[0], A[4]), vaddq_f32(A[2], A[6])),
                                      vaddq_f32(vaddq_f32(A[1], A[5]), vaddq_f32(A[3], A[7])));
            if (type == TK_Q4_K) v = vaddq_f32(v, vaddq_f32(vaddq_f32(M[0], M[2]), vaddq_f32(M[1], M[3])));
            if (type == TK_Q5_K) v = vaddq_f32(v, M[0]);
            store4(Y + t * ldy, v, r, nrows);
        }
    }
}

void tk_pkk_block_neon(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                       float *Y, int64_t ldy, int nrows) {
    const size_t sbb = tk_pkk_sb_bytes(type);
    const int k45 = type != TK_Q6_K, q5 = type == TK_Q5_K;
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *dy = a->d8 + (t0 + t) * a->nbr;
        const int16_t *bs = a->bsums + (t0 + t) * a->nbr * 16;
        for (int r = 0; 4 * r < nrows; r++) {
            float32x4_t acc = vdupq_n_f32(0);
            for (int64_t b = 0; b < nsb; b++) {
                const uint8_t *P = G + (size_t)b * sbb;
                const int8_t *yb = y + b * QK_K;
                int32x4_t isum = vdupq_n_s32(0);
                if (k45) {
                    for (int j = 0; j < 8; j++) {
                        int32x4_t p = vdupq_n_s32(0);
                        for (int k = 0; k < 8; k++) p = vdotq_s32(p, q45(P, q5, k, j, r), y4(yb + 32 * j + 4 * k));
                        isum = vmlaq_s32(isum, p, b4u(P + K45_SC + 16 * j + 4 * r));
                    }
                } else {
                    for (int sb = 0; sb < 16; sb++) {  // 16 elements: half of chunk c = sb / 2 of half h
                        const int h = sb / 8, c = (sb % 8) / 2, k0 = 4 * (sb % 2);
                        int32x4_t p = vdupq_n_s32(0);
                        for (int k = k0; k < k0 + 4; k++) p = vdotq_s32(p, q6(P, h, k, c, r), y4(yb + 128 * h + 32 * c + 4 * k));
                        isum = vmlaq_s32(isum, p, b4s(P + Q6K_SC + 16 * sb + 4 * r));
                    }
                }
                acc = vfmaq_f32(acc, vmulq_n_f32(h4(P + (k45 ? K45_D : Q6K_D) + 8 * r), dy[b]), vcvtq_f32_s32(isum));
                if (k45) {
                    int32x4_t mins = vdupq_n_s32(0);
                    for (int j = 0; j < 8; j++) mins = vaddq_s32(mins, vmulq_n_s32(min4(P, j, r), bs[b * 16 + 2 * j] + bs[b * 16 + 2 * j + 1]));
                    acc = vfmaq_f32(acc, vmulq_n_f32(h4(P + K45_DM + 8 * r), -dy[b]), vcvtq_f32_s32(mins));
                }
            }
            store4(Y + t * ldy, acc, r, nrows);
        }
    }
}
/// Q3_K or Q2_K (block order only, as their row kernels): 16-element sub-blocks of 4 chunks, each
/// chunk unpacked in registers (Q2_K: 2 bits; Q3_K: plus the high bit at bit 2, offset 4 through
/// -4 x the sub-block's activation sum); Q2_K's mins as one integer sum per super-block.
void tk_pkk_q23_neon(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                     float *Y, int64_t ldy, int nrows) {
    const int q2 = type == TK_Q2_K;
    const size_t sbb = q2 ? Q2K_GB : Q3K_GB;
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *dy = a->d8 + (t0 + t) * a->nbr;
        const int16_t *bs = a->bsums + (t0 + t) * a->nbr * 16;
        for (int r = 0; 4 * r < nrows; r++) {
            float32x4_t acc = vdupq_n_f32(0);
            for (int64_t b = 0; b < nsb; b++) {
                const uint8_t *P = G + (size_t)b * sbb;
                const int8_t *yb = y + b * QK_K;
                int32x4_t isum = vdupq_n_s32(0), mins = vdupq_n_s32(0);
                for (int sb = 0; sb < 16; sb++) {
                    const int h = sb / 8, c = (sb % 8) / 2, k0 = 4 * (sb % 2);
                    int32x4_t p = vdupq_n_s32(q2 ? 0 : -4 * bs[b * 16 + sb]);
                    for (int k = k0; k < k0 + 4; k++) {
                        const uint8x16_t L = vld1q_u8(P + (q2 ? Q2K_L(h, k) : Q3K_L(h, k)) + 16 * r);
                        uint8x16_t u = vandq_u8(vshlq_u8(L, vdupq_n_s8((int8_t)(-2 * c))), vdupq_n_u8(3));
                        if (!q2) {
                            const uint8x16_t hb = vld1q_u8(P + Q3K_H(k) + 16 * r);
                            u = vorrq_u8(u, vandq_u8(vshlq_u8(hb, vdupq_n_s8((int8_t)(2 - 4 * h - c))), vdupq_n_u8(4)));
                        }
                        p = vdotq_s32(p, vreinterpretq_s8_u8(u), y4(yb + 128 * h + 32 * c + 4 * k));
                    }
                    if (q2) {
                        const int32x4_t sm = b4u(P + Q2K_SC + 16 * sb + 4 * r);
                        isum = vmlaq_s32(isum, p, vandq_s32(sm, vdupq_n_s32(0xF)));
                        mins = vmlaq_n_s32(mins, vshrq_n_s32(sm, 4), bs[b * 16 + sb]);
                    } else {
                        isum = vmlaq_s32(isum, p, b4s(P + Q3K_SC + 16 * sb + 4 * r));
                    }
                }
                acc = vfmaq_f32(acc, vmulq_n_f32(h4(P + (q2 ? Q2K_D : Q3K_D) + 8 * r), dy[b]), vcvtq_f32_s32(isum));
                if (q2) acc = vfmaq_f32(acc, vmulq_n_f32(h4(P + Q2K_DM + 8 * r), -dy[b]), vcvtq_f32_s32(mins));
            }
            store4(Y + t * ldy, acc, r, nrows);
        }
    }
}
#endif
