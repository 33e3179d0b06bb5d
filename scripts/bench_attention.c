// bench_attention.c: dev-only microbenchmark of tk_attention_decode (not a test): one batched
// decode step's attention for the default model's shape (30 layers, 9 query / 3 KV heads of 64,
// f16 cache), S sequences of N positions each, with the caches cold (a 128 MB buffer is read
// between layers, as the weights stream through the caches in a real step) or warm. Build and
// run from the package root:
//   clang -O3 -ffp-contract=fast -ISources/CKernels/include Sources/CKernels/*.c \
//       scripts/bench_attention.c -lopenblas -lpthread -lm -o /tmp/bench_attention && /tmp/bench_attention [S N]
// Prints ms per step (30 layers), best of several repetitions, thread CPU time.
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const int S = argc > 1 ? atoi(argv[1]) : 8, N = argc > 2 ? atoi(argv[2]) : 72;
    const int L = 30, H = 9, HK = 3, HD = 64, CAP = N + 8, KV = HK * HD;
    uint16_t **K = malloc(sizeof(void *) * S * L), **V = malloc(sizeof(void *) * S * L);
    for (int i = 0; i < S * L; i++) {
        K[i] = malloc(2 * (size_t)CAP * KV);
        V[i] = malloc(2 * (size_t)CAP * KV);
        for (int j = 0; j < CAP * KV; j++) {
            K[i][j] = tk_f32_to_f16((rand() / (float)RAND_MAX - 0.5f));
            V[i][j] = tk_f32_to_f16((rand() / (float)RAND_MAX - 0.5f));
        }
    }
    float *q = malloc(sizeof(float) * S * H * HD), *out = malloc(sizeof(float) * S * H * HD);
    for (int i = 0; i < S * H * HD; i++) q[i] = rand() / (float)RAND_MAX - 0.5f;
    const size_t evb = (size_t)128 << 20;
    float *ev = malloc(evb);
    memset(ev, 1, evb);
    int64_t n_kv[64];
    for (int s = 0; s < S; s++) n_kv[s] = N;
    tk_pool *pool = tk_pool_create(1);
    for (int cold = 1; cold >= 0; cold--) {
        double best = 1e9;
        for (int rep = 0; rep < 15; rep++) {
            double t = 0;
            for (int l = 0; l < L; l++) {
                if (cold) {  // evict: read a buffer 4x the L3
                    volatile float sink = 0;
                    float acc = 0;
                    for (size_t i = 0; i < evb / 4; i += 16) acc += ev[i];
                    sink = acc;
                    (void)sink;
                }
                const void *kp[64], *vp[64];
                for (int s = 0; s < S; s++) { kp[s] = K[s * L + l]; vp[s] = V[s * L + l]; }
                const double t0 = cpu_now();
                tk_attention_decode(out, q, kp, vp, n_kv, S, 1, H, HK, HD, 0.125f, pool);
                t += cpu_now() - t0;
            }
            if (t < best) best = t;
        }
        printf("%s: %.3f ms per step (%d sequences x %d positions, 30 layers)\n", cold ? "cold" : "warm", best * 1e3, S, N);
    }
    return 0;
}
