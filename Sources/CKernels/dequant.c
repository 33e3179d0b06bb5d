// dequant.c: tk_dequantize_row for every supported type, one block at a time, in ggml's layouts.
// The float operations are ordered like gguf-py's numpy reference (and ggml's dequantize_row_*)
// and FP contraction is off here, so results are bit-identical to gguf.quants.dequantize.
// Limits: portable scalar C (dequantization is not on the inference hot path; tk_matmul never
// dequantizes). Q8_1 and Q8_K, activation-only types, are included for tests.
#include "tk_internal.h"
#ifdef __clang__
#pragma clang fp contract(off)
#else
#pragma STDC FP_CONTRACT OFF
#endif

static void deq_q4_0(const blk_q4_0 *b, float *y) {
    const float d = tk_h2f(b->d);
    for (int l = 0; l < 16; l++) {
        y[l] = d * (float)((b->qs[l] & 0xF) - 8);
        y[l + 16] = d * (float)((b->qs[l] >> 4) - 8);
    }
}

static void deq_q4_1(const blk_q4_1 *b, float *y) {
    const float d = tk_h2f(b->d), m = tk_h2f(b->m);
    for (int l = 0; l < 16; l++) {
        y[l] = d * (float)(b->qs[l] & 0xF) + m;
        y[l + 16] = d * (float)(b->qs[l] >> 4) + m;
    }
}

static void deq_q5_0(const blk_q5_0 *b, float *y) {
    const float d = tk_h2f(b->d);
    uint32_t qh;
    memcpy(&qh, b->qh, 4);
    for (int l = 0; l < 16; l++) {
        int q0 = (b->qs[l] & 0xF) | (((qh >> l) & 1) << 4);
        int q1 = (b->qs[l] >> 4) | (((qh >> (l + 16)) & 1) << 4);
        y[l] = d * (float)(q0 - 16);
        y[l + 16] = d * (float)(q1 - 16);
    }
}

static void deq_q5_1(const blk_q5_1 *b, float *y) {
    const float d = tk_h2f(b->d), m = tk_h2f(b->m);
    uint32_t qh;
    memcpy(&qh, b->qh, 4);
    for (int l = 0; l < 16; l++) {
        int q0 = (b->qs[l] & 0xF) | (((qh >> l) & 1) << 4);
        int q1 = (b->qs[l] >> 4) | (((qh >> (l + 16)) & 1) << 4);
        y[l] = d * (float)q0 + m;
        y[l + 16] = d * (float)q1 + m;
    }
}

static void deq_q8_0(const blk_q8_0 *b, float *y) {
    const float d = tk_h2f(b->d);
    for (int l = 0; l < QK; l++) y[l] = (float)b->qs[l] * d;
}

static void deq_q8_1(const blk_q8_1 *b, float *y) {
    const float d = tk_h2f(b->d);
    for (int l = 0; l < QK; l++) y[l] = (float)b->qs[l] * d;
}

static void deq_q8_K(const blk_q8_K *b, float *y) {
    for (int l = 0; l < QK_K; l++) y[l] = (float)b->qs[l] * b->d;
}

static void deq_q2_K(const blk_q2_K *b, float *y) {
    const float d = tk_h2f(b->d), dmin = tk_h2f(b->dmin);
    for (int k = 0; k < 2; k++)          // 128-element halves
        for (int j = 0; j < 4; j++)      // 2-bit planes
            for (int l = 0; l < 32; l++) {
                int e = 128 * k + 32 * j + l;
                uint8_t sc = b->scales[e / 16];
                float dl = d * (float)(sc & 0xF), ml = dmin * (float)(sc >> 4);
                y[e] = dl * (float)((b->qs[32 * k + l] >> (2 * j)) & 3) - ml;
            }
}

/// The 16 signed 6-bit scales of a Q3_K block (value - 32).
static void q3k_scales(const uint8_t s[12], int out[16]) {
    for (int i = 0; i < 16; i++) {
        int lo = (i < 8 ? s[i] : s[i - 8] >> 4) & 0xF;
        int hi = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
        out[i] = (lo | (hi << 4)) - 32;
    }
}

static void deq_q3_K(const blk_q3_K *b, float *y) {
    const float d = tk_h2f(b->d);
    int sc[16];
    q3k_scales(b->scales, sc);
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++) {
                int e = 128 * k + 32 * j + l;
                int q = (b->qs[32 * k + l] >> (2 * j)) & 3;
                if (!((b->hmask[l] >> (4 * k + j)) & 1)) q -= 4;
                y[e] = (d * (float)sc[e / 16]) * (float)q;
            }
}

/// Scale and min of sub-block j (0..7) from the 12 packed bytes of Q4_K/Q5_K.
static inline void k4_scale_min(int j, const uint8_t *s, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

static void deq_q4_K(const blk_q4_K *b, float *y) {
    const float d = tk_h2f(b->d), dmin = tk_h2f(b->dmin);
    for (int s = 0; s < 8; s++) {
        int sc, m;
        k4_scale_min(s, b->scales, &sc, &m);
        const float d1 = d * (float)sc, m1 = dmin * (float)m;
        const uint8_t *q = b->qs + 32 * (s / 2);
        for (int l = 0; l < 32; l++) y[32 * s + l] = d1 * (float)((q[l] >> (4 * (s & 1))) & 0xF) - m1;
    }
}

static void deq_q5_K(const blk_q5_K *b, float *y) {
    const float d = tk_h2f(b->d), dmin = tk_h2f(b->dmin);
    for (int s = 0; s < 8; s++) {
        int sc, m;
        k4_scale_min(s, b->scales, &sc, &m);
        const float d1 = d * (float)sc, m1 = dmin * (float)m;
        const uint8_t *q = b->qs + 32 * (s / 2);
        for (int l = 0; l < 32; l++) {
            int v = ((q[l] >> (4 * (s & 1))) & 0xF) | (((b->qh[l] >> s) & 1) << 4);
            y[32 * s + l] = d1 * (float)v - m1;
        }
    }
}

static void deq_q6_K(const blk_q6_K *b, float *y) {
    const float d = tk_h2f(b->d);
    for (int e = 0; e < QK_K; e++) {
        int half = e / 128, r = e % 128;
        int lo = (b->ql[64 * half + r % 64] >> (4 * (r / 64))) & 0xF;
        int hi = (b->qh[32 * half + r % 32] >> (2 * (r / 32))) & 3;
        y[e] = (d * (float)b->scales[e / 16]) * (float)((lo | (hi << 4)) - 32);
    }
}

int tk_dequantize_row(int type, const void *src, float *dst, int64_t n) {
    const int64_t be = tk_type_block_elems(type), bb = tk_type_block_bytes(type);
    if (be == 0 || n % be != 0) return -1;
    const uint8_t *p = (const uint8_t *)src;
    switch (type) {
    case TK_F32: memcpy(dst, src, (size_t)n * 4); return 0;
    case TK_F16: tk_f16_to_f32_row((const uint16_t *)src, dst, n); return 0;
    case TK_BF16: tk_bf16_to_f32_row((const uint16_t *)src, dst, n); return 0;
    default: break;
    }
    for (int64_t i = 0; i < n / be; i++, p += bb, dst += be) {
        switch (type) {
        case TK_Q4_0: deq_q4_0((const blk_q4_0 *)p, dst); break;
        case TK_Q4_1: deq_q4_1((const blk_q4_1 *)p, dst); break;
        case TK_Q5_0: deq_q5_0((const blk_q5_0 *)p, dst); break;
        case TK_Q5_1: deq_q5_1((const blk_q5_1 *)p, dst); break;
        case TK_Q8_0: deq_q8_0((const blk_q8_0 *)p, dst); break;
        case TK_Q8_1: deq_q8_1((const blk_q8_1 *)p, dst); break;
        case TK_Q2_K: deq_q2_K((const blk_q2_K *)p, dst); break;
        case TK_Q3_K: deq_q3_K((const blk_q3_K *)p, dst); break;
        case TK_Q4_K: deq_q4_K((const blk_q4_K *)p, dst); break;
        case TK_Q5_K: deq_q5_K((const blk_q5_K *)p, dst); break;
        case TK_Q6_K: deq_q6_K((const blk_q6_K *)p, dst); break;
        case TK_Q8_K: deq_q8_K((const blk_q8_K *)p, dst); break;
        default: return -1;
        }
    }
    return 0;
}
