// bench_packed.c: dev-only microbenchmark (not a test) of the packed weight layouts against the
// row-at-a-time kernels: one random matrix, tk_matmul (row kernels) vs tk_matmul_packed, thread
// CPU time, best of 200 calls each, and the largest difference between the two results. A
// matrix larger than the caches measures streaming from memory; a small one the kernel itself.
// Build and run from the package root:
//   clang -O3 -ffp-contract=fast -ISources/CKernels/include Sources/CKernels/*.c \
//       scripts/bench_packed.c -lopenblas -lpthread -lm -o /tmp/bench_packed
//   /tmp/bench_packed TYPE ROWS COLS NTOK     TYPE: q4_k q5_k q6_k q4_1 q8_0
//   MASK=1 /tmp/bench_packed ...             the AVX2 kernels (tk_set_cpu_features_mask)
//   ORDER=1 /tmp/bench_packed ...            the packed side in block order (batched decoding)
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: bench_packed q4_k|q5_k|q6_k|q4_1|q8_0 ROWS COLS NTOK\n"); return 2; }
    if (getenv("MASK")) tk_set_cpu_features_mask(atoi(getenv("MASK")));
    const char *names[] = {"q4_k", "q5_k", "q6_k", "q4_1", "q8_0"};
    const int types[] = {TK_Q4_K, TK_Q5_K, TK_Q6_K, TK_Q4_1, TK_Q8_0};
    int type = -1;
    for (int i = 0; i < 5; i++) if (!strcmp(argv[1], names[i])) type = types[i];
    if (type < 0) { fprintf(stderr, "unknown type %s\n", argv[1]); return 2; }
    const int64_t rows = atoll(argv[2]), cols = atoll(argv[3]), ntok = atoll(argv[4]);
    const int64_t be = tk_type_block_elems(type), bb = tk_type_block_bytes(type), nblk = rows * cols / be;
    const int64_t bytes = nblk * bb;
    uint8_t *w = malloc((size_t)bytes);
    for (int64_t i = 0; i < bytes; i++) w[i] = (uint8_t)(rand() >> 7);
    const uint16_t h = 0x2000;  // sane f16 scales (0.0078): d, and dmin / m where the type has one
    for (int64_t b = 0; b < nblk; b++) {
        uint8_t *p = w + b * bb;
        if (type == TK_Q6_K) memcpy(p + 208, &h, 2);
        else { memcpy(p, &h, 2); if (type != TK_Q8_0) memcpy(p + 2, &h, 2); }
    }
    const size_t pb = tk_packed_bytes(type, rows, cols);
    if (!pb) { fprintf(stderr, "%s %lldx%lld cannot be packed\n", argv[1], (long long)rows, (long long)cols); return 2; }
    void *P = aligned_alloc(64, (pb + 63) / 64 * 64);
    tk_pack_weights(w, type, rows, cols, P);
    float *x = malloc(sizeof(float) * cols * ntok), *y = malloc(sizeof(float) * rows * ntok), *y2 = malloc(sizeof(float) * rows * ntok);
    for (int64_t i = 0; i < cols * ntok; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    double row = 1e9, packed = 1e9;
    for (int r = 0; r < 200; r++) {  // interleaved
        double t0 = cpu_now();
        tk_matmul(w, type, rows, cols, x, ntok, y, NULL);
        double t1 = cpu_now();
        tk_matmul_packed_order(P, type, rows, cols, x, ntok, y2, NULL, getenv("ORDER") ? 1 : 0);
        double t2 = cpu_now();
        if (t1 - t0 < row) row = t1 - t0;
        if (t2 - t1 < packed) packed = t2 - t1;
    }
    double md = 0;
    for (int64_t i = 0; i < rows * ntok; i++) md = fabs((double)y[i] - y2[i]) > md ? fabs((double)y[i] - y2[i]) : md;
    printf("%s %lldx%lld ntok %lld: row %.1f us (%.1f GB/s), packed %.1f us (%.1f GB/s), max |diff| %.3g\n", argv[1],
           (long long)rows, (long long)cols, (long long)ntok, row * 1e6, bytes / row * 1e-9, packed * 1e6, bytes / packed * 1e-9, md);
    return 0;
}
