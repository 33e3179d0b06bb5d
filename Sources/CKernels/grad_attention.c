// grad_attention.c: causal grouped-query attention for training, one fused forward and one fused
// backward. Layouts (row-major): q, out (B, T, H, Dh); k, v (B, T, Hkv, Dh); lse (B, H, T).
// Query head h reads KV head h / (H / Hkv). Positions inside a sequence are 0 ... T-1 and row t
// attends to keys 0 ... t. The forward keeps only the log-sum-exp of each row's scaled scores;
// the backward recomputes the probabilities from it (flash-attention style, O(B·H·T) memory).
// Limits: f32; O(T²·Dh) per head with plain loops (no tiling), fine for T up to a few thousand.
#include "ckernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    float *out, *lse, *dq, *dk, *dv;
    const float *q, *k, *v, *o, *dout, *lse_in;
    int64_t B, T, P, H, Hkv, Dh; float scale;
} gattn_ctx;

static inline float dotf(const float *a, const float *b, int64_t n) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

// One job per (b, h, t) query row.
static void gattn_fwd_task(void *vc, int ith, int nth) {
    const gattn_ctx *c = vc;
    const int64_t T = c->T, P = c->P, S = T + P, H = c->H, Hkv = c->Hkv, Dh = c->Dh, group = H / Hkv;
    float *s = malloc(sizeof(float) * (size_t)S);
    if (!s) return;
    for (int64_t job = ith; job < c->B * H * T; job += nth) {
        const int64_t b = job / (H * T), h = (job / T) % H, t = job % T, hk = h / group;
        const float *q = c->q + ((b * T + t) * H + h) * Dh;
        float mx = -INFINITY;
        for (int64_t j = 0; j <= P + t; j++) {
            s[j] = dotf(q, c->k + ((b * S + j) * Hkv + hk) * Dh, Dh) * c->scale;
            mx = s[j] > mx ? s[j] : mx;
        }
        double sum = 0.0;
        for (int64_t j = 0; j <= P + t; j++) { s[j] = expf(s[j] - mx); sum += s[j]; }
        const float inv = (float)(1.0 / sum);
        float *o = c->out + ((b * T + t) * H + h) * Dh;
        memset(o, 0, sizeof(float) * (size_t)Dh);
        for (int64_t j = 0; j <= P + t; j++) {
            const float p = s[j] * inv;
            const float *v = c->v + ((b * S + j) * Hkv + hk) * Dh;
            for (int64_t d = 0; d < Dh; d++) o[d] += p * v[d];
        }
        c->lse[(b * H + h) * T + t] = mx + (float)log(sum);
    }
    free(s);
}

void tk_attention_train_fwd(float *out, float *lse, const float *q, const float *k, const float *v,
                            int64_t B, int64_t T, int64_t P, int64_t H, int64_t Hkv, int64_t Dh, float scale, tk_pool *pool) {
    gattn_ctx c = { .out = out, .lse = lse, .q = q, .k = k, .v = v, .B = B, .T = T, .P = P, .H = H, .Hkv = Hkv,
                    .Dh = Dh, .scale = scale };
    tk_pool_run(pool, gattn_fwd_task, &c);
}

// One job per (b, hk): the job owns dk and dv of that KV head and dq of the query heads that
// read it, so no two threads write the same gradient row.
static void gattn_bwd_task(void *vc, int ith, int nth) {
    const gattn_ctx *c = vc;
    const int64_t T = c->T, P = c->P, S = T + P, H = c->H, Hkv = c->Hkv, Dh = c->Dh, group = H / Hkv;
    float *ds = malloc(sizeof(float) * (size_t)S);
    if (!ds) return;
    for (int64_t job = ith; job < c->B * Hkv; job += nth) {
        const int64_t b = job / Hkv, hk = job % Hkv;
        for (int64_t h = hk * group; h < (hk + 1) * group; h++) {
            for (int64_t t = 0; t < T; t++) {
                const int64_t row = (b * T + t) * H + h;
                const float *q = c->q + row * Dh, *dout = c->dout + row * Dh, *o = c->o + row * Dh;
                const float lse = c->lse_in[(b * H + h) * T + t];
                const float D = dotf(dout, o, Dh);  // sum_j p_j dp_j
                float *dq = c->dq + row * Dh;
                for (int64_t j = 0; j <= P + t; j++) {
                    const int64_t kv = ((b * S + j) * Hkv + hk) * Dh;
                    const float p = expf(dotf(q, c->k + kv, Dh) * c->scale - lse);
                    const float dp = dotf(dout, c->v + kv, Dh);
                    float *dv = c->dv + kv;
                    for (int64_t d = 0; d < Dh; d++) dv[d] += p * dout[d];
                    ds[j] = p * (dp - D) * c->scale;  // d(score)/d(q·k) folds in the scale
                }
                for (int64_t j = 0; j <= P + t; j++) {
                    const int64_t kv = ((b * S + j) * Hkv + hk) * Dh;
                    const float g = ds[j], *kr = c->k + kv;
                    float *dk = c->dk + kv;
                    for (int64_t d = 0; d < Dh; d++) { dq[d] += g * kr[d]; dk[d] += g * q[d]; }
                }
            }
        }
    }
    free(ds);
}

void tk_attention_train_bwd(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int64_t B, int64_t T, int64_t P,
                            int64_t H, int64_t Hkv, int64_t Dh, float scale, tk_pool *pool) {
    gattn_ctx c = { .dq = dq, .dk = dk, .dv = dv, .dout = dout, .q = q, .k = k, .v = v, .o = out, .lse_in = lse,
                    .B = B, .T = T, .P = P, .H = H, .Hkv = Hkv, .Dh = Dh, .scale = scale };
    tk_pool_run(pool, gattn_bwd_task, &c);
}
