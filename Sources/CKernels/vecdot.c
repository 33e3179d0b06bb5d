// vecdot.c: portable C dot kernels (one weight row against 1..TK_NT activation rows) for every
// weight type, mirroring ggml's ggml_vec_dot_*_generic math: integer block sums, then the
// float combination d_w*d_a*isum (+ m_w*s_a for Q4_1/Q5_1, - dmin*summs for K-quants). Also the
// dispatcher that picks the AVX2 / AVX-512 kernels from vecdot_avx2.c / vecdot_avx512.c.
// Written as unpack-to-int8 then plain dot loops, which compilers vectorize (SSE2, NEON).
// Limits: no intrinsics; tokens are not tiled here (each token re-reads the row from cache).
#include "tk_internal.h"

#define PER_TOKEN(name)                                                                     \
    static void name(const void *w, const tk_act *a, int64_t t0, int nt, float *out) {     \
        for (int i = 0; i < nt; i++) out[i] = name##_1(w, a, t0 + i);                      \
    }

static inline int dot_i8(const int8_t *a, const int8_t *b, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

// 32-element blocks: unpack to int8 (element order), then one vectorizable int8 dot per block.
static inline void unpack4(const uint8_t *qs, int off, int8_t q[QK]) {
    for (int j = 0; j < 16; j++) {
        q[j] = (int8_t)((qs[j] & 0xF) - off);
        q[j + 16] = (int8_t)((qs[j] >> 4) - off);
    }
}

static inline void unpack5(const uint8_t *qs, const uint8_t *qhb, int off, int8_t q[QK]) {
    uint32_t qh;
    memcpy(&qh, qhb, 4);
    for (int j = 0; j < 16; j++) {
        q[j] = (int8_t)(((qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - off);
        q[j + 16] = (int8_t)(((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - off);
    }
}

static float dot_q4_0_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q4_0 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8;
    int8_t q[QK];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        unpack4(w[b].qs, 8, q);
        sumf += (float)dot_i8(q, y, QK) * tk_h2f(w[b].d) * d8[b * 8];
    }
    return sumf;
}
PER_TOKEN(dot_q4_0)

static float dot_q4_1_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q4_1 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8, *s = a->s + t * a->nbr;
    int8_t q[QK];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        unpack4(w[b].qs, 0, q);
        sumf += (tk_h2f(w[b].d) * d8[b * 8]) * (float)dot_i8(q, y, QK) + tk_h2f(w[b].m) * s[b];
    }
    return sumf;
}
PER_TOKEN(dot_q4_1)

static float dot_q5_0_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q5_0 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8;
    int8_t q[QK];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        unpack5(w[b].qs, w[b].qh, 16, q);
        sumf += (tk_h2f(w[b].d) * d8[b * 8]) * (float)dot_i8(q, y, QK);
    }
    return sumf;
}
PER_TOKEN(dot_q5_0)

static float dot_q5_1_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q5_1 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8, *s = a->s + t * a->nbr;
    int8_t q[QK];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        unpack5(w[b].qs, w[b].qh, 0, q);
        sumf += (tk_h2f(w[b].d) * d8[b * 8]) * (float)dot_i8(q, y, QK) + tk_h2f(w[b].m) * s[b];
    }
    return sumf;
}
PER_TOKEN(dot_q5_1)

static float dot_q8_0_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q8_0 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        sumf += (float)dot_i8(w[b].qs, y, QK) * (tk_h2f(w[b].d) * d8[b * 8]);
    }
    return sumf;
}
PER_TOKEN(dot_q8_0)

// K-quants: each block is first unpacked to int8 values, then dotted sub-block by sub-block with
// plain loops the compiler vectorizes (SSE2 / NEON).

static float dot_q2_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q2_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    int8_t q[QK_K];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K, bs += 16) {
        int summs = 0, isum = 0;
        for (int j = 0; j < 16; j++) summs += bs[j] * (w[b].scales[j] >> 4);
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 4; j++)
                for (int l = 0; l < 32; l++) q[128 * k + 32 * j + l] = (int8_t)((w[b].qs[32 * k + l] >> (2 * j)) & 3);
        for (int g = 0; g < 16; g++) isum += (w[b].scales[g] & 0xF) * dot_i8(q + 16 * g, y + 16 * g, 16);
        sumf += dy[b] * tk_h2f(w[b].d) * (float)isum - dy[b] * tk_h2f(w[b].dmin) * (float)summs;
    }
    return sumf;
}
PER_TOKEN(dot_q2_K)

static float dot_q3_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q3_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    int8_t q[QK_K];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K) {
        int sc[16];
        for (int i = 0; i < 16; i++) {
            int lo = (i < 8 ? w[b].scales[i] : w[b].scales[i - 8] >> 4) & 0xF;
            int hi = (w[b].scales[8 + i % 4] >> (2 * (i / 4))) & 3;
            sc[i] = (lo | (hi << 4)) - 32;
        }
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 4; j++)
                for (int l = 0; l < 32; l++)
                    q[128 * k + 32 * j + l] = (int8_t)(((w[b].qs[32 * k + l] >> (2 * j)) & 3) -
                                                       (((w[b].hmask[l] >> (4 * k + j)) & 1) ? 0 : 4));
        int isum = 0;
        for (int g = 0; g < 16; g++) isum += sc[g] * dot_i8(q + 16 * g, y + 16 * g, 16);
        sumf += tk_h2f(w[b].d) * dy[b] * (float)isum;
    }
    return sumf;
}
PER_TOKEN(dot_q3_K)

/// Scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block.
static inline void k4_unpack(const uint8_t *s, uint8_t sc[8], uint8_t m[8]) {
    for (int j = 0; j < 4; j++) {
        sc[j] = s[j] & 63;
        m[j] = s[j + 4] & 63;
        sc[j + 4] = (s[j + 8] & 0xF) | ((s[j] >> 6) << 4);
        m[j + 4] = (s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4);
    }
}

/// Q4_K (qh == NULL) and Q5_K.
static float dot_k45(const uint8_t *qs0, const uint8_t *qh0, const blk_q4_K *h, size_t bbytes, const tk_act *a,
                     int64_t t) {
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    int8_t q[QK_K];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K, bs += 16) {
        const size_t off = (size_t)b * bbytes;
        const blk_q4_K *hb = (const blk_q4_K *)((const uint8_t *)h + off);
        const uint8_t *qs = qs0 + off, *qh = qh0 ? qh0 + off : NULL;
        uint8_t sc[8], m[8];
        k4_unpack(hb->scales, sc, m);
        for (int s = 0; s < 8; s++)
            for (int l = 0; l < 32; l++)
                q[32 * s + l] = (int8_t)(((qs[32 * (s / 2) + l] >> (4 * (s & 1))) & 0xF) | (qh ? ((qh[l] >> s) & 1) << 4 : 0));
        int summs = 0, isum = 0;
        for (int j = 0; j < 16; j++) summs += bs[j] * m[j / 2];
        for (int s = 0; s < 8; s++) isum += sc[s] * dot_i8(q + 32 * s, y + 32 * s, 32);
        sumf += tk_h2f(hb->d) * dy[b] * (float)isum - tk_h2f(hb->dmin) * dy[b] * (float)summs;
    }
    return sumf;
}

static float dot_q4_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q4_K *w = vw;
    return dot_k45(w->qs, NULL, w, sizeof(blk_q4_K), a, t);
}
PER_TOKEN(dot_q4_K)

static float dot_q5_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q5_K *w = vw;
    return dot_k45(w->qs, w->qh, (const blk_q4_K *)vw, sizeof(blk_q5_K), a, t);
}
PER_TOKEN(dot_q5_K)

static float dot_q6_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q6_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    int8_t q[QK_K];
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K) {
        for (int n = 0; n < 2; n++) {
            const uint8_t *ql = w[b].ql + 64 * n, *qh = w[b].qh + 32 * n;
            int8_t *o = q + 128 * n;
            for (int l = 0; l < 32; l++) {
                o[l] = (int8_t)(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
                o[l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                o[l + 64] = (int8_t)(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                o[l + 96] = (int8_t)(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
            }
        }
        int isum = 0;
        for (int g = 0; g < 16; g++) isum += w[b].scales[g] * dot_i8(q + 16 * g, y + 16 * g, 16);
        sumf += tk_h2f(w[b].d) * dy[b] * (float)isum;
    }
    return sumf;
}
PER_TOKEN(dot_q6_K)

// Float weights: activations were rounded to the weight's type (F16/BF16) when quantized, then
// products are summed in f32 over 16 interleaved partial sums (vectorizable), as ggml's SIMD
// f16 dot does.
#define FLOAT_DOT(name, CONV)                                                                 \
    static float name##_1(const void *vw, const tk_act *a, int64_t t) {                      \
        const uint8_t *w = vw;                                                                \
        const float *x = a->xf + t * a->cols;                                                 \
        float acc[16] = {0};                                                                  \
        int64_t i = 0;                                                                        \
        for (; i + 16 <= a->n; i += 16)                                                       \
            for (int k = 0; k < 16; k++) acc[k] += CONV(w, i + k) * x[i + k];                 \
        float s = 0;                                                                          \
        for (; i < a->n; i++) s += CONV(w, i) * x[i];                                         \
        for (int k = 0; k < 16; k++) s += acc[k];                                             \
        return s;                                                                             \
    }                                                                                         \
    PER_TOKEN(name)

static inline float ld_f32(const uint8_t *w, int64_t i) { float f; memcpy(&f, w + 4 * i, 4); return f; }
static inline float ld_f16(const uint8_t *w, int64_t i) { uint16_t h; memcpy(&h, w + 2 * i, 2); return tk_h2f(h); }
static inline float ld_bf16(const uint8_t *w, int64_t i) {
    uint16_t h;
    memcpy(&h, w + 2 * i, 2);
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

FLOAT_DOT(dot_f32, ld_f32)
FLOAT_DOT(dot_f16, ld_f16)
FLOAT_DOT(dot_bf16, ld_bf16)

tk_dot_fn tk_dot_generic(int type) {
    switch (type) {
    case TK_F32: return dot_f32;
    case TK_F16: return dot_f16;
    case TK_BF16: return dot_bf16;
    case TK_Q4_0: return dot_q4_0;
    case TK_Q4_1: return dot_q4_1;
    case TK_Q5_0: return dot_q5_0;
    case TK_Q5_1: return dot_q5_1;
    case TK_Q8_0: return dot_q8_0;
    case TK_Q2_K: return dot_q2_K;
    case TK_Q3_K: return dot_q3_K;
    case TK_Q4_K: return dot_q4_K;
    case TK_Q5_K: return dot_q5_K;
    case TK_Q6_K: return dot_q6_K;
    default: return NULL;
    }
}

tk_dot_fn tk_dot_kernel(int type, int features) {
    tk_dot_fn k;
    if ((features & TK_CPU_AVX512) && (k = tk_dot_avx512(type)) &&
        (!tk_dot_avx512_needs_vnni(type) || (features & TK_CPU_VNNI)))
        return k;
    if ((features & TK_CPU_AVX2) && (k = tk_dot_avx2(type))) return k;
    return tk_dot_generic(type);
}
