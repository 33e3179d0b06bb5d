// bench_float.c: dev-only microbenchmark (not a test) of tk_matmul on float weights (F16, BF16,
// F32): one random matrix, wall time per call (median of N calls), and GB/s of weights read.
// Decode is NTOK 1 (memory-bound: use a matrix larger than the caches); prefill NTOK 512 reports
// GFLOP/s instead.
// Build and run from the package root:
//   clang -O3 -ffp-contract=fast -ISources/CKernels/include Sources/CKernels/*.c \
//       scripts/bench_float.c -lopenblas -lpthread -lm -o /tmp/bench_float
//   /tmp/bench_float TYPE ROWS COLS NTOK [THREADS]     TYPE: f16 bf16 f32
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include <sys/mman.h>

static double now(int wall) {
    struct timespec ts;
    clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: bench_float f16|bf16|f32 ROWS COLS NTOK [THREADS]\n"); return 2; }
    const int type = !strcmp(argv[1], "f16") ? TK_F16 : !strcmp(argv[1], "bf16") ? TK_BF16 : TK_F32;
    const int64_t rows = atoll(argv[2]), cols = atoll(argv[3]), ntok = atoll(argv[4]);
    const int threads = argc > 5 ? atoi(argv[5]) : 1;
    tk_pool *pool = threads > 1 ? tk_pool_create(threads) : NULL;
    const int64_t es = type == TK_F32 ? 4 : 2, bytes = rows * cols * es;
    // NOHUGE=1: weights in 4 KiB pages, as a model's weights mapped from its file are
    uint8_t *w = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(w, (size_t)bytes, getenv("NOHUGE") ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
    for (int64_t i = 0; i < rows * cols; i++) {
        const float f = (rand() / (float)RAND_MAX - 0.5f) * 0.1f;
        if (type == TK_F32) memcpy(w + 4 * i, &f, 4);
        else {
            uint16_t h = type == TK_F16 ? tk_f32_to_f16(f) : tk_f32_to_bf16(f);
            memcpy(w + 2 * i, &h, 2);
        }
    }
    float *x = malloc(sizeof(float) * cols * ntok), *y = malloc(sizeof(float) * rows * ntok);
    for (int64_t i = 0; i < cols * ntok; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    // NMAT=k: k copies of the matrix called in turn, each cold (a model's many small matrices)
    const int nmat = getenv("NMAT") ? atoi(getenv("NMAT")) : 1;
    uint8_t **ws = malloc(sizeof(void *) * (size_t)nmat);
    ws[0] = w;
    for (int m = 1; m < nmat; m++) {
        ws[m] = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(ws[m], (size_t)bytes, getenv("NOHUGE") ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
        memcpy(ws[m], w, (size_t)bytes);
    }
    const int reps = ntok > 64 ? 10 : 100;
    double times[100];
    for (int r = 0; r < reps; r++) {
        double t0 = now(1);
        for (int m = 0; m < nmat; m++) tk_matmul(ws[m], type, rows, cols, x, ntok, y, pool);
        times[r] = (now(1) - t0) / nmat;
    }
    for (int i = 1; i < reps; i++)  // sort: the median is reported
        for (int j = i; j > 0 && times[j] < times[j - 1]; j--) { double t = times[j]; times[j] = times[j - 1]; times[j - 1] = t; }
    const double best = times[reps / 2];
    // check one output against a float64 dot of the (rounded) operands
    double ref = 0;
    for (int64_t i = 0; i < cols; i++) {
        float wf;
        if (type == TK_F32) memcpy(&wf, w + 4 * i, 4);
        else { uint16_t h; memcpy(&h, w + 2 * i, 2); wf = type == TK_F16 ? tk_f16_to_f32(h) : tk_bf16_to_f32(h); }
        ref += (double)wf * x[i];
    }
    printf("%s %lldx%lld ntok %lld threads %d: %.1f us, %.1f GB/s, %.1f GFLOP/s, y[0] %.5f vs f64 %.5f\n", argv[1],
           (long long)rows, (long long)cols, (long long)ntok, threads, best * 1e6, bytes / best * 1e-9,
           2.0 * rows * cols * ntok / best * 1e-9, y[0], ref);
    return 0;
}
