// grad_elementwise.c: the training graph's elementwise ops and optimizer updates split over the
// pool. Each op is elementwise, so any split gives the same result as one thread; the split is
// into units of UNIT elements (contiguous runs of units per thread). The one reduction, the sum
// of squares for global-norm clipping, adds fixed chunks of CHUNK elements (each in double, in
// order) and then the chunk sums in order: the result does not depend on the thread count.
#include "tk_internal.h"
#include <stdlib.h>
#include <string.h>

#define UNIT 4096           // elements per unit of work
#define SERIAL_BELOW 32768  // smaller ops run inline (a pool wake-up costs more)
#define CHUNK 65536         // elements per partial sum of tk_sum_squares_pool

enum { OP_ADD, OP_ADD3, OP_SCALE, OP_AXPY, OP_MUL, OP_MUL_ACC, OP_SILU_FWD, OP_SILU_BWD, OP_SWIGLU_FWD, OP_SWIGLU_BWD,
       OP_ADAMW, OP_SUMSQ };

typedef struct {
    int op, mode;
    float *y, *z; float *m, *v;
    const float *a, *b, *c;
    int64_t n;
    float alpha, decay_mul, beta1_w, beta2, one_minus_beta2, step_size, bc2_sqrt, eps;
    double *partial;
} ew_ctx;

static void run_range(const ew_ctx *c, int64_t lo, int64_t hi) {
    const int64_t k = hi - lo;
    switch (c->op) {
    case OP_ADD: tk_add(c->y + lo, c->a + lo, k); break;
    case OP_ADD3:
        for (int64_t i = lo; i < hi; i++) c->y[i] = c->a[i] + c->b[i];
        break;
    case OP_SCALE: tk_scale(c->y + lo, c->alpha, k); break;
    case OP_AXPY: tk_axpy(c->y + lo, c->alpha, c->a + lo, k); break;
    case OP_MUL: tk_mul(c->y + lo, c->a + lo, c->b + lo, k); break;
    case OP_MUL_ACC: tk_mul_acc(c->y + lo, c->a + lo, c->b + lo, k); break;
    case OP_SILU_FWD: tk_silu_fwd(c->y + lo, c->a + lo, k); break;
    case OP_SILU_BWD: tk_silu_bwd(c->y + lo, c->a + lo, c->b + lo, k); break;
    case OP_SWIGLU_FWD: tk_swiglu_fwd(c->y + lo, c->a + lo, c->b + lo, k); break;
    case OP_SWIGLU_BWD:
        if (c->mode & 1) memset(c->y + lo, 0, sizeof(float) * (size_t)k);  // overwrite dgate: add into zeros
        if (c->mode & 2) memset(c->z + lo, 0, sizeof(float) * (size_t)k);  // overwrite dup
        tk_swiglu_bwd(c->y ? c->y + lo : NULL, c->z ? c->z + lo : NULL, c->c + lo, c->a + lo, c->b + lo, k);
        break;
    case OP_ADAMW:
        tk_adamw_step(c->y + lo, c->a + lo, c->m + lo, c->v + lo, k, c->decay_mul, c->beta1_w, c->beta2,
                      c->one_minus_beta2, c->step_size, c->bc2_sqrt, c->eps);
        break;
    case OP_SUMSQ:
        for (int64_t ch = lo / CHUNK; ch * CHUNK < hi; ch++) {
            const int64_t e = (ch + 1) * CHUNK < c->n ? (ch + 1) * CHUNK : c->n;
            c->partial[ch] = tk_sum_squares(c->a + ch * CHUNK, e - ch * CHUNK);
        }
        break;
    }
}

static void ew_task(void *vc, int ith, int nth) {
    const ew_ctx *c = vc;
    const int64_t unit = c->op == OP_SUMSQ ? CHUNK : UNIT;
    const int64_t units = (c->n + unit - 1) / unit;
    const int64_t u0 = units * ith / nth, u1 = units * (ith + 1) / nth;
    if (u1 <= u0) return;
    const int64_t lo = u0 * unit, hi = u1 * unit < c->n ? u1 * unit : c->n;
    run_range(c, lo, hi);
}

static void ew_run(ew_ctx *c, tk_pool *pool) {
    if (c->n <= 0) return;
    if (!pool || tk_pool_size(pool) <= 1 || c->n < SERIAL_BELOW) ew_task(c, 0, 1);
    else tk_pool_run(pool, ew_task, c);
}

void tk_add_pool(float *y, const float *x, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_ADD, .y = y, .a = x, .n = n };
    ew_run(&c, pool);
}

void tk_add3_pool(float *y, const float *a, const float *b, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_ADD3, .y = y, .a = a, .b = b, .n = n };
    ew_run(&c, pool);
}

void tk_scale_pool(float *x, float alpha, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_SCALE, .y = x, .alpha = alpha, .n = n };
    ew_run(&c, pool);
}

void tk_axpy_pool(float *y, float alpha, const float *x, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_AXPY, .y = y, .alpha = alpha, .a = x, .n = n };
    ew_run(&c, pool);
}

void tk_mul_pool(float *y, const float *a, const float *b, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_MUL, .y = y, .a = a, .b = b, .n = n };
    ew_run(&c, pool);
}

void tk_mul_acc_pool(float *y, const float *a, const float *b, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_MUL_ACC, .y = y, .a = a, .b = b, .n = n };
    ew_run(&c, pool);
}

void tk_silu_fwd_pool(float *y, const float *x, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_SILU_FWD, .y = y, .a = x, .n = n };
    ew_run(&c, pool);
}

void tk_silu_bwd_pool(float *dx, const float *dy, const float *x, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_SILU_BWD, .y = dx, .a = dy, .b = x, .n = n };
    ew_run(&c, pool);
}

void tk_swiglu_fwd_pool(float *out, const float *gate, const float *up, int64_t n, tk_pool *pool) {
    ew_ctx c = { .op = OP_SWIGLU_FWD, .y = out, .a = gate, .b = up, .n = n };
    ew_run(&c, pool);
}

void tk_swiglu_bwd_pool(float *dgate, float *dup, const float *dy, const float *gate, const float *up, int64_t n,
                        int overwrite, tk_pool *pool) {
    if (!dgate && !dup) return;
    ew_ctx c = { .op = OP_SWIGLU_BWD, .mode = overwrite & ((dgate ? 1 : 0) | (dup ? 2 : 0)), .y = dgate, .z = dup,
                 .c = dy, .a = gate, .b = up, .n = n };
    ew_run(&c, pool);
}

void tk_adamw_step_pool(float *p, const float *g, float *m, float *v, int64_t n, float decay_mul, float beta1_w,
                        float beta2, float one_minus_beta2, float step_size, float bc2_sqrt, float eps, tk_pool *pool) {
    ew_ctx c = { .op = OP_ADAMW, .y = p, .a = g, .m = m, .v = v, .n = n, .decay_mul = decay_mul, .beta1_w = beta1_w,
                 .beta2 = beta2, .one_minus_beta2 = one_minus_beta2, .step_size = step_size, .bc2_sqrt = bc2_sqrt,
                 .eps = eps };
    ew_run(&c, pool);
}

double tk_sum_squares_pool(const float *x, int64_t n, tk_pool *pool) {
    if (n <= 0) return 0.0;
    const int64_t chunks = (n + CHUNK - 1) / CHUNK;
    double one, *partial = chunks == 1 ? &one : malloc(sizeof(double) * (size_t)chunks);
    if (!partial) abort();
    ew_ctx c = { .op = OP_SUMSQ, .a = x, .n = n, .partial = partial };
    if (!pool || tk_pool_size(pool) <= 1 || chunks < 2) ew_task(&c, 0, 1);
    else tk_pool_run(pool, ew_task, &c);
    double s = 0.0;
    for (int64_t i = 0; i < chunks; i++) s += partial[i];
    if (partial != &one) free(partial);
    return s;
}
