// matmul.c: tk_matmul, Y(ntok, rows) = X(ntok, cols) · W(rows, cols)^T with W in its ggml type.
// X is first quantized once per token into a tk_act buffer (the activation type llama.cpp pairs
// with the weight type), then work items of (token chunk, row chunk) are handed to the pool
// threads through an atomic counter. Inside an item, tiles of TK_NT tokens are dotted against
// each row of the chunk, so a chunk's weights (~32 KB) are read from memory once per token chunk
// and from L1/L2 for the other tiles. Wide rows are also split into column ranges so a tile's
// activations (~24 KB) stay in L1 while the rows of the chunk stream past them; the partial
// sums are added into Y. F32 weights with many tokens go to BLAS (tk_sgemm), F16/BF16 ones to
// BLAS on converted row slices (matmul_float.c).
// Limits: scratch is a grow-only per-calling-thread buffer (kept until thread exit).
#include "tk_internal.h"
#include <stdatomic.h>
#include <stdlib.h>

#define ROW_CHUNK_BYTES (32 * 1024)  // weights per work item (prefill: reused by every tile of a token chunk)
#ifndef DECODE_CHUNK_BYTES
// Weights per work item when one tile covers all tokens (decode): each is read once, so longer
// contiguous runs per thread let the hardware prefetcher stream. F16 1024x1024, 2 threads: 32 KB
// items 27-28 GB/s, 128 KB 30-36, 512 KB 34-38 (scripts/bench_float.c, NMAT=100).
#define DECODE_CHUNK_BYTES (512 * 1024)
#endif
#define TOK_CHUNK 64                 // tokens per work item
#define SGEMM_MIN_TOKENS 16          // float weights: BLAS from this many tokens on
#define TILE_ACT_BYTES (24 * 1024)   // activations of one TK_NT-token tile per column range

static _Thread_local tk_scratch scratch;


typedef struct {
    const uint8_t *W;
    size_t row_bytes;
    int64_t rows, ntok;
    const tk_act *a;
    float *Y;
    tk_dot_fn kern;
    int64_t be, bbytes, nblocks, kblocks;  // block geometry; blocks per column range
    int64_t rows_per_chunk, n_row_chunks, n_items;
    tk_runs runs;
    int64_t ahead;  // decoding: software prefetch distance in bytes (0: none)
} mm_ctx;

static void mm_task(void *vctx, int ith, int nth) {
    (void)nth;
    mm_ctx *c = vctx;
    float out[TK_NT];
    int k = 0;
    for (int64_t item; (item = tk_runs_next(&c->runs, ith, &k)) >= 0;) {
        const int64_t tc = item / c->n_row_chunks, rc = item % c->n_row_chunks;
        const int64_t r0 = rc * c->rows_per_chunk;
        const int64_t r1 = r0 + c->rows_per_chunk < c->rows ? r0 + c->rows_per_chunk : c->rows;
        const int64_t t0 = tc * TOK_CHUNK, t1 = t0 + TOK_CHUNK < c->ntok ? t0 + TOK_CHUNK : c->ntok;
        for (int64_t t = t0; t < t1; t += TK_NT) {
            const int nt = (int)(t1 - t < TK_NT ? t1 - t : TK_NT);
            for (int64_t kb = 0; kb < c->nblocks; kb += c->kblocks) {
                const int64_t nk = c->nblocks - kb < c->kblocks ? c->nblocks - kb : c->kblocks;
                tk_act v;
                tk_act_view(c->a, kb, nk, c->be, &v);
                const uint8_t *wk = c->W + kb * c->bbytes;
                for (int64_t r = r0; r < r1; r++) {
                    if (c->ahead) {  // decoding: the row c->ahead bytes on (see tk_decode_ahead)
                        const uint8_t *p = wk + (size_t)r * c->row_bytes + c->ahead;
                        for (size_t l = 0; l < c->row_bytes; l += 64) __builtin_prefetch(p + l, 0, 3);
                    }
                    c->kern(wk + (size_t)r * c->row_bytes, &v, t, nt, out);
                    float *y = c->Y + t * c->rows + r;
                    if (kb == 0) for (int i = 0; i < nt; i++) y[i * c->rows] = out[i];
                    else for (int i = 0; i < nt; i++) y[i * c->rows] += out[i];
                }
            }
        }
    }
}

int tk_matmul(const void *W, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
              float *Y, tk_pool *pool) {
    const int atype = tk_vec_dot_type(type);
    const int64_t be = tk_type_block_elems(type);
    if (atype < 0 || be == 0 || cols % be != 0 || rows < 0 || ntok < 0) return -1;
    if (rows == 0 || ntok == 0) return 0;
    if (type == TK_F32 && ntok >= SGEMM_MIN_TOKENS) {
        tk_sgemm_pool(0, 1, ntok, rows, cols, 1.0f, X, cols, W, cols, 0.0f, Y, rows, pool);
        return 0;
    }
    const int akind = (atype == TK_F16 || atype == TK_BF16) ? TK_F32 : atype;
    tk_dot_fn kern = tk_dot_kernel(type, tk_cpu_features_active());
    if (!kern) return -1;

    tk_act a;
    if (type == TK_F32) {  // no conversion needed: dot straight against X
        tk_act_init(&a, TK_F32, cols, ntok, (void *)X);
    } else {
        void *mem = tk_scratch_get(&scratch, tk_act_bytes(akind, cols, ntok));
        if (!mem) return -1;
        tk_act_init(&a, akind, cols, ntok, mem);
        tk_act_quantize_pool(&a, type, X, ntok, pool, 65536);
    }
    if (type == TK_BF16 && ntok >= SGEMM_MIN_TOKENS && tk_matmul_bf16(W, rows, cols, a.xf, ntok, Y, pool) == 0) return 0;
    if ((type == TK_F16 || type == TK_BF16) && ntok >= SGEMM_MIN_TOKENS &&
        tk_matmul_float_sgemm(W, type, rows, cols, a.xf, ntok, Y, pool) == 0)
        return 0;

    mm_ctx c = {0};
    c.W = W;
    c.row_bytes = (size_t)(cols / be * tk_type_block_bytes(type));
    c.rows = rows;
    c.ntok = ntok;
    c.a = &a;
    c.Y = Y;
    c.kern = kern;
    c.be = be;
    c.bbytes = tk_type_block_bytes(type);
    c.nblocks = cols / be;
    // Column ranges only pay off when a tile's activations overflow L1 (prefill of wide rows).
    const double act_per_elem = (double)tk_act_bytes(akind, cols, 1) / (double)cols;
    int64_t kelems = (int64_t)(TILE_ACT_BYTES / (TK_NT * act_per_elem)) / 256 * 256;  // whole blocks
    if (kelems < 256) kelems = 256;
    c.kblocks = ntok > 1 && kelems < cols ? kelems / be : c.nblocks;
    if (c.kblocks < 1) c.kblocks = 1;
    const int nth = tk_pool_size(pool);
    int64_t rpc = (int64_t)((ntok <= TK_NT ? DECODE_CHUNK_BYTES : ROW_CHUNK_BYTES) / (c.row_bytes ? c.row_bytes : 1));
    const int64_t ntc = (ntok + TOK_CHUNK - 1) / TOK_CHUNK;
    // Enough chunks to balance threads: at least 4 per thread per token chunk when rows allow.
    const int64_t balance = (rows + 4 * nth - 1) / (4 * nth);
    if (nth > 1 && rpc > balance) rpc = balance;
    if (rpc < 1) rpc = 1;
    c.rows_per_chunk = rpc;
    // Decoding streams each row once: prefetched ahead in software, as the packed products
    // (F16 bench model, 1 thread: 49-51 -> 61-68 tok/s; BF16 49-51 -> 58-64; session 12's host).
    c.ahead = ntok <= TK_NT && c.kblocks == c.nblocks ? tk_decode_ahead() : 0;  // whole rows only
    c.n_row_chunks = (rows + rpc - 1) / rpc;
    c.n_items = c.n_row_chunks * ntc;
    tk_runs_init(&c.runs, c.n_items, ntc == 1 ? nth : 1);  // one run per thread when decoding
    tk_pool_run(nth > 1 ? pool : NULL, mm_task, &c);
    return 0;
}
