// tk_internal.h: private to CKernels. ggml block layouts (byte-identical to ggml-common.h), the
// quantized-activation buffer tk_matmul builds, and the dot-kernel dispatch table.
// Limits: little-endian hosts only (as GGUF itself); QK_K fixed at 256.
#ifndef TAILOR_TK_INTERNAL_H
#define TAILOR_TK_INTERNAL_H
#include "ckernels.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/// A grow-only scratch buffer: declare one `static _Thread_local tk_scratch` per use and take
/// at least `bytes` from it (64-byte aligned; kept until thread exit); NULL if out of memory.
typedef struct { void *p; size_t n; } tk_scratch;
static inline void *tk_scratch_get(tk_scratch *s, size_t bytes) {
    if (bytes > s->n) {
        free(s->p);
        const size_t cap = (bytes + bytes / 4 + 4096 + 63) & ~(size_t)63;
        s->p = aligned_alloc(64, cap);
        s->n = s->p ? cap : 0;
    }
    return s->p;
}
/// Part i of n equal parts of a prefetch (`pf`, `span` bytes; NULL: none), for kernels that go
/// over a group in n passes (AVX2: 8 rows per pass, tokens in turn): every pass prefetches its
/// share, so memory stays busy while the passes after the first run from L1. With all of it in
/// the first pass, 1024 x 1024 Q4_0 from memory (1 thread, AVX2) took 68-77 us against 58-64.
static inline const uint8_t *tk_pf_part(const uint8_t *pf, int64_t span, int i, int n, int64_t *share) {
    const int64_t lo = span * i / n, hi = span * (i + 1) / n;
    *share = hi - lo;
    return pf ? pf + lo : NULL;
}
/// The weight stream ahead that a kernel prefetches in equal shares over its n blocks: share b is
/// the cache lines starting in [pf + floor(b * span / n), pf + floor((b + 1) * span / n)).
/// The bounds are stepped without a division: two divisions per 32-element block were a large
/// part of the one-token kernels' work (Q4_1 256x1024 in L2, 1 thread: 6.0 -> 4.1 us).
typedef struct { uintptr_t lo, hi; int64_t q, r, acc, n; } tk_pf_walk;
static inline void tk_pf_walk_init(tk_pf_walk *w, const void *pf, int64_t span, int64_t n) {
    w->hi = (uintptr_t)pf;
    w->q = n > 0 ? span / n : 0;
    w->r = n > 0 ? span % n : 0;
    w->acc = 0;
    w->n = n;
}
/// Advances to the next share: its first line in w->lo (64-aligned), its end in w->hi.
static inline void tk_pf_walk_next(tk_pf_walk *w) {
    w->lo = (w->hi + 63) & ~(uintptr_t)63;
    w->hi += (uintptr_t)w->q;
    w->acc += w->r;
    if (w->acc >= w->n) { w->acc -= w->n; w->hi++; }
}

/// Work items [0, n) of one pool run, split into one contiguous run per pool index: index i
/// takes items from run i first, in order, then helps with the other runs. Each thread then
/// reads one contiguous stretch of weights, so the prefetch ahead of its current item warms its
/// own cache for its next item (with one shared counter the threads alternate items and each
/// prefetches for the other). Declare on the caller's stack; tk_runs_init before the pool run.
typedef struct {
    _Alignas(64) _Atomic int64_t next;
    int64_t end;
} tk_run;
#define TK_MAX_RUNS 32
typedef struct {
    int n;
    tk_run r[TK_MAX_RUNS];
} tk_runs;
static inline void tk_runs_init(tk_runs *w, int64_t n_items, int nruns) {
    w->n = nruns < 1 ? 1 : nruns > TK_MAX_RUNS ? TK_MAX_RUNS : nruns;
    for (int i = 0; i < w->n; i++) {
        atomic_init(&w->r[i].next, n_items * i / w->n);
        w->r[i].end = n_items * (i + 1) / w->n;
    }
}
/// The next item for pool index ith, or -1 when none is left; *k (0 at the start of the task)
/// tracks which run it is on.
static inline int64_t tk_runs_next(tk_runs *w, int ith, int *k) {
    while (*k < w->n) {
        tk_run *r = &w->r[(ith + *k) % w->n];
        const int64_t i = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
        if (i < r->end) return i;
        (*k)++;
    }
    return -1;
}

/// Y(ntok, rows) = X(ntok, cols) · Wᵀ for F16/BF16 W through sgemm on f32 row slices
/// (matmul_float.c); X already rounded to W's type. -1 if out of memory (Y then incomplete).
/// 1 if tk_matmul_bf16 runs on this CPU (AVX512-BF16).
int tk_matmul_bf16_supported(void);
/// Y(ntok, rows) = X(ntok, cols) · Wᵀ for BF16 W with vdpbf16ps (matmul_bf16.c); X already
/// rounded to bf16. Returns 0, or -1 (not supported here, or out of memory).
int tk_matmul_bf16(const void *W, int64_t rows, int64_t cols, const float *X, int64_t ntok, float *Y, tk_pool *pool);
int tk_matmul_float_sgemm(const void *W, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                          float *Y, tk_pool *pool);

/// Query rows (tokens x heads per KV head) from which tk_attention uses the blocked kernel.
#define TK_ATTN_BLOCK_ROWS 16
/// tk_attention tiled per (KV head, query tile), bit-identical to the per-row path
/// (attention_blocked.c); -1 where it does not apply (no AVX-512, head_dim, out of memory).
int tk_attention_blocked(float *out, const float *q, const void *k_cache, const void *v_cache, int kv_f16,
                         int64_t ntok, int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t pos0,
                         float scale, tk_pool *pool);

#define QK 32     // block size of Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1
#define QK_K 256  // super-block size of the K-quants and Q8_K

typedef uint16_t tk_half;

typedef struct { tk_half d; uint8_t qs[QK / 2]; } blk_q4_0;                          // 18 B
typedef struct { tk_half d, m; uint8_t qs[QK / 2]; } blk_q4_1;                       // 20 B
typedef struct { tk_half d; uint8_t qh[4]; uint8_t qs[QK / 2]; } blk_q5_0;           // 22 B
typedef struct { tk_half d, m; uint8_t qh[4]; uint8_t qs[QK / 2]; } blk_q5_1;        // 24 B
typedef struct { tk_half d; int8_t qs[QK]; } blk_q8_0;                               // 34 B
typedef struct { tk_half d, s; int8_t qs[QK]; } blk_q8_1;                            // 36 B
typedef struct { uint8_t scales[16]; uint8_t qs[64]; tk_half d, dmin; } blk_q2_K;    // 84 B
typedef struct { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; tk_half d; } blk_q3_K; // 110 B
typedef struct { tk_half d, dmin; uint8_t scales[12]; uint8_t qs[128]; } blk_q4_K;   // 144 B
typedef struct { tk_half d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } blk_q5_K; // 176 B
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; tk_half d; } blk_q6_K; // 210 B
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } blk_q8_K;     // 292 B

_Static_assert(sizeof(blk_q4_0) == 18 && sizeof(blk_q4_1) == 20 && sizeof(blk_q5_0) == 22 &&
               sizeof(blk_q5_1) == 24 && sizeof(blk_q8_0) == 34 && sizeof(blk_q8_1) == 36 &&
               sizeof(blk_q2_K) == 84 && sizeof(blk_q3_K) == 110 && sizeof(blk_q4_K) == 144 &&
               sizeof(blk_q5_K) == 176 && sizeof(blk_q6_K) == 210 && sizeof(blk_q8_K) == 292,
               "ggml block layout");

/// Quantized activations for tk_matmul, struct-of-arrays so SIMD loads are contiguous. Values
/// equal ggml's blocks (scales already rounded through f16 where ggml stores f16).
typedef struct {
    int type;        // TK_Q8_0, TK_Q8_1, TK_Q8_K, or TK_F32 (f32 holding f16/bf16-rounded x)
    int64_t cols, nbr;  // per token row: elements, blocks (the strides between tokens)
    int64_t n, nb;      // elements, blocks a kernel dots (a column range of the row; see tk_act_view)
    int8_t *qs;      // (ntok, cols)
    float *d8;       // Q8_0/Q8_1: (ntok, nb, 8) block scale replicated 8x; Q8_K: (ntok, nb)
    int32_t *nsum8;  // Q8_0: (ntok, nb, 8) -sum(qs of block) replicated 8x
    int32_t *off4;   // Q8_0: (ntok, nb) -8 x the sum of the block's qs at 4c, 4c+1 (low int16) and at
                     // 4c+2, 4c+3 (high): the AVX2 Q4_0 block kernel's int16 start values (tk_pair_lane_starts)
    float *s;        // Q8_1: (ntok, nb) f16-rounded d*sum(qs)
    int16_t *bsums;  // Q8_K: (ntok, nb, 16) sums of 16 consecutive qs
    int32_t *off6;   // Q8_K: (ntok, nb, 16) per 16 qs, -32 x the sum of those at 4c, 4c+1 (low int16) and at
                     // 4c+2, 4c+3 (high): the AVX2 Q6_K tile's int16 start values (tk_pair_lane_starts)
    float *xf;       // TK_F32 kind: (ntok, cols)
} tk_act;

/// tk_act's off6 / off4 values: per `group` quantized activations, `mult` x the pair lanes' sums.
void tk_pair_lane_starts(const int8_t *qs, int64_t n, int group, int mult, int32_t *off);
/// Bytes tk_act_init needs for ntok rows of `cols` activations of kind `atype`.
size_t tk_act_bytes(int atype, int64_t cols, int64_t ntok);
/// Lays out `a` over `mem` (64-byte aligned, tk_act_bytes long).
void tk_act_init(tk_act *a, int atype, int64_t cols, int64_t ntok, void *mem);
/// A view of the column blocks [b0, b0 + nblk) of every token (blocks of `be` elements; be = 1
/// and blocks = elements for the F32 kind). Strides stay those of the full rows.
void tk_act_view(const tk_act *a, int64_t b0, int64_t nblk, int64_t be, tk_act *v);
/// Quantizes activation rows [t0, t1) of X into `a` (wtype picks f16/bf16 rounding for F32 kind).
void tk_act_quantize(tk_act *a, int wtype, const float *X, int64_t t0, int64_t t1);
/// tk_act_quantize of all ntok tokens, split in token ranges over the pool's threads when there
/// are at least min_values activations and more than one token (else on the calling thread).
void tk_act_quantize_pool(tk_act *a, int wtype, const float *X, int64_t ntok, tk_pool *pool, int64_t min_values);

/// Block-order packed kernels (vecdot_packed_block.c): 16 rows of group G, tokens t0..t0+nt-1
/// (nt <= PKB_NT), outputs Y[t * ldy + row]; pf/pfspan: the weight-stream share to prefetch.
#define PKB_NT 8
/// The packed Q4/Q8/Q5 kernels' numbering of their types (KIND): 0 Q4_0, 1 Q4_1, 2 Q8_0, 3 Q5_0,
/// 4 Q5_1; and a packed block's quant bytes (Q5: nibbles, then 64 bytes of fifth bits) and
/// scale bytes (d, then m where the type has one) for 16 rows.
static inline int tk_pk_kind(int type) {
    return type == TK_Q4_0 ? 0 : type == TK_Q4_1 ? 1 : type == TK_Q8_0 ? 2 : type == TK_Q5_0 ? 3 : 4;
}
static inline int tk_pk_qb(int kind) { return kind == 2 ? 512 : kind >= 3 ? 320 : 256; }
static inline int tk_pk_sb(int kind) { return kind == 1 || kind == 4 ? 64 : 32; }
/// Packed Q4/Q8/Q5 groups (vecdot_packed.c) store blocks in pairs: scales of blocks 2i and
/// 2i+1 (sb bytes each), then their quants (qb bytes each), in the order the kernels read them,
/// so the weights and their scales are one forward stream. Offsets from the group start of block b's quants and scales:
/// A packed Q5 block: the plane of fifth bits (64 bytes), then the nibbles in the Q4 layout.
#define TK_PK5_PLANE 0
#define TK_PK5_NIB 64
static inline size_t tk_pk_qoff(int64_t b, int qb, int sb) {
    return (size_t)(b >> 1) * (size_t)(2 * (qb + sb)) + (size_t)(2 * sb) + (size_t)(b & 1) * (size_t)qb;
}
static inline size_t tk_pk_soff(int64_t b, int qb, int sb) {
    return (size_t)(b >> 1) * (size_t)(2 * (qb + sb)) + (size_t)(b & 1) * (size_t)sb;
}
/// Quant value (offset removed) of element e of row L's block b in a packed 16-row group G
/// (vecdot_packed.c layout; qb, sb = the group's quant and scale bytes per block).
static inline int tk_pk_quant(const uint8_t *G, int type, int qb, int sb, int64_t b, int L, int e) {
    const uint8_t *Q = G + tk_pk_qoff(b, qb, sb);
    if (type == TK_Q8_0) return (int8_t)(Q[(e / 4) * 64 + L * 4 + e % 4] ^ 0x80);
    const int q5 = type == TK_Q5_0 || type == TK_Q5_1;
    const uint8_t w = Q[(q5 ? TK_PK5_NIB : 0) + ((e % 16) / 4) * 64 + L * 4 + e % 4];
    if (q5) {  // nibbles as Q4 after the fifth bits (vecdot_packed.c)
        const int h = (Q[TK_PK5_PLANE + L * 4 + e % 4] >> ((e % 16) / 4 + (e < 16 ? 0 : 4))) & 1;
        return ((e < 16 ? (w & 15) : (w >> 4)) | h << 4) - (type == TK_Q5_0 ? 16 : 0);
    }
    return (e < 16 ? (w & 15) : (w >> 4)) - (type == TK_Q4_0 ? 8 : 0);
}
/// The portable lane-order kernel of the packed Q4/Q8/Q5 layout (vecdot_packed_block.c).
void tk_pk_lane_generic(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                        float *Y, int64_t ldy, int nrows);
void tk_pk_block_generic(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                         float *Y, int64_t ldy, int nrows);
void tk_pk_block_avx2(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                      float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
/// AVX2 lane-order (ggml sums) packed kernel; lsA: -8 x the 4-element lane sums of y (Q4_0/Q5_0).
void tk_pk_lane_avx2(const uint8_t *G, int type, int64_t nb, const tk_act *a, const int32_t *lsA, int64_t t0,
                     int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
void tk_pk_block_avx512(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                        float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
/// AVX-512 VNNI lane-order packed kernel (vecdot_packed_avx512.c), up to TK_PK_LANE_NT tokens a call;
/// lsA / lsB: -8 / -128 x the 4-element lane sums of y (Q4_0, Q5_0 / Q8_0).
#define TK_PK_LANE_NT 2
void tk_pk_lane_avx512(const uint8_t *G, int type, int64_t nb, const tk_act *a, const int32_t *lsA,
                       const int32_t *lsB, int64_t t0, int nt, float *Y, int64_t ldy, int nrows,
                       const uint8_t *pf, int64_t pfspan);

/// Packed K-quants (vecdot_packed_k.c): Q4_K and Q6_K in 16-row groups, ggml's lane order.
int tk_pkk_type(int type);
size_t tk_pkk_sb_bytes(int type);  // bytes of one super-block of a 16-row group
void tk_pkk_pack(const void *W, int type, int64_t rows, int64_t cols, void *out);
void tk_pkk_generic(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                    float *Y, int64_t ldy, int nrows);
/// ls4 (AVX-512): Q6_K's -32 x the sum of each 4 activations, int32, (ntok, cols / 4).
void tk_pkk_avx512(const uint8_t *G, int type, int64_t nsb, const tk_act *a, const int32_t *ls4, int64_t t0,
                   int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
/// ls32 (AVX2): Q6_K's 32 x pair sums of each 4 activations (int16 pairs), (ntok, cols / 4).
void tk_pkk_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, const int32_t *ls32, int64_t t0,
                 int nt, float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
/// Block order (batched decoding): one exact int sum per row and super-block, scaled once.
void tk_pkk_block_generic(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                          float *Y, int64_t ldy, int nrows);
void tk_pkk_block_avx512(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                         float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
void tk_pkk_block_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                       float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
/// Block order for prompts from a tile of unpacked values (vecdot_packed_k_tile.c, AVX-512):
/// tk_pkk_tile_unpack turns a group's nsb super-blocks into tk_pkk_tile_bytes(nsb) bytes (64-byte
/// aligned), which tk_pkk_tile_avx512 then dots with tokens t0..t0+nt-1 (any nt).
#define PKK_TILE_SB 4096
/// The packed Q4/Q8/Q5 kernels for arm64 with sdot (vecdot_packed_neon.c): ggml's lane order and
/// block order, bit-identical to the portable ones.
void tk_pk_lane_neon(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                     float *Y, int64_t ldy, int nrows);
void tk_pk_block_neon(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                      float *Y, int64_t ldy, int nrows);
/// The same for the packed K-quants (vecdot_packed_k_neon.c), bit-identical to tk_pkk_generic /
/// tk_pkk_block_generic.
void tk_pkk_lane_neon(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                      float *Y, int64_t ldy, int nrows);
void tk_pkk_block_neon(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                       float *Y, int64_t ldy, int nrows);
void tk_pkk_q23_neon(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                     float *Y, int64_t ldy, int nrows);
size_t tk_pkk_tile_bytes(int64_t nsb);
void tk_pkk_tile_unpack(const uint8_t *G, int type, int64_t nsb, uint8_t *T);
void tk_pkk_tile_avx512(const uint8_t *G, const uint8_t *T, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                        float *Y, int64_t ldy, int nrows);
/// The same tile and products for AVX2 without AVX-512 VNNI (vecdot_packed_k_tile_avx2.c).
void tk_pkk_tile_unpack_avx2(const uint8_t *G, int type, int64_t nsb, uint8_t *T);
void tk_pkk_tile_avx2(const uint8_t *G, const uint8_t *T, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt,
                      float *Y, int64_t ldy, int nrows);
/// Q2_K/Q3_K for a few tokens without the tile (vecdot_packed_k_tile.c), the same results; the
/// first token's pass prefetches [pf, pf + pfspan) into L2 (pf NULL: none).
void tk_pkk_q23_avx512(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt, float *Y,
                       int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);
void tk_pkk_q23_avx2(const uint8_t *G, int type, int64_t nsb, const tk_act *a, int64_t t0, int nt, float *Y,
                     int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan);

/// Software prefetch distance (bytes) of one-token weight streams, packed (vecdot_packed.c) and
/// row by row (matmul.c): 8 KB, or TAILOR_DECODE_PREFETCH (0: the hardware prefetcher alone).
int64_t tk_decode_ahead(void);

#define TK_NT 4  // max tokens per dot-kernel call
/// out[i] = dot(weight row w, activation row t0+i) for i < nt (1 <= nt <= TK_NT).
typedef void (*tk_dot_fn)(const void *w, const tk_act *a, int64_t t0, int nt, float *out);
/// Best kernel for weight `type` under feature bits `features`; NULL if unsupported.
tk_dot_fn tk_dot_kernel(int type, int features);
tk_dot_fn tk_dot_generic(int type);
tk_dot_fn tk_dot_avx2(int type);    // NULL where there is no AVX2 kernel
tk_dot_fn tk_dot_avx512(int type);  // NULL where there is no AVX-512 kernel (needs VNNI bit for some)
int tk_dot_avx512_needs_vnni(int type);

/// Feature bits (TK_CPU_*) as in tk_cpu_features.
enum { TK_CPU_AVX2 = 1, TK_CPU_AVX512 = 2, TK_CPU_VNNI = 4, TK_CPU_BF16 = 8, TK_CPU_DOT = 16 /* arm64 sdot */ };

/// f16 -> f32, exact, inlinable (the public tk_f16_to_f32 uses it too). Normal numbers are
/// rebiased by a multiply by 2^-112; subnormals come from a 0.5-offset float subtraction.
static inline float tk_h2f(tk_half h) {
#if defined(__aarch64__)
    __fp16 f;
    memcpy(&f, &h, 2);
    return (float)f;
#else
    const uint32_t w = (uint32_t)h << 16, sign = w & 0x80000000u, two_w = w + w;
    uint32_t u = (two_w >> 4) + (0xE0u << 23);
    float norm, den;
    memcpy(&norm, &u, 4);
    norm *= 0x1p-112f;
    u = (two_w >> 17) | (126u << 23);
    memcpy(&den, &u, 4);
    den -= 0.5f;
    float r = two_w < (1u << 27) ? den : norm;
    memcpy(&u, &r, 4);
    u |= sign;
    memcpy(&r, &u, 4);
    return r;
#endif
}

#endif
