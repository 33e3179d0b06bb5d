// bench_attention.c: dev-only microbenchmark of tk_attention_decode (not a test): one batched
// decode step's attention for the default model's shape (30 layers, 9 query / 3 KV heads of 64,
// f16 cache), S sequences of N positions each, in three settings:
// - cold: a 128 MB buffer is read between layers, so every layer's caches come from memory;
// - step: as in a real batched step: the 128 MB buffer is read once before layer 0, and 3.2 MB
//   (a layer's weights) between layers, while each layer warms the next one's caches
//   (tk_attention_decode_warm);
// - warm: nothing is read in between.
// Build and run from the package root:
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
    const char *names[3] = { "cold", "step", "warm" };
    const size_t layer_bytes = (size_t)3200 << 10;
    for (int mode = 0; mode < 3; mode++) {
        double best = 1e9;
        for (int rep = 0; rep < 15; rep++) {
            double t = 0;
            for (int l = 0; l < L; l++) {
                // cold: evict (read a buffer 4x the L3) before every layer; step: before layer 0,
                // then one layer's worth of weights between layers
                const size_t rd = mode == 0 || (mode == 1 && l == 0) ? evb : mode == 1 ? layer_bytes : 0;
                const size_t off = rd < evb ? (size_t)l * layer_bytes % (evb - layer_bytes) : 0;  // fresh lines each layer
                volatile float sink = 0;
                float acc = 0;
                for (size_t i = off / 4; i < (off + rd) / 4; i += 16) acc += ev[i];
                sink = acc;
                (void)sink;
                const void *kp[64], *vp[64], *kn[64], *vn[64];
                for (int s = 0; s < S; s++) {
                    kp[s] = K[s * L + l]; vp[s] = V[s * L + l];
                    kn[s] = l + 1 < L ? K[s * L + l + 1] : NULL; vn[s] = l + 1 < L ? V[s * L + l + 1] : NULL;
                }
                const double t0 = cpu_now();
                if (mode == 1) tk_attention_decode_warm(out, q, kp, vp, kn, vn, n_kv, S, 1, H, HK, HD, 0.125f, pool);
                else tk_attention_decode(out, q, kp, vp, n_kv, S, 1, H, HK, HD, 0.125f, pool);
                t += cpu_now() - t0;
            }
            if (t < best) best = t;
        }
        printf("%s: %.3f ms per step (%d sequences x %d positions, 30 layers)\n", names[mode], best * 1e3, S, N);
    }
    return 0;
}
