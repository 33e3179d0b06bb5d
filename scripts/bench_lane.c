// bench_lane.c: dev-only microbenchmark (not a test) of the AVX2 one-token lane kernel
// (tk_pk_lane_avx2, vecdot_packed_avx2.c) called directly on packed groups, without the
// tk_matmul wrapper, whose fixed cost per call hides the kernel's speed on small matrices.
// It times one token against a ROWS x COLS Q4_0 / Q4_1 / Q8_0 matrix of random blocks:
// - NC=1 (the default) with a matrix that fits L1/L2 (e.g. 256 x 1024) gives the compute speed;
// - NC=32 or more copies of a 1024 x 1024 matrix, read in turn, give the speed from memory.
// It also checks the outputs against the portable kernel (tk_pk_lane_generic; "maxdiff" must be 0).
// Build and run from the package root (x86-64 with AVX2):
//   clang -O3 -ffp-contract=fast -ISources/CKernels/include -ISources/CKernels Sources/CKernels/*.c \
//       scripts/bench_lane.c -lopenblas -lpthread -lm -o /tmp/bench_lane
//   /tmp/bench_lane q4_0 256 1024; NC=32 /tmp/bench_lane q4_0 1024 1024
// Environment: NC copies (default 1), R timed repetitions (best taken; default 200), REP passes
// per repetition (default 1), PF prefetch distance in bytes (default 8192, 0: none).
// Prints the best time per product (thread CPU time), GMAC/s and GB/s of packed weights.
#include "tk_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int env_int(const char *name, int def) {
    const char *e = getenv(name);
    return e ? atoi(e) : def;
}

int main(int argc, char **argv) {
#if defined(__x86_64__)
    if (argc < 4) {
        fprintf(stderr, "usage: bench_lane q4_0|q4_1|q8_0 ROWS COLS (COLS a multiple of 32)\n");
        return 2;
    }
    const int type = !strcmp(argv[1], "q4_1") ? TK_Q4_1 : !strcmp(argv[1], "q8_0") ? TK_Q8_0 : TK_Q4_0;
    const int64_t rows = atoll(argv[2]), cols = atoll(argv[3]);
    if (rows < 1 || cols < 32 || cols % 32) {
        fprintf(stderr, "bench_lane: ROWS must be >= 1 and COLS a positive multiple of 32\n");
        return 2;
    }
    const int NC = env_int("NC", 1), R = env_int("R", 200), REP = env_int("REP", 1);
    const int64_t pf = env_int("PF", 8192);
    const int64_t bb = tk_type_block_bytes(type), nblk = rows * cols / 32, bytes = nblk * bb, nb = cols / 32;
    uint8_t *w = malloc((size_t)bytes);
    for (int64_t i = 0; i < bytes; i++) w[i] = (uint8_t)(rand() >> 7);
    const uint16_t h = 0x2000;  // f16 0.0078125: scales (and Q4_1 mins) of every block
    for (int64_t b = 0; b < nblk; b++) {
        memcpy(w + b * bb, &h, 2);
        if (type == TK_Q4_1) memcpy(w + b * bb + 2, &h, 2);
    }
    const size_t pb = tk_packed_bytes(type, rows, cols), pbs = (pb + 4095) / 4096 * 4096;
    uint8_t *PB = aligned_alloc(4096, pbs * (size_t)NC);
    for (int c = 0; c < NC; c++) tk_pack_weights(w, type, rows, cols, PB + c * pbs);
    float *x = malloc(sizeof(float) * (size_t)cols), *y = malloc(sizeof(float) * (size_t)(rows + 16));
    float *y2 = malloc(sizeof(float) * (size_t)(rows + 16));
    for (int64_t i = 0; i < cols; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    const int at = type == TK_Q4_1 ? TK_Q8_1 : TK_Q8_0;
    void *mem = aligned_alloc(64, (tk_act_bytes(at, cols, 1) + 63) / 64 * 64);
    tk_act a;
    tk_act_init(&a, at, cols, 1, mem);
    tk_act_quantize(&a, type, x, 0, 1);
    int32_t *lsA = malloc(sizeof(int32_t) * (size_t)(nb * 8));  // Q4_0: -8 x each 4-element sum
    for (int64_t i = 0; i < nb * 8; i++) lsA[i] = -8 * (a.qs[4 * i] + a.qs[4 * i + 1] + a.qs[4 * i + 2] + a.qs[4 * i + 3]);
    const int64_t ng = (rows + 15) / 16;
    const size_t gb = pb / (size_t)ng;
    double best = 1e9;
    for (int r = 0; r < R; r++) {
        const double t0 = cpu_now();
        for (int rr = 0; rr < REP; rr++)
            for (int c = 0; c < NC; c++)
                for (int64_t g = 0; g < ng; g++) {
                    const uint8_t *G = PB + c * pbs + g * gb;
                    const int n = rows - 16 * g < 16 ? (int)(rows - 16 * g) : 16;
                    tk_pk_lane_avx2(G, type, nb, &a, lsA, 0, 1, y + g * 16, rows, n, pf ? G + pf : NULL, (int64_t)gb);
                }
        const double t = (cpu_now() - t0) / NC / REP;
        if (t < best) best = t;
    }
    for (int64_t g = 0; g < ng; g++) {
        const int n = rows - 16 * g < 16 ? (int)(rows - 16 * g) : 16;
        tk_pk_lane_generic(PB + g * gb, type, nb, &a, 0, 1, y2 + g * 16, rows, n);
    }
    double md = 0;
    for (int64_t i = 0; i < rows; i++) {
        const double d = y[i] > y2[i] ? y[i] - y2[i] : y2[i] - y[i];
        if (d > md) md = d;
    }
    printf("%s %lldx%lld NC=%d: %.2f us %.1f GMAC/s %.1f GB/s maxdiff %g\n", argv[1], (long long)rows, (long long)cols, NC,
           best * 1e6, (double)(rows * cols) / best * 1e-9, (double)pb / best * 1e-9, md);
    return md == 0 ? 0 : 1;
#else
    (void)argc;
    (void)argv;
    fprintf(stderr, "bench_lane: x86-64 only (the AVX2 kernel)\n");
    return 2;
#endif
}
