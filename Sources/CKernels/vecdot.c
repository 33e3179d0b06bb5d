// vecdot.c: portable C dot kernels (one weight row against 1..TK_NT activation rows) for every
// weight type, mirroring ggml's ggml_vec_dot_*_generic math: integer block sums, then the
// float combination d_w*d_a*isum (+ m_w*s_a for Q4_1/Q5_1, - dmin*summs for K-quants). Also the
// dispatcher that picks the AVX2 / AVX-512 kernels from vecdot_avx2.c / vecdot_avx512.c.
// Limits: scalar; tokens are not tiled here (each token re-reads the row from cache).
#include "tk_internal.h"

#define PER_TOKEN(name)                                                                     \
    static void name(const void *w, const tk_act *a, int64_t t0, int nt, float *out) {     \
        for (int i = 0; i < nt; i++) out[i] = name##_1(w, a, t0 + i);                      \
    }

static float dot_q4_0_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q4_0 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        int s0 = 0, s1 = 0;
        for (int j = 0; j < 16; j++) {
            s0 += ((w[b].qs[j] & 0xF) - 8) * y[j];
            s1 += ((w[b].qs[j] >> 4) - 8) * y[j + 16];
        }
        sumf += (float)(s0 + s1) * tk_h2f(w[b].d) * d8[b * 8];
    }
    return sumf;
}
PER_TOKEN(dot_q4_0)

static float dot_q4_1_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q4_1 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8, *s = a->s + t * a->nbr;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        int s0 = 0, s1 = 0;
        for (int j = 0; j < 16; j++) {
            s0 += (w[b].qs[j] & 0xF) * y[j];
            s1 += (w[b].qs[j] >> 4) * y[j + 16];
        }
        sumf += (tk_h2f(w[b].d) * d8[b * 8]) * (float)(s0 + s1) + tk_h2f(w[b].m) * s[b];
    }
    return sumf;
}
PER_TOKEN(dot_q4_1)

static float dot_q5_0_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q5_0 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        uint32_t qh;
        memcpy(&qh, w[b].qh, 4);
        int s0 = 0, s1 = 0;
        for (int j = 0; j < 16; j++) {
            s0 += (((w[b].qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - 16) * y[j];
            s1 += (((w[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16) * y[j + 16];
        }
        sumf += (tk_h2f(w[b].d) * d8[b * 8]) * (float)(s0 + s1);
    }
    return sumf;
}
PER_TOKEN(dot_q5_0)

static float dot_q5_1_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q5_1 *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *d8 = a->d8 + t * a->nbr * 8, *s = a->s + t * a->nbr;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK) {
        uint32_t qh;
        memcpy(&qh, w[b].qh, 4);
        int s0 = 0, s1 = 0;
        for (int j = 0; j < 16; j++) {
            s0 += ((w[b].qs[j] & 0xF) | (((qh >> j) & 1) << 4)) * y[j];
            s1 += ((w[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) * y[j + 16];
        }
        sumf += (tk_h2f(w[b].d) * d8[b * 8]) * (float)(s0 + s1) + tk_h2f(w[b].m) * s[b];
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
        int s = 0;
        for (int j = 0; j < QK; j++) s += w[b].qs[j] * y[j];
        sumf += (float)s * (tk_h2f(w[b].d) * d8[b * 8]);
    }
    return sumf;
}
PER_TOKEN(dot_q8_0)

static float dot_q2_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q2_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K, bs += 16) {
        int summs = 0, isum = 0;
        for (int j = 0; j < 16; j++) summs += bs[j] * (w[b].scales[j] >> 4);
        for (int e = 0; e < QK_K; e++) {
            int q = (w[b].qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
            isum += (w[b].scales[e / 16] & 0xF) * q * y[e];
        }
        sumf += dy[b] * tk_h2f(w[b].d) * (float)isum - dy[b] * tk_h2f(w[b].dmin) * (float)summs;
    }
    return sumf;
}
PER_TOKEN(dot_q2_K)

static float dot_q3_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q3_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K) {
        int sc[16];
        for (int i = 0; i < 16; i++) {
            int lo = (i < 8 ? w[b].scales[i] : w[b].scales[i - 8] >> 4) & 0xF;
            int hi = (w[b].scales[8 + i % 4] >> (2 * (i / 4))) & 3;
            sc[i] = (lo | (hi << 4)) - 32;
        }
        int isum = 0;
        for (int e = 0; e < QK_K; e++) {
            int k = e / 128, j = (e % 128) / 32, l = e % 32;
            int q = ((w[b].qs[32 * k + l] >> (2 * j)) & 3) - (((w[b].hmask[l] >> (4 * k + j)) & 1) ? 0 : 4);
            isum += sc[e / 16] * q * y[e];
        }
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

static float dot_q4_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q4_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K, bs += 16) {
        uint8_t sc[8], m[8];
        k4_unpack(w[b].scales, sc, m);
        int summs = 0, isum = 0;
        for (int j = 0; j < 16; j++) summs += bs[j] * m[j / 2];
        for (int s = 0; s < 8; s++) {
            const uint8_t *q = w[b].qs + 32 * (s / 2);
            int is = 0;
            for (int l = 0; l < 32; l++) is += ((q[l] >> (4 * (s & 1))) & 0xF) * y[32 * s + l];
            isum += sc[s] * is;
        }
        sumf += tk_h2f(w[b].d) * dy[b] * (float)isum - tk_h2f(w[b].dmin) * dy[b] * (float)summs;
    }
    return sumf;
}
PER_TOKEN(dot_q4_K)

static float dot_q5_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q5_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    const int16_t *bs = a->bsums + t * a->nbr * 16;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K, bs += 16) {
        uint8_t sc[8], m[8];
        k4_unpack(w[b].scales, sc, m);
        int summs = 0, isum = 0;
        for (int j = 0; j < 16; j++) summs += bs[j] * m[j / 2];
        for (int s = 0; s < 8; s++) {
            const uint8_t *q = w[b].qs + 32 * (s / 2);
            int is = 0;
            for (int l = 0; l < 32; l++)
                is += (((q[l] >> (4 * (s & 1))) & 0xF) | (((w[b].qh[l] >> s) & 1) << 4)) * y[32 * s + l];
            isum += sc[s] * is;
        }
        sumf += tk_h2f(w[b].d) * dy[b] * (float)isum - tk_h2f(w[b].dmin) * dy[b] * (float)summs;
    }
    return sumf;
}
PER_TOKEN(dot_q5_K)

static float dot_q6_K_1(const void *vw, const tk_act *a, int64_t t) {
    const blk_q6_K *w = vw;
    const int8_t *y = a->qs + t * a->cols;
    const float *dy = a->d8 + t * a->nbr;
    float sumf = 0;
    for (int64_t b = 0; b < a->nb; b++, y += QK_K) {
        int isum = 0;
        for (int g = 0; g < 16; g++) {
            int is = 0;
            for (int e = 16 * g; e < 16 * g + 16; e++) {
                int half = e / 128, r = e % 128;
                int lo = (w[b].ql[64 * half + r % 64] >> (4 * (r / 64))) & 0xF;
                int hi = (w[b].qh[32 * half + r % 32] >> (2 * (r / 32))) & 3;
                is += ((lo | (hi << 4)) - 32) * y[e];
            }
            isum += w[b].scales[g] * is;
        }
        sumf += tk_h2f(w[b].d) * dy[b] * (float)isum;
    }
    return sumf;
}
PER_TOKEN(dot_q6_K)

// Float weights: activations were rounded to the weight's type (F16/BF16) when quantized, then
// products are summed in double as ggml's scalar fallback does.
static float dot_f32_1(const void *vw, const tk_act *a, int64_t t) {
    const float *w = vw, *x = a->xf + t * a->cols;
    double s = 0;
    for (int64_t i = 0; i < a->n; i++) s += (double)(w[i] * x[i]);
    return (float)s;
}
PER_TOKEN(dot_f32)

static float dot_f16_1(const void *vw, const tk_act *a, int64_t t) {
    const uint16_t *w = vw;
    const float *x = a->xf + t * a->cols;
    double s = 0;
    for (int64_t i = 0; i < a->n; i++) s += (double)(tk_f16_to_f32(w[i]) * x[i]);
    return (float)s;
}
PER_TOKEN(dot_f16)

static float dot_bf16_1(const void *vw, const tk_act *a, int64_t t) {
    const uint16_t *w = vw;
    const float *x = a->xf + t * a->cols;
    double s = 0;
    for (int64_t i = 0; i < a->n; i++) s += (double)(tk_bf16_to_f32(w[i]) * x[i]);
    return (float)s;
}
PER_TOKEN(dot_bf16)

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
