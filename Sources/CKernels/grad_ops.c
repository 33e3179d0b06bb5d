// grad_ops.c: training kernels, each a forward + backward pair: RMSNorm, SiLU, SwiGLU, softmax
// cross-entropy with an ignore index, and the input-gradient of a product with a frozen
// (quantized) weight. f32 data; reductions that set a loss or a norm statistic use double.
// Backward kernels ADD into their gradient buffers (gradients accumulate). Work is split over
// the pool by rows with a fixed partition, so results do not depend on thread timing.
#include "tk_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline int64_t part_lo(int64_t n, int ith, int nth) { return n * ith / nth; }

// Hot elementwise loops are compiled for AVX-512, AVX2 and baseline x86-64, picked at load time.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define TK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TK_CLONES
#endif

// exp(x) for x in float range, branch-free so loops over it vectorize (Cephes expf polynomial,
// ~2 ulp; inputs below -87.3 give ~1e-38 instead of 0/denormals, above 88.3 give 2^127·e^r).
static inline float fexp(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    const float t = x * 1.44269504088896341f + 12582912.0f;  // round(x·log2 e) in the low mantissa bits
    const float n = t - 12582912.0f;
    int32_t ti;
    memcpy(&ti, &t, 4);
    const int32_t e = (ti - 0x4B400000 + 127) << 23;           // 2^n as float bits
    const float r = x - n * 0.693359375f + n * 2.12194440e-4f;  // x - n·ln 2 (two-step)
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    float scale;
    memcpy(&scale, &e, 4);
    return p * scale;
}

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
static inline float sigmoidf(float g) { return 1.0f / (1.0f + fexp(-g)); }

TK_CLONES void tk_silu_fwd(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * sigmoidf(x[i]);
}

TK_CLONES void tk_swiglu_fwd(float *y, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = gate[i] * sigmoidf(gate[i]) * up[i];
}

TK_CLONES void tk_silu_bwd(float *dx, const float *dy, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float s = sigmoidf(x[i]);
        dx[i] += dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

TK_CLONES void tk_swiglu_bwd(float *dgate, float *dup, const float *dy, const float *gate, const float *up, int64_t n) {
    if (dgate && dup) {
        for (int64_t i = 0; i < n; i++) {
            const float g = gate[i], s = sigmoidf(g);
            dgate[i] += dy[i] * up[i] * s * (1.0f + g * (1.0f - s));
            dup[i] += dy[i] * g * s;
        }
    } else if (dgate) {
        for (int64_t i = 0; i < n; i++) {
            const float g = gate[i], s = sigmoidf(g);
            dgate[i] += dy[i] * up[i] * s * (1.0f + g * (1.0f - s));
        }
    } else if (dup) {
        for (int64_t i = 0; i < n; i++) dup[i] += dy[i] * gate[i] * sigmoidf(gate[i]);
    }
}

// ---- softmax cross-entropy ----
typedef struct {
    const float *logits, *lse_in; const int32_t *targets; float *lse, *row_loss, *dlogits;
    int64_t nrows, V; int32_t ignore; float scale; int overwrite;
} ce_ctx;

// max and sum of exp(z - max) of one row: 16 float lanes, added in double at the end.
TK_CLONES static double row_sum_exp(const float *z, int64_t V, float *max_out) {
    float m[16];
    for (int l = 0; l < 16; l++) m[l] = -INFINITY;
    int64_t i = 0;
    for (; i + 16 <= V; i += 16)
        for (int l = 0; l < 16; l++) m[l] = z[i + l] > m[l] ? z[i + l] : m[l];
    float mx = -INFINITY;
    for (int l = 0; l < 16; l++) mx = m[l] > mx ? m[l] : mx;
    for (int64_t j = i; j < V; j++) mx = z[j] > mx ? z[j] : mx;
    float acc[16] = {0};
    for (i = 0; i + 16 <= V; i += 16)
        for (int l = 0; l < 16; l++) acc[l] += fexp(z[i + l] - mx);
    double sum = 0.0;
    for (int l = 0; l < 16; l++) sum += (double)acc[l];
    for (int64_t j = i; j < V; j++) sum += (double)fexp(z[j] - mx);
    *max_out = mx;
    return sum;
}

TK_CLONES static void row_softmax_acc(float *dz, const float *z, int64_t V, float lse, float scale) {
    for (int64_t i = 0; i < V; i++) dz[i] += scale * fexp(z[i] - lse);
}

TK_CLONES static void row_softmax_set(float *dz, const float *z, int64_t V, float lse, float scale) {
    for (int64_t i = 0; i < V; i++) dz[i] = scale * fexp(z[i] - lse);
}

static void ce_fwd_task(void *vc, int ith, int nth) {
    const ce_ctx *c = vc;
    for (int64_t r = part_lo(c->nrows, ith, nth); r < part_lo(c->nrows, ith + 1, nth); r++) {
        const float *z = c->logits + r * c->V;
        float mx;
        const double sum = row_sum_exp(z, c->V, &mx);
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
        float *dz = c->dlogits + r * c->V;
        if (t == c->ignore) {
            if (c->overwrite) memset(dz, 0, sizeof(float) * (size_t)c->V);
            continue;
        }
        const float *z = c->logits + r * c->V;
        const float lse = c->lse_in[r];
        if (c->overwrite) row_softmax_set(dz, z, c->V, lse, c->scale);
        else row_softmax_acc(dz, z, c->V, lse, c->scale);
        dz[t] -= c->scale;
    }
}

void tk_cross_entropy_bwd(float *dlogits, const float *logits, const int32_t *targets, int32_t ignore_index,
                          const float *lse, int64_t nrows, int64_t V, float scale, int overwrite, tk_pool *pool) {
    ce_ctx c = { .logits = logits, .targets = targets, .lse_in = lse, .dlogits = dlogits,
                 .nrows = nrows, .V = V, .ignore = ignore_index, .scale = scale, .overwrite = overwrite };
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
        tk_sgemm_pool(0, 0, ntok, cols, rows, 1.0f, dY, rows, (const float *)W, cols, 1.0f, dX, cols, pool);
        return 0;
    }
    mmt_ctx c = { W, type, rows, cols, ntok, be, cols / be, (size_t)(cols / be * tk_type_block_bytes(type)),
                  (size_t)tk_type_block_bytes(type), dY, dX };
    tk_pool_run(pool, mmt_task, &c);
    return 0;
}

// ---- RoPE on many rows: cos/sin once per position (same arithmetic as tk_rope) ----
typedef struct {
    float *x; const int64_t *pos; const float *cs; int64_t nrows, nheads, head_dim, n_rot, pmin; int neox; float sign;
} rope_ctx;

static void rope_task(void *vc, int ith, int nth) {
    const rope_ctx *c = vc;
    const int64_t half = c->n_rot / 2;
    for (int64_t r = part_lo(c->nrows, ith, nth); r < part_lo(c->nrows, ith + 1, nth); r++) {
        const float *cs = c->cs + (c->pos[r] - c->pmin) * 2 * half;  // cos[half], sin[half]
        for (int64_t h = 0; h < c->nheads; h++) {
            float *v = c->x + (r * c->nheads + h) * c->head_dim;
            for (int64_t i = 0; i < half; i++) {
                const float co = cs[i], si = c->sign * cs[half + i];
                const int64_t a = c->neox ? i : 2 * i, b = c->neox ? i + half : 2 * i + 1;
                const float x0 = v[a], x1 = v[b];
                v[a] = x0 * co - x1 * si;
                v[b] = x0 * si + x1 * co;
            }
        }
    }
}

void tk_rope_rows(float *x, const int64_t *positions, int64_t nrows, int64_t nheads, int64_t head_dim, int64_t n_rot,
                  float freq_base, float freq_scale, const float *freq_factors, int neox, int sign, tk_pool *pool) {
    if (nrows <= 0) return;
    int64_t pmin = positions[0], pmax = positions[0];
    for (int64_t r = 1; r < nrows; r++) {
        pmin = positions[r] < pmin ? positions[r] : pmin;
        pmax = positions[r] > pmax ? positions[r] : pmax;
    }
    const int64_t half = n_rot / 2, np = pmax - pmin + 1;
    float *cs = malloc(sizeof(float) * (size_t)(np * 2 * half));
    if (!cs) {  // no table: rotate row by row
        for (int64_t r = 0; r < nrows; r++)
            tk_rope(x + r * nheads * head_dim, nheads, head_dim, n_rot, sign * positions[r], freq_base, freq_scale, freq_factors, neox);
        return;
    }
    const float theta_scale = powf(freq_base, -2.0f / (float)n_rot);
    for (int64_t p = 0; p < np; p++) {
        float theta = (float)(pmin + p);
        for (int64_t i = 0; i < half; i++) {
            const float ff = freq_factors ? freq_factors[i] : 1.0f;
            const float t = freq_scale * theta / ff;
            cs[p * 2 * half + i] = cosf(t);
            cs[p * 2 * half + half + i] = sinf(t);
            theta *= theta_scale;
        }
    }
    rope_ctx c = { x, positions, cs, nrows, nheads, head_dim, n_rot, pmin, neox, sign < 0 ? -1.0f : 1.0f };
    tk_pool_run(pool, rope_task, &c);
    free(cs);
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
