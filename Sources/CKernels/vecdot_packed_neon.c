// vecdot_packed_neon.c: the packed Q4_0/Q4_1/Q8_0/Q5_0/Q5_1 kernels (layout in vecdot_packed.c)
// for arm64 with the dot-product extension (every Apple Silicon CPU; `sdot`, compile-time
// __ARM_FEATURE_DOTPROD). A 64-byte chunk of a packed block holds 4 bytes of 16 rows; one 16-byte
// quarter of it is 4 rows, and `vdotq_s32` against the token's 4 activation bytes (replicated)
// gives those rows' 4-product sums in their own lanes, as `vpdpbusd` does for 16 rows on x86.
// Values are dotted as signed bytes (Q4_0 and Q5_0 offsets removed, Q8_0's stored +128 undone),
// so the integers are exactly those of the portable kernels, and so are the float operations:
//   tk_pk_lane_neon: ggml's order (8 lane accumulators per row, hsum_float_8 tree, + Q4_1/Q5_1 m*s);
//   tk_pk_block_neon: one float sum per block (vecdot_packed_block.c).
// Results are bit-identical to pk_generic / tk_pk_block_generic (MatmulTests on arm64).
// Limits: not measured for speed (written and tested under qemu-aarch64 on an x86 machine);
// tokens are taken one at a time (the weights of a group are re-read from L1/L2 per token).
#include "tk_internal.h"

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

/// f16 scales of rows 4r..4r+3 at S (16 f16 per block, row order).
static inline float32x4_t h4(const uint8_t *S, int r) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)S + 4 * r))); }

/// Chunk j (elements of y 4j..4j+3) of block Q for rows 4r..4r+3, as signed bytes.
static inline int8x16_t chunk(const uint8_t *Q, int kind, int j, int r) {
    if (kind == 2) return vreinterpretq_s8_u8(veorq_u8(vld1q_u8(Q + 64 * j + 16 * r), vdupq_n_u8(0x80)));
    const int base = kind >= 3 ? TK_PK5_NIB : 0;
    const uint8x16_t w = vld1q_u8(Q + base + 64 * (j & 3) + 16 * r);
    uint8x16_t v = j < 4 ? vandq_u8(w, vdupq_n_u8(0x0F)) : vshrq_n_u8(w, 4);
    if (kind >= 3) {  // the fifth bit: bit j of the plane byte -> bit 4
        const uint8x16_t p = vld1q_u8(Q + TK_PK5_PLANE + 16 * r);
        v = vorrq_u8(v, vandq_u8(vshlq_u8(p, vdupq_n_s8((int8_t)(4 - j))), vdupq_n_u8(0x10)));
    }
    int8x16_t s = vreinterpretq_s8_u8(v);
    if (kind == 0) s = vsubq_s8(s, vdupq_n_s8(8));
    if (kind == 3) s = vsubq_s8(s, vdupq_n_s8(16));
    return s;
}

static inline int8x16_t ybytes(const int8_t *y) { return vreinterpretq_s8_s32(vld1q_dup_s32((const int32_t *)(const void *)y)); }

static inline void store4(float *Y, float32x4_t v, int r, int nrows) {
    float t[4];
    vst1q_f32(t, v);
    for (int i = 0; i < 4 && 4 * r + i < nrows; i++) Y[4 * r + i] = t[i];
}

void tk_pk_lane_neon(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                     float *Y, int64_t ldy, int nrows) {
    const int kind = tk_pk_kind(type), qb = tk_pk_qb(kind), sb = tk_pk_sb(kind), has_m = kind == 1 || kind == 4;
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *d8 = a->d8 + (t0 + t) * a->nbr * 8;
        const float *s = has_m ? a->s + (t0 + t) * a->nbr : NULL;
        for (int r = 0; 4 * r < nrows; r++) {
            float32x4_t A[8], summ = vdupq_n_f32(0);
            for (int j = 0; j < 8; j++) A[j] = vdupq_n_f32(0);
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *Q = G + tk_pk_qoff(b, qb, sb), *S = G + tk_pk_soff(b, qb, sb);
                const float32x4_t dd = vmulq_n_f32(h4(S, r), d8[b * 8]);
                for (int j = 0; j < 8; j++) {
                    const int32x4_t c = vdotq_s32(vdupq_n_s32(0), chunk(Q, kind, j, r), ybytes(y + b * QK + 4 * j));
                    A[j] = vfmaq_f32(A[j], dd, vcvtq_f32_s32(c));
                }
                if (has_m) summ = vfmaq_n_f32(summ, h4(S + 32, r), s[b]);
            }
            float32x4_t v = vaddq_f32(vaddq_f32(vaddq_f32(A[0], A[4]), vaddq_f32(A[2], A[6])),
                                      vaddq_f32(vaddq_f32(A[1], A[5]), vaddq_f32(A[3], A[7])));
            if (has_m) v = vaddq_f32(v, summ);
            store4(Y + t * ldy, v, r, nrows);
        }
    }
}

void tk_pk_block_neon(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                      float *Y, int64_t ldy, int nrows) {
    const int kind = tk_pk_kind(type), qb = tk_pk_qb(kind), sb = tk_pk_sb(kind), has_m = kind == 1 || kind == 4;
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *d8 = a->d8 + (t0 + t) * a->nbr * 8;
        const float *s = has_m ? a->s + (t0 + t) * a->nbr : NULL;
        for (int r = 0; 4 * r < nrows; r++) {
            float32x4_t acc = vdupq_n_f32(0);
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *Q = G + tk_pk_qoff(b, qb, sb), *S = G + tk_pk_soff(b, qb, sb);
                int32x4_t is = vdupq_n_s32(0);
                for (int j = 0; j < 8; j++) is = vdotq_s32(is, chunk(Q, kind, j, r), ybytes(y + b * QK + 4 * j));
                acc = vfmaq_f32(acc, vmulq_n_f32(h4(S, r), d8[b * 8]), vcvtq_f32_s32(is));
                if (has_m) acc = vfmaq_n_f32(acc, h4(S + 32, r), s[b]);
            }
            store4(Y + t * ldy, acc, r, nrows);
        }
    }
}
#endif
