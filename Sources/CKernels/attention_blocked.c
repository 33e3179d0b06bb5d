// attention_blocked.c: causal grouped-query attention of a chunk of query tokens over a KV cache
// (prefill), as BLAS blocks. One job is one KV head and a tile of ABLK_T query tokens: the rows
// of the tile's queries for every query head of that KV head (token-major) are one (rows, Dh)
// matrix; the keys/values they may see are converted to f32 once per job; scores = Q·Kᵀ and
// out = P·V are two single-threaded sgemm calls; softmax per row as the per-row path does
// (tk_softmax). With an f16 cache q and the probabilities are rounded to f16 first, as in the
// per-row path and in llama.cpp's f16 products (f16·f16 products are exact in f32, so only the
// summation order differs from ggml's). Jobs are taken heaviest first from an atomic counter.
// Scratch: per pool thread, a grown-once buffer of 2·nk·Dh + rows·(nk + 2·Dh) floats.
#include "tk_internal.h"
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define ABLK_T 16  // query tokens per job

typedef struct {
    float *out; const float *q; const void *k, *v;
    int64_t ntok, n_head, n_head_kv, head_dim, pos0, kv_stride, kv_f16, n_tiles;
    float scale;
    _Atomic int64_t next;
    _Atomic int failed;
} ablk_ctx;

static _Thread_local struct { float *p; size_t n; } ablk_scratch;

/// Rows [0, n) of one KV head (row stride `stride` elements) as f32 (n, hd).
static void load_rows(float *dst, const void *src, int64_t n, int64_t hd, int64_t stride, int f16) {
    for (int64_t j = 0; j < n; j++) {
        if (f16) tk_f16_to_f32_row((const uint16_t *)src + j * stride, dst + j * hd, hd);
        else memcpy(dst + j * hd, (const float *)src + j * stride, sizeof(float) * (size_t)hd);
    }
}

static void ablk_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    ablk_ctx *c = vctx;
    const int64_t hd = c->head_dim, group = c->n_head / c->n_head_kv, qld = c->n_head * hd;
    const int64_t maxrows = ABLK_T * group, maxkeys = c->pos0 + c->ntok;
    const size_t need = (size_t)(2 * maxkeys * hd + maxrows * (maxkeys + 2 * hd));
    if (need > ablk_scratch.n) {
        free(ablk_scratch.p);
        ablk_scratch.p = malloc(sizeof(float) * need);
        ablk_scratch.n = ablk_scratch.p ? need : 0;
        if (!ablk_scratch.p) { atomic_store(&c->failed, 1); return; }
    }
    float *K = ablk_scratch.p, *V = K + maxkeys * hd, *Q = V + maxkeys * hd, *O = Q + maxrows * hd, *S = O + maxrows * hd;
    const size_t esz = c->kv_f16 ? 2 : 4;
    for (;;) {
        const int64_t job = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
        if (job >= c->n_tiles * c->n_head_kv) return;
        const int64_t tile = c->n_tiles - 1 - job / c->n_head_kv, hk = job % c->n_head_kv;
        const int64_t t0 = tile * ABLK_T, nt = c->ntok - t0 < ABLK_T ? c->ntok - t0 : ABLK_T;
        const int64_t rows = nt * group, nk = c->pos0 + t0 + nt;
        load_rows(K, (const char *)c->k + (size_t)(hk * hd) * esz, nk, hd, c->kv_stride, (int)c->kv_f16);
        load_rows(V, (const char *)c->v + (size_t)(hk * hd) * esz, nk, hd, c->kv_stride, (int)c->kv_f16);
        for (int64_t i = 0; i < nt; i++)
            for (int64_t g = 0; g < group; g++) {
                float *qr = Q + (i * group + g) * hd;
                memcpy(qr, c->q + (t0 + i) * qld + (hk * group + g) * hd, sizeof(float) * (size_t)hd);
                if (c->kv_f16) tk_round_f16_row(qr, hd);
            }
        tk_sgemm(0, 1, rows, nk, hd, c->scale, Q, hd, K, hd, 0.0f, S, nk);            // scores (rows, nk)
        for (int64_t r = 0; r < rows; r++) {
            float *s = S + r * nk;
            const int64_t n = c->pos0 + t0 + r / group + 1;                          // causal
            tk_softmax(s, n);
            if (c->kv_f16) tk_round_f16_row(s, n);
            if (nk > n) memset(s + n, 0, sizeof(float) * (size_t)(nk - n));
        }
        tk_sgemm(0, 0, rows, hd, nk, 1.0f, S, nk, V, hd, 0.0f, O, hd);               // out (rows, hd)
        for (int64_t i = 0; i < nt; i++)
            memcpy(c->out + (t0 + i) * qld + hk * group * hd, O + i * group * hd, sizeof(float) * (size_t)(group * hd));
    }
}

int tk_attention_blocked(float *out, const float *q, const void *k_cache, const void *v_cache, int kv_f16,
                         int64_t ntok, int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t pos0,
                         float scale, tk_pool *pool) {
    ablk_ctx c;
    memset(&c, 0, sizeof c);
    c.out = out; c.q = q; c.k = k_cache; c.v = v_cache;
    c.ntok = ntok; c.n_head = n_head; c.n_head_kv = n_head_kv; c.head_dim = head_dim; c.pos0 = pos0;
    c.kv_stride = n_head_kv * head_dim; c.kv_f16 = kv_f16; c.scale = scale;
    c.n_tiles = (ntok + ABLK_T - 1) / ABLK_T;
    atomic_init(&c.next, 0);
    atomic_init(&c.failed, 0);
    const int saved = tk_blas_single_begin();
    tk_pool_run(pool, ablk_task, &c);
    tk_blas_single_end(saved);
    return atomic_load(&c.failed) ? -1 : 0;
}
