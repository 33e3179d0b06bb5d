// matmul_exact.c: Y = X·Wᵀ with f32 activations: each weight row is dequantized to f32 and dotted
// with the unquantized activations. Slower than tk_matmul (no 8-bit activations) but exact up to
// f32 rounding: the reference path for tests and the path training uses.
#include "ckernels.h"
#include <stdlib.h>

typedef struct {
    const unsigned char *W; int type; int64_t rows, cols, ntok; const float *X; float *Y; size_t row_bytes;
} exact_ctx;

static void exact_task(void *vctx, int ith, int nth) {
    const exact_ctx *c = vctx;
    float *buf = malloc(sizeof(float) * (size_t)c->cols);
    if (!buf) return;
    const int64_t r0 = c->rows * ith / nth, r1 = c->rows * (ith + 1) / nth;
    for (int64_t r = r0; r < r1; r++) {
        tk_dequantize_row(c->type, c->W + (size_t)r * c->row_bytes, buf, c->cols);
        for (int64_t t = 0; t < c->ntok; t++) {
            const float *x = c->X + t * c->cols;
            float acc[8] = {0};
            int64_t i = 0;
            for (; i + 8 <= c->cols; i += 8)
                for (int k = 0; k < 8; k++) acc[k] += buf[i + k] * x[i + k];
            float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            for (; i < c->cols; i++) s += buf[i] * x[i];
            c->Y[t * c->rows + r] = s;
        }
    }
    free(buf);
}

int tk_matmul_exact(const void *W, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                    float *Y, tk_pool *pool) {
    const int64_t be = tk_type_block_elems(type);
    if (!tk_type_supported(type) || be == 0 || cols % be != 0) return -1;
    if (type == TK_F32 && ntok >= 16) {
        tk_sgemm_pool(0, 1, ntok, rows, cols, 1.0f, X, cols, (const float *)W, cols, 0.0f, Y, rows, pool);
        return 0;
    }
    exact_ctx c = { W, type, rows, cols, ntok, X, Y, (size_t)(cols / be * tk_type_block_bytes(type)) };
    tk_pool_run(pool, exact_task, &c);
    return 0;
}
