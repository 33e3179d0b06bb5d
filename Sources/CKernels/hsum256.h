// hsum256.h: the AVX2 attention paths' horizontal sum of 8 float lanes, that of the per-row path
// (attention.c dot_f16_avx2): lanes i + (i+4), then 0 + 2 and 1 + 3, then those two. hsum8x8
// applies the same pairings to 8 vectors at once with shuffles, so the blocked prefill and the
// decode kernel give the per-row path's floats. Private to CKernels; AVX2 callers only.
#ifndef TK_HSUM256_H
#define TK_HSUM256_H
#if defined(__x86_64__)
#include <immintrin.h>

#define HS2_TGT __attribute__((target("avx2,fma,f16c"), always_inline)) static inline

HS2_TGT float hsum8_1(__m256 acc) {
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

/// out lane k = hsum8_1(A[k]) for k < 8 (the same pairings, so the same floats).
HS2_TGT __m256 hsum8x8(const __m256 *A) {
    __m256 B[4], E[2];
    for (int m = 0; m < 4; m++)  // i + (i+4): key 2m in lanes 0-3, key 2m+1 in lanes 4-7
        B[m] = _mm256_add_ps(_mm256_permute2f128_ps(A[2 * m], A[2 * m + 1], 0x20), _mm256_permute2f128_ps(A[2 * m], A[2 * m + 1], 0x31));
    for (int m = 0; m < 2; m++)  // 0 + 2 and 1 + 3: per 128-bit half [key a: 2 sums, key b: 2 sums]
        E[m] = _mm256_add_ps(_mm256_shuffle_ps(B[2 * m], B[2 * m + 1], 0x44), _mm256_shuffle_ps(B[2 * m], B[2 * m + 1], 0xEE));
    // the last pair: half 0 holds keys 0, 2, 4, 6 and half 1 keys 1, 3, 5, 7
    const __m256 H = _mm256_add_ps(_mm256_shuffle_ps(E[0], E[1], 0x88), _mm256_shuffle_ps(E[0], E[1], 0xDD));
    return _mm256_permutevar8x32_ps(H, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

#endif
#endif
