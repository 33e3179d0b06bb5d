// packed_q5.h: private to CKernels. The AVX-512 unpacking of a packed Q5_0/Q5_1 block
// (vecdot_packed.c layout), shared by the lane-order and block-order kernels.
#ifndef TAILOR_PACKED_Q5_H
#define TAILOR_PACKED_Q5_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>
#include "tk_internal.h"

/// Byte-wide chunk j (elements 4j..4j+3 of each of the 16 rows, values 0..31) of the packed Q5
/// block at Q: the nibble of chunk j % 4 (low for j < 4, high after) with the fifth bit (bit j
/// of the row's byte at Q + TK_PK5_PLANE) moved to bit 4. The 16-bit shifts carry bits across bytes, but
/// only bit 4 of each byte is taken from the shifted fifth bits (vpternlogd 0xE4: c ? a : b).
__attribute__((target("avx512f,avx512bw"), always_inline)) static inline __m512i tk_pk5_chunk512(const uint8_t *Q, int j) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i w = _mm512_load_si512((const void *)(Q + TK_PK5_NIB + 64 * (j & 3))), hb = _mm512_load_si512((const void *)(Q + TK_PK5_PLANE));
    const __m512i nib = j < 4 ? _mm512_and_si512(w, m4) : _mm512_and_si512(_mm512_srli_epi16(w, 4), m4);
    const __m512i bit = j < 4 ? _mm512_slli_epi16(hb, (unsigned)(4 - j)) : _mm512_srli_epi16(hb, (unsigned)(j - 4));
    return _mm512_ternarylogic_epi32(bit, nib, _mm512_set1_epi8(0x10), 0xE4);
}
#endif
#endif
