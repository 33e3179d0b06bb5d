// bench_kernels.c: dev-only microbenchmark of tk_matmul (not a test). Build and run from the
// package root:
//   clang -O3 -ffp-contract=fast -ISources/CKernels/include Sources/CKernels/*.c \
//       scripts/bench_kernels.c -lopenblas -lpthread -lm -o /tmp/bench_kernels && /tmp/bench_kernels
// Prints, per weight type, ms per call and weight GB/s for a rows x cols matvec (ntok=1) and
// GMAC/s for a prefill (ntok=64), with 1 thread (x1) and with a pool of all CPUs (xN), per
// dispatch level (C = portable, avx2, 512vnni). Times are the best of many short batches.
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill(uint8_t *w, int type, int64_t rows, int64_t cols) {
    int64_t be = tk_type_block_elems(type), bb = tk_type_block_bytes(type);
    int64_t n = rows * cols / be * bb;
    for (int64_t i = 0; i < n; i++) w[i] = (uint8_t)(rand() >> 7);
    if (type == TK_F32) for (int64_t i = 0; i < rows * cols; i++) ((float *)w)[i] = (rand() / (float)RAND_MAX - 0.5f);
    if (type == TK_F16) for (int64_t i = 0; i < rows * cols; i++) ((uint16_t *)w)[i] = tk_f32_to_f16(rand() / (float)RAND_MAX - 0.5f);
    if (type == TK_BF16) for (int64_t i = 0; i < rows * cols; i++) ((uint16_t *)w)[i] = tk_f32_to_bf16(rand() / (float)RAND_MAX - 0.5f);
}

/// Best (minimum) mean time per call over batches of calls: robust to a noisy shared machine.
static double bench(const uint8_t *w, int type, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                    float *y, tk_pool *pool) {
    tk_matmul(w, type, rows, cols, x, ntok, y, pool);
    double best = 1e9, start = now();
    while (now() - start < 0.4) {
        int n = 0;
        double t0 = now(), t;
        do {
            tk_matmul(w, type, rows, cols, x, ntok, y, pool);
            n++;
        } while ((t = now() - t0) < 0.005);
        if (t / n < best) best = t / n;
    }
    return best;
}

int main(int argc, char **argv) {
    int64_t rows = argc > 1 ? atoll(argv[1]) : 576, cols = argc > 2 ? atoll(argv[2]) : 1536;
    const int types[] = {TK_Q4_1, TK_Q8_0, TK_Q4_0, TK_Q4_K, TK_Q6_K, TK_Q5_K, TK_F16, TK_BF16, TK_F32,
                         TK_Q5_0, TK_Q5_1, TK_Q2_K, TK_Q3_K};
    const char *names[] = {"Q4_1", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q5_K", "F16", "BF16", "F32",
                           "Q5_0", "Q5_1", "Q2_K", "Q3_K"};
    const int masks[] = {0, 1, 3, -1};
    const char *mnames[] = {"C", "avx2", "512", "512vnni"};
    int64_t ntok = 64;
    float *x = malloc(sizeof(float) * ntok * cols), *y = malloc(sizeof(float) * ntok * rows);
    for (int64_t i = 0; i < ntok * cols; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    uint8_t *w = malloc((size_t)rows * cols * 4);
    tk_pool *pool = tk_pool_create(0);
    printf("%lld x %lld, features %d, pool %d threads\n", (long long)rows, (long long)cols, tk_cpu_features(), tk_pool_size(pool));
    printf("%-5s %-8s %10s %8s %10s %8s %13s %13s\n", "type", "path", "mv1 us", "GB/s", "mvN us", "GB/s", "pf64x1 GMAC/s",
           "pf64xN GMAC/s");
    const char *only = getenv("TYPES");  // e.g. TYPES=Q4_1,Q4_K
    for (size_t k = 0; k < sizeof types / sizeof *types; k++) {
        if (only && !strstr(only, names[k])) continue;
        fill(w, types[k], rows, cols);
        double bytes = (double)rows * cols / tk_type_block_elems(types[k]) * tk_type_block_bytes(types[k]);
        for (int m = 0; m < 4; m++) {
            if (masks[m] == 3) continue;  // the AVX-512 tier needs VNNI: mask 3 is the AVX2 path again
            if (masks[m] == 1 && !(tk_cpu_features() & 1)) continue;
            if (masks[m] == -1 && !(tk_cpu_features() & 4)) continue;
            tk_set_cpu_features_mask(masks[m]);
            double t1 = bench(w, types[k], rows, cols, x, 1, y, NULL);
            double tn = bench(w, types[k], rows, cols, x, 1, y, pool);
            double tp = bench(w, types[k], rows, cols, x, ntok, y, pool);
            double tp1 = bench(w, types[k], rows, cols, x, ntok, y, NULL);
            printf("%-5s %-8s %10.1f %8.1f %10.1f %8.1f %13.1f %13.1f\n", names[k], mnames[m], t1 * 1e6, bytes / t1 * 1e-9,
                   tn * 1e6, bytes / tn * 1e-9, (double)rows * cols * ntok / tp1 * 1e-9,
                   (double)rows * cols * ntok / tp * 1e-9);
        }
    }
    tk_pool_destroy(pool);
    return 0;
}
