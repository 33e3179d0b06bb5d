// matmul_float.c: F16 weights (and BF16 ones where AVX512-BF16 is missing, matmul_bf16.c) times
// many tokens (prefill) through BLAS. The weights are converted to f32 one row slice at a time
// (each pool thread its own slice, up to 4 MB, in its own scratch) and multiplied by the
// activations with one sgemm per slice (BLAS is single-threaded, blas.c). The activations are
// those tk_matmul's dot kernels use (rounded to the weight's type, as ggml does), so only the
// summation order differs from the per-row kernels. 2816 x 1024 x 512 tokens, 1 thread, wall
// time: the dot kernels (a cvtph2ps per 16 weights per 4-token tile) 63-75 GFLOP/s, this 88-97
// (scripts/bench_float.c, docs/PERFORMANCE.md).
// Limits: scratch is a grow-only per-thread buffer (kept until thread exit).
#include "tk_internal.h"
#include <stdatomic.h>
#include <stdlib.h>

// Converted f32 weights per slice: each slice's sgemm packs all the activations again, so fewer,
// larger slices pay that less often (2816 x 1024 x 512 tokens at 2 threads: 1 MB slices 170-173
// GFLOP/s, 4 MB 182-193; 1 thread equal; scripts/bench_float.c)
#ifndef SLICE_BYTES
#define SLICE_BYTES (4 * 1024 * 1024)
#endif  // converted f32 weights per slice

static _Thread_local tk_scratch fs_scratch;

typedef struct {
    const uint8_t *W;
    int type;
    int64_t rows, cols, ntok, slice_rows, nslices;
    const float *X;  // (ntok, cols), rounded to the weight type
    float *Y;        // (ntok, rows)
    _Atomic int64_t next;
} fs_ctx;

static void fs_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    fs_ctx *c = vctx;
    const size_t need = (size_t)(c->slice_rows * c->cols);
    float *Wf = tk_scratch_get(&fs_scratch, sizeof(float) * need);
    if (!Wf) return;  // the other threads take the slices; if none can, the caller sees them untaken
    for (;;) {
        const int64_t s = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
        if (s >= c->nslices) return;
        const int64_t r0 = s * c->slice_rows, nr = c->rows - r0 < c->slice_rows ? c->rows - r0 : c->slice_rows;
        const uint16_t *src = (const uint16_t *)(c->W + (size_t)r0 * (size_t)c->cols * 2);
        if (c->type == TK_F16) tk_f16_to_f32_row(src, Wf, nr * c->cols);
        else tk_bf16_to_f32_row(src, Wf, nr * c->cols);
        tk_sgemm(0, 1, c->ntok, nr, c->cols, 1.0f, c->X, c->cols, Wf, c->cols, 0.0f, c->Y + r0, c->rows);
    }
}

int tk_matmul_float_sgemm(const void *W, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                          float *Y, tk_pool *pool) {
    if (type != TK_F16 && type != TK_BF16) return -1;
    fs_ctx c;
    memset(&c, 0, sizeof c);
    c.W = W; c.type = type; c.rows = rows; c.cols = cols; c.ntok = ntok; c.X = X; c.Y = Y;
    int64_t sr = SLICE_BYTES / (4 * cols) / 16 * 16;
    if (sr < 16) sr = 16;
    const int nth = tk_pool_size(pool);
    const int64_t balance = (rows + 2 * nth - 1) / (2 * nth) + 15;  // at least 2 slices per thread
    if (nth > 1 && sr > balance / 16 * 16 && balance >= 32) sr = balance / 16 * 16;
    c.slice_rows = sr;
    c.nslices = (rows + sr - 1) / sr;
    atomic_init(&c.next, 0);
    tk_pool_run(nth > 1 ? pool : NULL, fs_task, &c);
    return atomic_load(&c.next) < c.nslices ? -1 : 0;  // out of memory in every thread
}
