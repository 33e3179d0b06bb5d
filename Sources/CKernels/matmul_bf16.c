// matmul_bf16.c: BF16 weights times many tokens (prefill) with AVX512-BF16 `vdpbf16ps`, which
// multiplies 32 bf16 pairs per instruction (twice an f32 FMA's 16): the activations, already
// rounded to bf16 as ggml does for BF16 weights, are stored as bf16 (exact), and each product
// of two bf16 values is exact in f32, so only the f32 summation order (and vdpbf16ps's flushing
// of subnormal inputs and results to zero) differs from the f32-FMA kernels. Tiles of 4 rows x 4
// tokens keep 16 accumulators of 16 lanes over the whole row; hsum16x16 reduces them at once.
// Work items are (64 tokens, 64 rows): the item's weights (~128 KB for 1024-wide rows) stay in
// L2 while its token tiles pass over them.
// Limits: x86-64 with AVX512-BF16 only (tk_matmul_bf16_supported); scratch is grow-only per
// calling thread.
#include "tk_internal.h"
#include "hsum512.h"
#include <stdatomic.h>
#include <stdlib.h>

#define BT 4      // tokens per tile
#define BR 4      // rows per tile
#define TOKC 64   // tokens per work item
#define ROWC 64   // rows per work item (a multiple of BR)

int tk_matmul_bf16_supported(void) {
    const int f = tk_cpu_features_active();
    return (f & TK_CPU_AVX512) && (f & TK_CPU_BF16);
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

typedef struct {
    const uint16_t *W;
    int64_t rows, cols, kpad, ntok, n_rc, n_items;
    const uint16_t *Xb;  // (ntok, kpad) bf16, zero past cols
    float *Y;            // (ntok, rows)
    _Atomic int64_t next;
} bf_ctx;

/// Rows r0..r0+nr-1 x tokens t0..t0+nt-1 (nr, nt <= 4; missing ones repeat the first and are
/// not stored).
TGT static void bf_tile(const bf_ctx *c, int64_t t0, int nt, int64_t r0, int nr) {
    const uint16_t *w[BR], *x[BT];
    for (int i = 0; i < BR; i++) w[i] = c->W + (r0 + (i < nr ? i : 0)) * c->cols;
    for (int j = 0; j < BT; j++) x[j] = c->Xb + (t0 + (j < nt ? j : 0)) * c->kpad;
    __m512 acc[BR * BT];
    for (int i = 0; i < BR * BT; i++) acc[i] = _mm512_setzero_ps();
    const int64_t cols = c->cols;
    int64_t k = 0;
    for (; k + 32 <= cols; k += 32) {
        __m512i wv[BR], xv[BT];
        for (int i = 0; i < BR; i++) wv[i] = _mm512_loadu_si512(w[i] + k);
        for (int j = 0; j < BT; j++) xv[j] = _mm512_loadu_si512(x[j] + k);
        for (int i = 0; i < BR; i++)
            for (int j = 0; j < BT; j++) acc[i * BT + j] = _mm512_dpbf16_ps(acc[i * BT + j], (__m512bh)wv[i], (__m512bh)xv[j]);
    }
    if (k < cols) {  // the last partial 32: weights masked, activations zero-padded
        const __mmask32 m = (__mmask32)((1ull << (cols - k)) - 1);
        __m512i wv[BR], xv[BT];
        for (int i = 0; i < BR; i++) wv[i] = _mm512_maskz_loadu_epi16(m, w[i] + k);
        for (int j = 0; j < BT; j++) xv[j] = _mm512_loadu_si512(x[j] + k);
        for (int i = 0; i < BR; i++)
            for (int j = 0; j < BT; j++) acc[i * BT + j] = _mm512_dpbf16_ps(acc[i * BT + j], (__m512bh)wv[i], (__m512bh)xv[j]);
    }
    float s[16];
    _mm512_storeu_ps(s, hsum16x16(acc));
    for (int i = 0; i < nr; i++)
        for (int j = 0; j < nt; j++) c->Y[(t0 + j) * c->rows + r0 + i] = s[i * BT + j];
}

static void bf_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    bf_ctx *c = vctx;
    for (;;) {
        const int64_t item = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
        if (item >= c->n_items) return;
        const int64_t tc = item / c->n_rc, rc = item % c->n_rc;
        const int64_t t1 = (tc + 1) * TOKC < c->ntok ? (tc + 1) * TOKC : c->ntok;
        const int64_t r1 = (rc + 1) * ROWC < c->rows ? (rc + 1) * ROWC : c->rows;
        for (int64_t t = tc * TOKC; t < t1; t += BT)
            for (int64_t r = rc * ROWC; r < r1; r += BR)
                bf_tile(c, t, (int)(t1 - t < BT ? t1 - t : BT), r, (int)(r1 - r < BR ? r1 - r : BR));
    }
}

static _Thread_local tk_scratch bf_scratch;

int tk_matmul_bf16(const void *W, int64_t rows, int64_t cols, const float *X, int64_t ntok, float *Y, tk_pool *pool) {
    if (!tk_matmul_bf16_supported() || rows <= 0 || cols <= 0 || ntok <= 0) return -1;
    const int64_t kpad = (cols + 31) / 32 * 32;
    const size_t need = (size_t)(ntok * kpad);
    uint16_t *Xb = tk_scratch_get(&bf_scratch, 2 * need);
    if (!Xb) return -1;
    for (int64_t t = 0; t < ntok; t++) {  // X is bf16-rounded: its top 16 bits are the bf16 value
        const uint32_t *src = (const uint32_t *)(X + t * cols);
        uint16_t *dst = Xb + t * kpad;
        for (int64_t k = 0; k < cols; k++) dst[k] = (uint16_t)(src[k] >> 16);
        for (int64_t k = cols; k < kpad; k++) dst[k] = 0;
    }
    bf_ctx c;
    memset(&c, 0, sizeof c);
    c.W = W; c.rows = rows; c.cols = cols; c.kpad = kpad; c.ntok = ntok; c.Xb = Xb; c.Y = Y;
    c.n_rc = (rows + ROWC - 1) / ROWC;
    c.n_items = c.n_rc * ((ntok + TOKC - 1) / TOKC);
    atomic_init(&c.next, 0);
    tk_pool_run(tk_pool_size(pool) > 1 ? pool : NULL, bf_task, &c);
    return 0;
}
#else
int tk_matmul_bf16(const void *W, int64_t rows, int64_t cols, const float *X, int64_t ntok, float *Y, tk_pool *pool) {
    (void)W; (void)rows; (void)cols; (void)X; (void)ntok; (void)Y; (void)pool;
    return -1;
}
#endif
