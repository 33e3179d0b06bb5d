// packed_k.h: the packed K-quant layout's sizes and offsets (described in vecdot_packed_k.c),
// shared by the portable (vecdot_packed_k.c), AVX-512 (vecdot_packed_k_avx512.c) and AVX2
// (vecdot_packed_k_avx2.c) kernels.
#ifndef TK_PACKED_K_H
#define TK_PACKED_K_H
#include "tk_internal.h"

#define PKK_PR 16       // rows per group
#define Q4K_GB 2368     // bytes of one super-block of a 16-row group
#define Q5K_GB 2880
#define Q6K_GB 3392     // of which 3360 hold data, 32 are padding (64-byte groups)
// Each super-block of a group starts with its scales (read first) and then holds the quants
// in the order the lane kernels read them, so a group is one forward stream (see
// vecdot_packed_k.c).
#define PKK_HDR 320     // bytes before the quants: Q4_K/Q5_K scales, mins, d, dmin; Q6_K scales, d, padding
// Q4_K / Q5_K offsets of the scales, mins, d and dmin in a super-block group
#define K45_SC 0
#define K45_MN 128
#define K45_D 256
#define K45_DM 288
/// Quant chunk (k, g) of a Q4_K/Q5_K super-block group, and Q5_K's high bits of lane chunk k.
#define K45_Q(q5, k, g) (PKK_HDR + (k) * ((q5) ? 320 : 256) + 64 * (g))
#define K5_H(k) (PKK_HDR + 320 * (k) + 256)
// Q6_K offsets of the scales, d, the 32 padding bytes and the (h, k) chunk triples
#define Q6K_SC 0
#define Q6K_D 256
#define Q6K_PAD 288
#define Q6K_C(h, k) (PKK_HDR + 192 * (2 * (k) + (h)))
// Q3_K (1856 bytes; file 16 x 110 = 1760): int8 scales (minus 32 already), d, padding, then per
// lane k the high-bit byte chunk and the two halves' 2-bit chunks
#define Q3K_GB 1856
#define Q3K_SC 0
#define Q3K_D 256
#define Q3K_PAD 288
#define Q3K_H(k) (PKK_HDR + 192 * (k))
#define Q3K_L(h, k) (PKK_HDR + 192 * (k) + 64 + 64 * (h))
// Q2_K (1344 bytes, the file's size): the file's scale bytes (scale | min << 4) [s][row], d, dmin,
// then per lane k the two halves' 2-bit chunks
#define Q2K_GB 1344
#define Q2K_SC 0
#define Q2K_D 256
#define Q2K_DM 288
#define Q2K_L(h, k) (PKK_HDR + 128 * (k) + 64 * (h))

#if defined(__x86_64__)
#include <immintrin.h>
#define PKK_AI __attribute__((always_inline)) inline
// Prompts and batches (several passes over a group) prefetch the weight stream into L2 (T1): with
// T0 the prefetches of a 3.4 KB Q6_K super-block group fill the L1 miss buffers and stall the
// kernel. One-token calls read each group once, in order, and are not prefetched in software:
// since the scales lead each super-block (session 11), the hardware prefetcher alone streams
// 1024 x 1024 matrices from memory at 29-33 GB/s (Q6_K 33 vs 24-29 with T1 at 8 or 16 KB ahead).
/// The next super-block's share of the weight stream ahead (tk_pf_walk; prefetch needs no
/// target: the AVX-512 and AVX2 kernels both inline it).
static PKK_AI void tk_pkk_pf_share(const uint8_t *pf, tk_pf_walk *pw) {
    if (!pf) return;
    tk_pf_walk_next(pw);
    for (uintptr_t l = pw->lo; l < pw->hi; l += 64) _mm_prefetch((const char *)l, _MM_HINT_T1);
}
/// Block order, Q4_K/Q5_K: one token's super-block P added to acc, as tk_pkk_block_generic does:
/// acc + (d*dy)*isum + (-dmin*dy)*mins, mins = the 8 sub-blocks' mins times their sums of y (bs:
/// this super-block's 16 bsums of the token); dv, mv: d and dmin of the 16 rows. Shared by the
/// AVX-512 block kernel (vecdot_packed_k_avx512.c) and the tile kernel (vecdot_packed_k_tile.c).
__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"))) static PKK_AI __m512
tk_pkk45_block_acc512(const uint8_t *P, __m512 dv, __m512 mv, __m512i isum, const int16_t *bs, float dy, __m512 acc) {
    int32_t ys[4];
    _mm_storeu_si128((__m128i *)ys, _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)bs), _mm_loadu_si128((const __m128i *)(bs + 8))));
    __m512i mins = _mm512_setzero_si512();
    for (int i = 0; i < 4; i++)
        mins = _mm512_dpwssd_epi32(mins, _mm512_cvtepu8_epi16(_mm256_load_si256((const __m256i *)(P + K45_MN + 32 * i))),
                                   _mm512_set1_epi32(ys[i]));
    acc = _mm512_fmadd_ps(_mm512_mul_ps(dv, _mm512_set1_ps(dy)), _mm512_cvtepi32_ps(isum), acc);
    return _mm512_fmadd_ps(_mm512_mul_ps(mv, _mm512_set1_ps(-dy)), _mm512_cvtepi32_ps(mins), acc);
}
#endif
#endif
