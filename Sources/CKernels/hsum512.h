// hsum512.h: one horizontal-sum order for 16 float lanes, shared by every attention path so that
// per-row, decode and blocked prefill attention give bit-identical scores. The tree bisects:
// lanes i + (i+8), then i + (i+4), then i + (i+2), then 0 + 1. hsum16x16 applies the same tree
// to 16 vectors at once with shuffles (about 3 instructions per sum instead of ~8) and returns
// the 16 sums in order. Private to CKernels; AVX-512 callers only.
#ifndef TK_HSUM512_H
#define TK_HSUM512_H
#if defined(__x86_64__)
#include <immintrin.h>

#define HS_TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq"), always_inline)) static inline

HS_TGT float hsum16(__m512 x) {
    const __m256 a = _mm256_add_ps(_mm512_castps512_ps256(x), _mm512_extractf32x8_ps(x, 1));
    const __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    const __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
    return _mm_cvtss_f32(_mm_add_ss(c, _mm_movehdup_ps(c)));
}

/// out lane k = hsum16(A[k]) for k < 16 (same pairings, so the same floats).
HS_TGT __m512 hsum16x16(const __m512 *A) {
    __m512 B[8], C[4], D[2];
    for (int m = 0; m < 8; m++)  // lanes i + (i+8): key 2m in lanes 0-7, key 2m+1 in lanes 8-15
        B[m] = _mm512_add_ps(_mm512_shuffle_f32x4(A[2 * m], A[2 * m + 1], 0x44), _mm512_shuffle_f32x4(A[2 * m], A[2 * m + 1], 0xEE));
    for (int m = 0; m < 4; m++)  // i + (i+4): 128-bit lane L holds key 4m+L
        C[m] = _mm512_add_ps(_mm512_shuffle_f32x4(B[2 * m], B[2 * m + 1], 0x88), _mm512_shuffle_f32x4(B[2 * m], B[2 * m + 1], 0xDD));
    for (int m = 0; m < 2; m++)  // i + (i+2): lane L: [key 8m+L: 2 sums, key 8m+4+L: 2 sums]
        D[m] = _mm512_add_ps(_mm512_shuffle_ps(C[2 * m], C[2 * m + 1], 0x44), _mm512_shuffle_ps(C[2 * m], C[2 * m + 1], 0xEE));
    // 0 + 1: lane 4L+p holds key L+4p
    const __m512 E = _mm512_add_ps(_mm512_shuffle_ps(D[0], D[1], 0x88), _mm512_shuffle_ps(D[0], D[1], 0xDD));
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(idx, E);
}
#endif
#endif
