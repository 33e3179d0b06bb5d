// f16.c: IEEE half and bfloat16 <-> f32 conversion. Scalar versions are exact bit manipulation
// (round to nearest even, like F16C and ggml); row versions use F16C when the CPU has it.
// Limits: f16 NaN payloads collapse to 0x7e00 (quiet), as ggml's reference does.
#include "tk_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float tk_f16_to_f32(uint16_t h) { return tk_h2f(h); }

uint16_t tk_f32_to_f16(float f) {
    uint32_t x = f2u(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return sign | (ax > 0x7f800000u ? 0x7e00 : 0x7c00);
    if (ax >= 0x477ff000u) return sign | 0x7c00;  // >= 65520 rounds to infinity
    if (ax < 0x38800000u) {
        // Below 2^-14: adding 0.5 puts the ulp at 2^-24, so the FPU rounds (to nearest even)
        // |f| * 2^24 into the low mantissa bits; a carry into 0x400 yields the smallest normal.
        float v = u2f(ax) + 0.5f;
        return sign | (uint16_t)(f2u(v) - 0x3f000000u);
    }
    ax += 0xfffu + ((ax >> 13) & 1);  // round to nearest even at bit 13
    return sign | (uint16_t)((ax - (112u << 23)) >> 13);
}

float tk_bf16_to_f32(uint16_t h) { return u2f((uint32_t)h << 16); }

uint16_t tk_f32_to_bf16(float f) {
    uint32_t x = f2u(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 64);  // quiet NaN
    return (uint16_t)((x + (0x7fffu + ((x >> 16) & 1))) >> 16);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c")))
static void f16_to_f32_f16c(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}

__attribute__((target("avx2,fma,f16c")))
static void f32_to_f16_f16c(const float *src, uint16_t *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) dst[i] = tk_f32_to_f16(src[i]);
}
#endif

void tk_f16_to_f32_row(const uint16_t *src, float *dst, int64_t n) {
#if defined(__x86_64__)
    if (tk_cpu_features_active() & TK_CPU_AVX2) { f16_to_f32_f16c(src, dst, n); return; }
#endif
    for (int64_t i = 0; i < n; i++) dst[i] = tk_f16_to_f32(src[i]);
}

void tk_f32_to_f16_row(const float *src, uint16_t *dst, int64_t n) {
#if defined(__x86_64__)
    if (tk_cpu_features_active() & TK_CPU_AVX2) { f32_to_f16_f16c(src, dst, n); return; }
#endif
    for (int64_t i = 0; i < n; i++) dst[i] = tk_f32_to_f16(src[i]);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c")))
static void round_f16_f16c(float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; i++) x[i] = tk_f16_to_f32(tk_f32_to_f16(x[i]));
}
#endif

void tk_round_f16_row(float *x, int64_t n) {
#if defined(__x86_64__)
    if (tk_cpu_features_active() & TK_CPU_AVX2) { round_f16_f16c(x, n); return; }
#endif
    for (int64_t i = 0; i < n; i++) x[i] = tk_f16_to_f32(tk_f32_to_f16(x[i]));
}

void tk_bf16_to_f32_row(const uint16_t *src, float *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = tk_bf16_to_f32(src[i]);
}

void tk_f32_to_bf16_row(const float *src, uint16_t *dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = tk_f32_to_bf16(src[i]);
}
