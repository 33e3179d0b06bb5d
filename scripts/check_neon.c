// check_neon.c: the test-suite check (scripts/test.sh) of the arm64 sdot kernels (vecdot_packed_neon.c) on an x86 machine,
// built by scripts/check_neon.sh with aarch64-linux-gnu-gcc and run under qemu-aarch64: for
// every packed type (Q4/Q8/Q5 and K-quants), shape and token count, the products with the NEON kernels
// (feature mask -1) must equal the portable kernels' (mask 0) bit for bit, in ggml's lane order
// and in block order, and stay within int8 noise of a float64 product of the dequantized weights.
// (MatmulTests checks the same on an arm64 Mac.)
#include "ckernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// BLAS is not linked here (blas.c needs cblas.h); nothing this check calls reaches it.
void tk_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float al, const float *A, int64_t lda, const float *B,
              int64_t ldb, float be, float *C, int64_t ldc) {
    (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)al; (void)A; (void)lda; (void)B; (void)ldb; (void)be; (void)C; (void)ldc;
    abort();
}
void tk_sgemm_pool(int ta, int tb, int64_t m, int64_t n, int64_t k, float al, const float *A, int64_t lda, const float *B,
                   int64_t ldb, float be, float *C, int64_t ldc, tk_pool *pool) {
    (void)pool;
    tk_sgemm(ta, tb, m, n, k, al, A, lda, B, ldb, be, C, ldc);
}
const char *tk_blas_corename(void) { return "none"; }
const char *tk_blas_recommended_coretype(void) { return NULL; }

static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1664525u + 1013904223u; return rng >> 8; }

int main(void) {
    const char *names[] = {"q4_0", "q4_1", "q8_0", "q5_0", "q5_1", "q4_K", "q5_K", "q6_K", "q3_K", "q2_K"};
    const int types[] = {TK_Q4_0, TK_Q4_1, TK_Q8_0, TK_Q5_0, TK_Q5_1, TK_Q4_K, TK_Q5_K, TK_Q6_K, TK_Q3_K, TK_Q2_K};
    const int shapes[][2] = {{37, 32 * 7}, {16, 32}, {48, 32 * 48}, {5, 576}};
    const int kshapes[][2] = {{37, 256 * 3}, {16, 256}, {48, 256 * 6}, {5, 1024}};
    const int ntoks[] = {1, 2, 3, 8, 70};
    int failures = 0, checks = 0;
    tk_set_cpu_features_mask(-1);
    if (!tk_packed_preferred(TK_Q4_0)) { fprintf(stderr, "no sdot kernels in this build\n"); return 2; }
    for (int ti = 0; ti < 10; ti++)
        for (int si = 0; si < 4; si++) {
            const int type = types[ti], kq = ti >= 5;
            const int rows = kq ? kshapes[si][0] : shapes[si][0], cols = kq ? kshapes[si][1] : shapes[si][1];
            const int64_t be = tk_type_block_elems(type), bb = tk_type_block_bytes(type), nblk = (int64_t)rows * cols / be;
            uint8_t *w = malloc((size_t)(nblk * bb));
            for (int64_t i = 0; i < nblk * bb; i++) w[i] = (uint8_t)next();
            for (int64_t b = 0; b < nblk; b++) {  // f16 scales around 0.01 (K: 0.001), mins around -0.1 (K: 0.01)
                const uint16_t d = (uint16_t)((kq ? 0x1400 : 0x2000) + next() % 512);
                const uint16_t m = (uint16_t)((kq ? 0x2000 : 0xAE00) + next() % 256);
                if (type == TK_Q6_K) { memcpy(w + b * bb + 208, &d, 2); continue; }
                if (type == TK_Q3_K) { memcpy(w + b * bb + 108, &d, 2); continue; }
                if (type == TK_Q2_K) { memcpy(w + b * bb + 80, &d, 2); memcpy(w + b * bb + 82, &m, 2); continue; }
                memcpy(w + b * bb, &d, 2);
                if (type != TK_Q4_0 && type != TK_Q8_0 && type != TK_Q5_0) memcpy(w + b * bb + 2, &m, 2);
            }
            float *wf = malloc(sizeof(float) * rows * cols);
            tk_dequantize_row(type, w, wf, (int64_t)rows * cols);
            void *P = aligned_alloc(64, (tk_packed_bytes(type, rows, cols) + 63) / 64 * 64);
            tk_pack_weights(w, type, rows, cols, P);
            for (int ni = 0; ni < 5; ni++) {
                const int nt = ntoks[ni];
                float *x = malloc(sizeof(float) * nt * cols), *yn = malloc(sizeof(float) * nt * rows),
                      *yp = malloc(sizeof(float) * nt * rows);
                for (int i = 0; i < nt * cols; i++) x[i] = ((int)(next() % 2001) - 1000) / 1000.0f * (next() % 4 ? 1.0f : 0.05f);
                for (int order = 0; order < 2; order++) {
                    tk_set_cpu_features_mask(-1);
                    tk_matmul_packed_order(P, type, rows, cols, x, nt, yn, NULL, order);
                    tk_set_cpu_features_mask(0);
                    tk_matmul_packed_order(P, type, rows, cols, x, nt, yp, NULL, order);
                    checks++;
                    if (memcmp(yn, yp, sizeof(float) * nt * rows)) {
                        failures++;
                        for (int i = 0; i < nt * rows; i++)
                            if (yn[i] != yp[i]) { printf("FAIL %s %dx%d ntok %d order %d [%d]: neon %.9g portable %.9g\n", names[ti], rows, cols, nt, order, i, yn[i], yp[i]); break; }
                    }
                    double worst = 0;  // against float64 of the dequantized weights: int8 activation noise only
                    for (int t = 0; t < nt; t++)
                        for (int r = 0; r < rows; r++) {
                            double ref = 0, mag = 0;
                            for (int k = 0; k < cols; k++) { ref += (double)wf[r * cols + k] * x[t * cols + k]; mag += fabs((double)wf[r * cols + k] * x[t * cols + k]); }
                            const double e = fabs(yn[t * rows + r] - ref) / (mag + 1e-9);
                            if (e > worst) worst = e;
                        }
                    checks++;
                    if (worst > 0.02) { failures++; printf("FAIL %s %dx%d ntok %d order %d: relative error %.3g vs float64\n", names[ti], rows, cols, nt, order, worst); }
                }
                free(x); free(yn); free(yp);
            }
            free(w); free(wf); free(P);
        }
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
