// grad_ops.c: training kernels, each a forward + backward pair: RMSNorm, SiLU, SwiGLU, softmax
// cross-entropy with an ignore index, and the input-gradient of a product with a frozen
// (quantized) weight. f32 data; reductions that set a loss or a norm statistic use double.
// Backward kernels ADD into their gradient buffers (gradients accumulate). Work is split over
// the pool by rows with a fixed partition, so results do not depend on thread timing.
#include "tk_internal.h"
#include <math.h>
#include <stdlib.h>

static inline int64_t part_lo(int64_t n, int ith, int nth) { return n * ith / nth; }

// ---- RMSNorm ----
typedef struct {
    float *y, *rstd_out, *dx, *dw_part; const float *x, *w, *dy, *rstd;
    int64_t ntok, n; float eps;
} rms_ctx;

static void rms_fwd_task(void *vc, int ith, int nth) {
    const rms_ctx *c = vc;
    for (int64_t t = part_lo(c->ntok, ith, nth); t < part_lo(c->ntok, ith + 1, nth); t++) {
        const float *x = c->x + t * c->n;
        double ss = 0.0;  // as tk_rmsnorm (and llama.cpp): sum of squares in double
        for (int64_t i = 0; i < c->n; i++) ss += (double)x[i] * (double)x[i];
        const float r = 1.0f / sqrtf((float)(ss / (double)c->n) + c->eps);
        c->rstd_out[t] = r;
        float *y = c->y + t * c->n;
        for (int64_t i = 0; i < c->n; i++) y[i] = x[i] * r * c->w[i];
    }
}

void tk_rmsnorm_fwd(float *y, float *rstd, const float *x, const float *w, int64_t ntok, int64_t n, float eps,
                    tk_pool *pool) {
    rms_ctx c = { .y = y, .rstd_out = rstd, .x = x, .w = w, .ntok = ntok, .n = n, .eps = eps };
    tk_pool_run(pool, rms_fwd_task, &c);
}

static void rms_bwd_task(void *vc, int ith, int nth) {
    const rms_ctx *c = vc;
    float *dw = c->dw_part ? c->dw_part + (int64_t)ith * c->n : NULL;
    for (int64_t t = part_lo(c->ntok, ith, nth); t < part_lo(c->ntok, ith + 1, nth); t++) {
        const float *x = c->x + t * c->n, *dy = c->dy + t * c->n;
        const float r = c->rstd[t];
        double dot = 0.0;  // sum_j dy_j w_j x_j
        for (int64_t i = 0; i < c->n; i++) dot += (double)dy[i] * (double)c->w[i] * (double)x[i];
        const float k = (float)(dot * (double)r * (double)r * (double)r / (double)c->n);
        if (c->dx) {
            float *dx = c->dx + t * c->n;
            for (int64_t i = 0; i < c->n; i++) dx[i] += r * c->w[i] * dy[i] - x[i] * k;
        }
        if (dw) for (int64_t i = 0; i < c->n; i++) dw[i] += dy[i] * x[i] * r;
    }
}

void tk_rmsnorm_bwd(float *dx, float *dw, const float *dy, const float *x, const float *w, const float *rstd,
                    int64_t ntok, int64_t n, tk_pool *pool) {
    const int nth = pool ? tk_pool_size(pool) : 1;
    float *part = dw ? calloc((size_t)nth * (size_t)n, sizeof(float)) : NULL;
    rms_ctx c = { .dx = dx, .dw_part = part, .x = x, .w = w, .dy = dy, .rstd = rstd, .ntok = ntok, .n = n };
    tk_pool_run(pool, rms_bwd_task, &c);
    if (part) {
        for (int k = 0; k < nth; k++)
            for (int64_t i = 0; i < n; i++) dw[i] += part[(int64_t)k * n + i];
        free(part);
    }
}

// ---- SiLU and SwiGLU ----
static inline float sigmoidf(float g) { return 1.0f / (1.0f + expf(-g)); }

void tk_silu_fwd(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * sigmoidf(x[i]);
}

void tk_silu_bwd(float *dx, const float *dy, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float s = sigmoidf(x[i]);
        dx[i] += dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

void tk_swiglu_bwd(float *dgate, float *dup, const float *dy, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i], s = sigmoidf(g);
        if (dgate) dgate[i] += dy[i] * up[i] * s * (1.0f + g * (1.0f - s));
        if (dup) dup[i] += dy[i] * g * s;
    }
}

// ---- softmax cross-entropy ----
typedef struct {
    const float *logits, *lse_in; const int32_t *targets; float *lse, *row_loss, *dlogits;
    int64_t nrows, V; int32_t ignore; float scale;
} ce_ctx;

static void ce_fwd_task(void *vc, int ith, int nth) {
    const ce_ctx *c = vc;
    for (int64_t r = part_lo(c->nrows, ith, nth); r < part_lo(c->nrows, ith + 1, nth); r++) {
        const float *z = c->logits + r * c->V;
        float mx = -INFINITY;
        for (int64_t i = 0; i < c->V; i++) mx = z[i] > mx ? z[i] : mx;
        double sum = 0.0;
        for (int64_t i = 0; i < c->V; i++) sum += (double)expf(z[i] - mx);
        const float lse = mx + (float)log(sum);
        c->lse[r] = lse;
        const int32_t t = c->targets[r];
        c->row_loss[r] = t == c->ignore ? 0.0f : lse - z[t];
    }
}

double tk_cross_entropy_fwd(const float *logits, const int32_t *targets, int32_t ignore_index, int64_t nrows,
                            int64_t V, float *lse, float *row_loss, int64_t *nvalid, tk_pool *pool) {
    ce_ctx c = { .logits = logits, .targets = targets, .lse = lse, .row_loss = row_loss,
                 .nrows = nrows, .V = V, .ignore = ignore_index };
    tk_pool_run(pool, ce_fwd_task, &c);
    double total = 0.0;
    int64_t count = 0;
    for (int64_t r = 0; r < nrows; r++)
        if (targets[r] != ignore_index) { total += (double)row_loss[r]; count++; }
    *nvalid = count;
    return total;
}

static void ce_bwd_task(void *vc, int ith, int nth) {
    const ce_ctx *c = vc;
    for (int64_t r = part_lo(c->nrows, ith, nth); r < part_lo(c->nrows, ith + 1, nth); r++) {
        const int32_t t = c->targets[r];
        if (t == c->ignore) continue;
        const float *z = c->logits + r * c->V;
        float *dz = c->dlogits + r * c->V;
        const float lse = c->lse_in[r];
        for (int64_t i = 0; i < c->V; i++) dz[i] += c->scale * expf(z[i] - lse);
        dz[t] -= c->scale;
    }
}

void tk_cross_entropy_bwd(float *dlogits, const float *logits, const int32_t *targets, int32_t ignore_index,
                          const float *lse, int64_t nrows, int64_t V, float scale, tk_pool *pool) {
    ce_ctx c = { .logits = logits, .targets = targets, .lse_in = lse, .dlogits = dlogits,
                 .nrows = nrows, .V = V, .ignore = ignore_index, .scale = scale };
    tk_pool_run(pool, ce_bwd_task, &c);
}

// ---- dX = dY · W for a frozen weight in any supported type ----
typedef struct {
    const unsigned char *W; int type; int64_t rows, cols, ntok, be, nblocks; size_t row_bytes, block_bytes;
    const float *dY; float *dX;
} mmt_ctx;

static void mmt_task(void *vc, int ith, int nth) {
    const mmt_ctx *c = vc;
    const int64_t b0 = part_lo(c->nblocks, ith, nth), b1 = part_lo(c->nblocks, ith + 1, nth);
    if (b1 <= b0) return;
    const int64_t c0 = b0 * c->be, seg = (b1 - b0) * c->be;
    float *buf = malloc(sizeof(float) * (size_t)seg);
    if (!buf) return;
    for (int64_t r = 0; r < c->rows; r++) {
        tk_dequantize_row(c->type, c->W + (size_t)r * c->row_bytes + (size_t)b0 * c->block_bytes, buf, seg);
        for (int64_t t = 0; t < c->ntok; t++) {
            const float g = c->dY[t * c->rows + r];
            if (g == 0.0f) continue;
            float *dx = c->dX + t * c->cols + c0;
            for (int64_t i = 0; i < seg; i++) dx[i] += g * buf[i];
        }
    }
    free(buf);
}

int tk_matmul_exact_backward_x(const void *W, int type, int64_t rows, int64_t cols, const float *dY, int64_t ntok,
                               float *dX, tk_pool *pool) {
    const int64_t be = tk_type_block_elems(type);
    if (!tk_type_supported(type) || be == 0 || cols % be != 0) return -1;
    if (type == TK_F32) {
        tk_sgemm(0, 0, ntok, cols, rows, 1.0f, dY, rows, (const float *)W, cols, 1.0f, dX, cols);
        return 0;
    }
    mmt_ctx c = { W, type, rows, cols, ntok, be, cols / be, (size_t)(cols / be * tk_type_block_bytes(type)),
                  (size_t)tk_type_block_bytes(type), dY, dX };
    tk_pool_run(pool, mmt_task, &c);
    return 0;
}

// ---- small elementwise helpers for the autograd ----
void tk_mul(float *y, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = a[i] * b[i];
}

void tk_mul_acc(float *y, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += a[i] * b[i];
}

void tk_axpy(float *y, float alpha, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

void tk_scale(float *x, float alpha, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] *= alpha;
}

void tk_transpose(float *dst, const float *src, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

double tk_sum_squares(const float *x, int64_t n) {
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}
