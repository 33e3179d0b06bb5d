// cpu.c: runtime CPU feature detection (cached once) and the test-only dispatch mask.
// Limits: x86-64 detects at run time; arm64 reports sdot when built for it (__ARM_FEATURE_DOTPROD);
// elsewhere every kernel takes the portable C path.
#include "tk_internal.h"
#include <stdatomic.h>

static _Atomic int detected = -1;
static _Atomic int feature_mask = -1;

static int detect(void) {
    int f = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        f |= TK_CPU_AVX2;
    if ((f & TK_CPU_AVX2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        f |= TK_CPU_AVX512;
    if ((f & TK_CPU_AVX512) && __builtin_cpu_supports("avx512vnni")) f |= TK_CPU_VNNI;
    if ((f & TK_CPU_AVX512) && __builtin_cpu_supports("avx512bf16")) f |= TK_CPU_BF16;
#elif defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
    f |= TK_CPU_DOT;  // built for a CPU with sdot (Apple Silicon: always)
#endif
    return f;
}

int tk_cpu_features(void) {
    int f = atomic_load_explicit(&detected, memory_order_relaxed);
    if (f < 0) {
        f = detect();
        atomic_store(&detected, f);
    }
    return f;
}

void tk_set_cpu_features_mask(int mask) { atomic_store(&feature_mask, mask); }

int tk_cpu_features_active(void) {
    return tk_cpu_features() & atomic_load_explicit(&feature_mask, memory_order_relaxed);
}
