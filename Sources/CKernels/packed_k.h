// packed_k.h: the packed K-quant layout's sizes and offsets (described in vecdot_packed_k.c),
// shared by the portable (vecdot_packed_k.c), AVX-512 (vecdot_packed_k_avx512.c) and AVX2
// (vecdot_packed_k_avx2.c) kernels.
#ifndef TK_PACKED_K_H
#define TK_PACKED_K_H
#include "tk_internal.h"

#define PKK_PR 16       // rows per group
#define Q4K_GB 2368     // bytes of one super-block of a 16-row group
#define Q5K_GB 2880
#define Q6K_GB 3392     // of which Q6K_USED hold data, the rest is padding (64-byte groups)
#define Q6K_USED 3360
// Q4_K / Q5_K offsets of the scales, mins, d and dmin in a super-block group
#define K45_SC(q5) ((q5) ? 2560 : 2048)
#define K45_MN(q5) (K45_SC(q5) + 128)
#define K45_D(q5) (K45_SC(q5) + 256)
#define K45_DM(q5) (K45_SC(q5) + 288)

#if defined(__x86_64__)
#include <immintrin.h>
#define PKK_AI __attribute__((always_inline)) inline
// The weight stream is prefetched into L2 (T1): with T0 the prefetches of a 3.4 KB Q6_K
// super-block group fill the L1 miss buffers and stall the kernel (49152 x 1024 Q6_K from
// memory, 1 thread: 13.6 GB/s with T0, 9.5 without prefetch, 32 with T1 at 8 KB ahead; row
// kernel 19-24).
/// The next super-block's share of the weight stream ahead (tk_pf_walk; prefetch needs no
/// target: the AVX-512 and AVX2 kernels both inline it).
static PKK_AI void tk_pkk_pf_share(const uint8_t *pf, tk_pf_walk *pw) {
    if (!pf) return;
    tk_pf_walk_next(pw);
    for (uintptr_t l = pw->lo; l < pw->hi; l += 64) _mm_prefetch((const char *)l, _MM_HINT_T1);
}
#endif
#endif
