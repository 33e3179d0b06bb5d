// quant_act.c: f32 activations -> 8-bit blocks, bit-exact with ggml's quantize_row_q8_0_ref,
// quantize_row_q8_1_ref and quantize_row_q8_K_ref; both in ggml's block layout (public API) and
// in the struct-of-arrays tk_act buffer tk_matmul dots against.
// Limits: scalar C (cost is O(cols) per token, small next to the matmul it feeds). FP contraction
// is off so products round as in ggml's reference build.
#include "tk_internal.h"
#include <math.h>
#include <stdlib.h>
#ifdef __clang__
#pragma clang fp contract(off)
#else
#pragma STDC FP_CONTRACT OFF
#endif

/// roundf (half away from zero) for |v| < 2^23, without a libm call.
static inline int round_away(float v) {
    int t = (int)v;
    float r = v - (float)t;  // exact
    return t + (r >= 0.5f) - (r <= -0.5f);
}

/// ggml's nearest_int: round half to even via the 1.5*2^23 trick (|v| < 2^22).
static inline int nearest_int(float v) {
    float val = v + 12582912.f;
    int32_t i;
    memcpy(&i, &val, 4);
    return (i & 0x007fffff) - 0x00400000;
}

/// One Q8_0/Q8_1 block: returns d = amax/127 (unrounded), writes qs, *sum = sum(qs).
static inline float q8_block(const float *x, int8_t *qs, int *sum) {
    float amax = 0.0f;
    for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127.f;
    const float id = d ? 1.0f / d : 0.0f;
    int s = 0;
    for (int j = 0; j < QK; j++) {
        int q = round_away(x[j] * id);
        qs[j] = (int8_t)q;
        s += q;
    }
    *sum = s;
    return d;
}

/// One Q8_K block: returns d, writes qs and bsums.
static inline float q8k_block(const float *x, int8_t *qs, int16_t *bsums) {
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < QK_K; j++) {
        float ax = fabsf(x[j]);
        if (ax > amax) { amax = ax; max = x[j]; }
    }
    if (!amax) {
        memset(qs, 0, QK_K);
        memset(bsums, 0, 16 * sizeof(int16_t));
        return 0.0f;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < QK_K; j++) {
        int v = nearest_int(iscale * x[j]);
        qs[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (int g = 0; g < 16; g++) {
        int s = 0;
        for (int l = 0; l < 16; l++) s += qs[16 * g + l];
        bsums[g] = (int16_t)s;
    }
    return 1 / iscale;
}

void tk_quantize_row_q8_0(const float *x, void *vy, int64_t n) {
    blk_q8_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++) {
        int sum;
        y[b].d = tk_f32_to_f16(q8_block(x + b * QK, y[b].qs, &sum));
    }
}

void tk_quantize_row_q8_1(const float *x, void *vy, int64_t n) {
    blk_q8_1 *y = vy;
    for (int64_t b = 0; b < n / QK; b++) {
        int sum;
        float d = q8_block(x + b * QK, y[b].qs, &sum);
        y[b].d = tk_f32_to_f16(d);
        y[b].s = tk_f32_to_f16((float)sum * d);
    }
}

void tk_quantize_row_q8_K(const float *x, void *vy, int64_t n) {
    blk_q8_K *y = vy;
    for (int64_t b = 0; b < n / QK_K; b++) y[b].d = q8k_block(x + b * QK_K, y[b].qs, y[b].bsums);
}

// ---- tk_act: the struct-of-arrays activation buffer ----

static inline size_t al64(size_t n) { return (n + 63) & ~(size_t)63; }

static int64_t act_nb(int atype, int64_t cols) {
    return atype == TK_Q8_K ? cols / QK_K : (atype == TK_F32 ? 0 : cols / QK);
}

size_t tk_act_bytes(int atype, int64_t cols, int64_t ntok) {
    const size_t nt = (size_t)ntok, nb = (size_t)act_nb(atype, cols);
    switch (atype) {
    case TK_Q8_0: return al64(nt * cols) + al64(nt * nb * 8 * 4) * 2;
    case TK_Q8_1: return al64(nt * cols) + al64(nt * nb * 8 * 4) + al64(nt * nb * 4);
    case TK_Q8_K: return al64(nt * cols) + al64(nt * nb * 4) + al64(nt * nb * 16 * 2);
    default: return al64(nt * cols * 4);
    }
}

void tk_act_init(tk_act *a, int atype, int64_t cols, int64_t ntok, void *mem) {
    memset(a, 0, sizeof *a);
    a->type = atype;
    a->cols = cols;
    a->nb = act_nb(atype, cols);
    const size_t nt = (size_t)ntok, nb = (size_t)a->nb;
    uint8_t *p = mem;
    if (atype == TK_F32) { a->xf = (float *)p; return; }
    a->qs = (int8_t *)p;
    p += al64(nt * cols);
    if (atype == TK_Q8_K) {
        a->d8 = (float *)p;
        p += al64(nt * nb * 4);
        a->bsums = (int16_t *)p;
        return;
    }
    a->d8 = (float *)p;
    p += al64(nt * nb * 8 * 4);
    if (atype == TK_Q8_0) a->nsum8 = (int32_t *)p;
    else a->s = (float *)p;
}

void tk_act_quantize(tk_act *a, int wtype, const float *X, int64_t t0, int64_t t1) {
    const int64_t cols = a->cols, nb = a->nb;
    for (int64_t t = t0; t < t1; t++) {
        const float *x = X + t * cols;
        if (a->type == TK_F32) {
            float *xf = a->xf + t * cols;
            if (wtype == TK_F16) for (int64_t i = 0; i < cols; i++) xf[i] = tk_f16_to_f32(tk_f32_to_f16(x[i]));
            else if (wtype == TK_BF16) for (int64_t i = 0; i < cols; i++) xf[i] = tk_bf16_to_f32(tk_f32_to_bf16(x[i]));
            else memcpy(xf, x, (size_t)cols * 4);
            continue;
        }
        int8_t *qs = a->qs + t * cols;
        if (a->type == TK_Q8_K) {
            for (int64_t b = 0; b < nb; b++)
                a->d8[t * nb + b] = q8k_block(x + b * QK_K, qs + b * QK_K, a->bsums + (t * nb + b) * 16);
            continue;
        }
        for (int64_t b = 0; b < nb; b++) {
            int sum;
            const float d = q8_block(x + b * QK, qs + b * QK, &sum);
            const float dr = tk_f16_to_f32(tk_f32_to_f16(d));
            float *d8 = a->d8 + (t * nb + b) * 8;
            for (int l = 0; l < 8; l++) d8[l] = dr;
            if (a->type == TK_Q8_0) {
                int32_t *ns = a->nsum8 + (t * nb + b) * 8;
                for (int l = 0; l < 8; l++) ns[l] = -sum;
            } else {
                a->s[t * nb + b] = tk_f16_to_f32(tk_f32_to_f16((float)sum * d));
            }
        }
    }
}
