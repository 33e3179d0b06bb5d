// grad_attention.c: causal grouped-query attention for training, one fused forward and one fused
// backward. Layouts (row-major): q, out (B, T, H, Dh); k, v (B, S, Hkv, Dh) with S = P + T;
// lse (B, H, T). Query head h reads KV head h / (H / Hkv). Query t attends keys 0 ... P + t.
// The forward keeps only the log-sum-exp of each row's scaled scores; the backward recomputes
// the probabilities from it (flash-attention style, O(B·H·T) memory besides a per-thread score
// block). Per head, the products are single-threaded BLAS calls on blocks of ROWS query rows
// (keys beyond the block's last allowed position are skipped), heads spread over the pool.
// Limits: f32; a score block of ROWS × S floats per thread (S = keys per sequence).
#include "tk_internal.h"
#include <math.h>
#include <stdlib.h>

#define ROWS 32

typedef struct {
    float *out, *lse, *dq, *dk, *dv;
    const float *q, *k, *v, *o, *dout, *lse_in;
    int64_t B, T, P, H, Hkv, Dh; float scale;
} gattn_ctx;

// One job per (b, h).
static void gattn_fwd_task(void *vc, int ith, int nth) {
    const gattn_ctx *c = vc;
    const int64_t T = c->T, P = c->P, S = T + P, H = c->H, Hkv = c->Hkv, Dh = c->Dh, group = H / Hkv;
    const int64_t ldq = H * Dh, ldk = Hkv * Dh;
    float *s = malloc(sizeof(float) * (size_t)(ROWS * S));
    if (!s) return;
    for (int64_t job = ith; job < c->B * H; job += nth) {
        const int64_t b = job / H, h = job % H, hk = h / group;
        const float *q = c->q + (b * T * H + h) * Dh;           // row t at q + t·ldq
        const float *k = c->k + (b * S * Hkv + hk) * Dh;        // key j at k + j·ldk
        const float *v = c->v + (b * S * Hkv + hk) * Dh;
        float *o = c->out + (b * T * H + h) * Dh;
        for (int64_t t0 = 0; t0 < T; t0 += ROWS) {
            const int64_t nr = T - t0 < ROWS ? T - t0 : ROWS, nk = P + t0 + nr;
            tk_sgemm(0, 1, nr, nk, Dh, c->scale, q + t0 * ldq, ldq, k, ldk, 0.0f, s, nk);   // scores (nr, nk)
            for (int64_t i = 0; i < nr; i++) {
                float *row = s + i * nk;
                const int64_t n = P + t0 + i + 1;
                float mx = -INFINITY;
                for (int64_t j = 0; j < n; j++) mx = row[j] > mx ? row[j] : mx;
                double sum = 0.0;
                for (int64_t j = 0; j < n; j++) { row[j] = expf(row[j] - mx); sum += row[j]; }
                const float inv = (float)(1.0 / sum);
                for (int64_t j = 0; j < n; j++) row[j] *= inv;
                for (int64_t j = n; j < nk; j++) row[j] = 0.0f;
                c->lse[(b * H + h) * T + t0 + i] = mx + (float)log(sum);
            }
            tk_sgemm(0, 0, nr, Dh, nk, 1.0f, s, nk, v, ldk, 0.0f, o + t0 * ldq, ldq);       // out = p·v
        }
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
    const int64_t ldq = H * Dh, ldk = Hkv * Dh;
    float *p = malloc(sizeof(float) * (size_t)(2 * ROWS * S));
    if (!p) return;
    float *ds = p + ROWS * S;
    for (int64_t job = ith; job < c->B * Hkv; job += nth) {
        const int64_t b = job / Hkv, hk = job % Hkv;
        const float *k = c->k + (b * S * Hkv + hk) * Dh, *v = c->v + (b * S * Hkv + hk) * Dh;
        float *dk = c->dk + (b * S * Hkv + hk) * Dh, *dv = c->dv + (b * S * Hkv + hk) * Dh;
        for (int64_t h = hk * group; h < (hk + 1) * group; h++) {
            const int64_t qo = (b * T * H + h) * Dh;
            const float *q = c->q + qo, *o = c->o + qo, *dout = c->dout + qo;
            float *dq = c->dq + qo;
            for (int64_t t0 = 0; t0 < T; t0 += ROWS) {
                const int64_t nr = T - t0 < ROWS ? T - t0 : ROWS, nk = P + t0 + nr;
                tk_sgemm(0, 1, nr, nk, Dh, c->scale, q + t0 * ldq, ldq, k, ldk, 0.0f, p, nk);          // scores
                tk_sgemm(0, 1, nr, nk, Dh, 1.0f, dout + t0 * ldq, ldq, v, ldk, 0.0f, ds, nk);          // dp = dout·vᵀ
                for (int64_t i = 0; i < nr; i++) {
                    const int64_t t = t0 + i, n = P + t + 1;
                    const float lse = c->lse_in[(b * H + h) * T + t];
                    const float *dor = dout + t * ldq, *orow = o + t * ldq;
                    float D = 0.0f;  // sum_j p_j dp_j = dout · out
                    for (int64_t d = 0; d < Dh; d++) D += dor[d] * orow[d];
                    float *pr = p + i * nk, *dr = ds + i * nk;
                    for (int64_t j = 0; j < n; j++) {
                        const float pj = expf(pr[j] - lse);
                        pr[j] = pj;
                        dr[j] = pj * (dr[j] - D) * c->scale;  // d(score)/d(q·k) folds in the scale
                    }
                    for (int64_t j = n; j < nk; j++) { pr[j] = 0.0f; dr[j] = 0.0f; }
                }
                tk_sgemm(1, 0, nk, Dh, nr, 1.0f, p, nk, dout + t0 * ldq, ldq, 1.0f, dv, ldk);           // dv += pᵀ·dout
                tk_sgemm(0, 0, nr, Dh, nk, 1.0f, ds, nk, k, ldk, 1.0f, dq + t0 * ldq, ldq);             // dq += ds·k
                tk_sgemm(1, 0, nk, Dh, nr, 1.0f, ds, nk, q + t0 * ldq, ldq, 1.0f, dk, ldk);             // dk += dsᵀ·q
            }
        }
    }
    free(p);
}

void tk_attention_train_bwd(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int64_t B, int64_t T, int64_t P,
                            int64_t H, int64_t Hkv, int64_t Dh, float scale, tk_pool *pool) {
    gattn_ctx c = { .dq = dq, .dk = dk, .dv = dv, .dout = dout, .q = q, .k = k, .v = v, .o = out, .lse_in = lse,
                    .B = B, .T = T, .P = P, .H = H, .Hkv = Hkv, .Dh = Dh, .scale = scale };
    tk_pool_run(pool, gattn_bwd_task, &c);
}
