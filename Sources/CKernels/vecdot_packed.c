// vecdot_packed.c: Q4_0/Q4_1/Q8_0/Q5_0/Q5_1 weights repacked 16 rows at a time for integer matvec/matmul
// (decode and prefill). In the packed layout one zmm load holds the same 4 quant bytes of one
// block for 16 rows (lane = row), so vpdpbusd against the token's 4 activation bytes broadcast
// from memory gives each row's partial dot product in its own lane: the 16 outputs of a group
// come out in one register, with no horizontal sums and no shuffles, and the loads stream.
// Q4 high nibbles are taken as (w & 0xF0) = 16*hi into a second accumulator and shifted back
// (exact); Q8_0 is stored as w ^ 0x80 (= w + 128 as u8) and the 128*sum(y) term is the
// accumulator's initial value. Scales (f16) of a block's 16 rows are contiguous (one vcvtph2ps).
// Float sums follow ggml's x86 vec_dot exactly: 8 lanes of 4 consecutive elements, each with its
// own accumulator of d_w*d_y*isum_lane per block, ggml's hsum_float_8 tree at the end, then the
// Q4_1 m_w*s_y sum. Matching that order matters: with int8 activations a 1e-7 change of an
// output flips later roundings, and a different order moved the default model's logits vs
// llama.cpp from 0.29 to 0.61 at worst (LlamaCppReferenceTests); this order gives 0.29.
//
// Layout (per group of 16 rows, rows padded with zero blocks to a multiple of 16), 64-aligned,
// blocks in pairs (tk_pk_qoff / tk_pk_soff; an odd last block has a zero partner):
//   scales of block 2i, then of 2i+1, SB bytes each: d of the 16 rows (f16), then m of the 16
//           rows (Q4_1, Q5_1)
//   quants of block 2i, then of 2i+1, QB bytes each (Q5: first 64 bytes of fifth bits, lane L,
//           byte k: bit j = element 4j+k's, bit 4+j = element 16+4j+k's; 22 bytes per block and
//           row with the scales, as in the file; until session 10 Q5 values took a byte each),
//           then chunk j (4 for Q4/Q5, 8 for Q8), lane L, byte k: byte 4j+k of row L's block
//           (Q8_0: xor 0x80; Q4/Q5: the file's nibble byte, element 4j+k low, 16+4j+k high)
// Everything sits in the order the kernels read it, so that a group is one forward stream: with
// all scales after all quants (before session 10) the hardware prefetcher lost the stream and
// one-token products leaned on software prefetch; with each pair's scales after its quants
// (session 10) Q4 still did (1024 x 1024 Q4_0 from memory, 1 thread: 24 GB/s with a T0
// prefetch, 18 without); scales first, Q4 streams at 30-31 GB/s on the hardware prefetcher alone
// (docs/PERFORMANCE.md, sessions 10 and 11).
// Here: the packing, the portable lane-order kernel and the dispatch of work items to the SIMD
// kernels: AVX-512 VNNI (vecdot_packed_avx512.c lane order, vecdot_packed_block.c block order),
// AVX2 (vecdot_packed_avx2.c), arm64 sdot (vecdot_packed_neon.c), K-quants (vecdot_packed_k*.c).
// Limits: elsewhere a portable scalar loop runs (slow: callers should not pack unless
// tk_packed_preferred says so).
#include "tk_internal.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <math.h>

#define PR 16                       // rows per group
#define PK_NT TK_PK_LANE_NT         // tokens per lane-order kernel call
// Software prefetch distance in the weight stream (lane-order prompts of Q4/Q5 types, into L1).
#ifndef PK_AHEAD
#define PK_AHEAD 3072
#endif
// One-token products (decoding) prefetch the stream this far ahead, every type (Q4/Q5/Q8 into L1,
// K-quants into L2). How well the hardware prefetcher alone streams the packed groups depends on
// the host: on the Zen 5 VM of session 11 it did better alone (Q4_0 1024 x 1024 from memory 29-31
// GB/s without, 25-27 with T0 3 KB ahead), on the Zen 5 host of session 12 far worse (16384 x 8192
// from memory, 1 thread: Q4_1 21-22 GB/s alone, 31-32 with this; Q4_K 19.7 -> 30.5, Q5_K 13.2 ->
// 29.9, Q6_K 28.2 -> 32.8, Q8_0 25.8 -> 33.3). A prefetch keeps the stream fast on both.
// TAILOR_DECODE_PREFETCH=bytes overrides it (0: the hardware prefetcher alone).
#define PK_DECODE_AHEAD 8192
#define PKB_AHEAD 16384             // the same for the block-order (batched decode) kernel
#define PKK_STEP 8                  // tokens per K-quant lane-order kernel call (prefill)
#define PKK_STEP_BLOCK 4            // the same in block order (batched decoding, --sums block)
// Block-order Q5_K/Q6_K products of this many tokens or more unpack each group once (1024 x 1024 x
// 128 tokens, 1 thread: 1030-1050 -> 828-837 us); Q4_K's unpacking is cheap enough (801 vs 832).
#define PKK_TILE_MIN 16
#define PKK_Q3_TILE_MIN 4           // Q2_K/Q3_K products of fewer tokens unpack in registers (tk_pkk_q23_avx512)
#ifndef PKK_AHEAD
#define PKK_AHEAD 8192              // the same for the K-quant kernels with more than one pass (into L2)
#endif
#define TOK_CHUNK 64                // tokens per work item (prefill)
#define TILE_TOK_CHUNK 256          // the same for products through the K-quant tile
#define ITEM_BYTES (48 * 1024)      // packed weights per work item
// The same for one token: longer contiguous runs per thread let the hardware prefetcher stream.
// Default model, 2 threads, decode: 48 KB items 252-261 tok/s, 512 KB 318-320 (1 thread unchanged).
#define DECODE_ITEM_BYTES (512 * 1024)

static int qbytes(int type) { return tk_pk_qb(tk_pk_kind(type)); }
static int sbytes(int type) { return tk_pk_sb(tk_pk_kind(type)); }
static int packable(int type) {
    return type == TK_Q4_0 || type == TK_Q4_1 || type == TK_Q8_0 || type == TK_Q5_0 || type == TK_Q5_1;
}

static size_t group_bytes(int type, int64_t nb) {  // block pairs (tk_pk_qoff); an odd last block is padded
    return (size_t)((nb + 1) / 2) * (size_t)(2 * (qbytes(type) + sbytes(type)));
}

// F16/BF16: the "packed" form is a plain copy of the rows in anonymous memory, which the model
// loader backs with 2 MiB pages: a matrix read from the file mapping (4 KiB pages) streamed at
// 22-25 GB/s in decode, the copy at 27-28 (scripts/bench_float.c, NOHUGE=1 vs not). Products run
// tk_matmul's float kernels on the copy (and BLAS for prefill, matmul_float.c).
static int float_copy(int type) { return type == TK_F16 || type == TK_BF16; }

/// The one-token prefetch distance: PK_DECODE_AHEAD or TAILOR_DECODE_PREFETCH (a byte count from
/// 0 to 1 MiB; anything else is reported once on stderr and the default used), read once.
int64_t tk_decode_ahead(void) {
    static _Atomic int64_t cached = -1;
    int64_t d = atomic_load_explicit(&cached, memory_order_relaxed);
    if (d < 0) {
        const char *e = getenv("TAILOR_DECODE_PREFETCH");
        d = PK_DECODE_AHEAD;
        if (e) {
            char *end;
            const long long v = strtoll(e, &end, 10);
            if (end != e && *end == 0 && v >= 0 && v <= (1 << 20)) d = v;
            else fprintf(stderr, "TAILOR_DECODE_PREFETCH=%s: not a byte count from 0 to 1048576; using %d\n", e, PK_DECODE_AHEAD);
        }
        atomic_store_explicit(&cached, d, memory_order_relaxed);
    }
    return d;
}

/// G's weight stream `ahead` bytes on, for a kernel's prefetch (NULL, none, when ahead is 0).
static inline const uint8_t *pf_at(const uint8_t *G, int64_t ahead) { return ahead ? G + ahead : NULL; }

/// Whether prompt products of K-quant `type` go through the unpacked tile (vecdot_packed_k_tile.c,
/// AVX-512): Q2_K/Q3_K always, Q5_K/Q6_K in block order (from PKK_TILE_MIN tokens, pkk_group).
/// With AVX2 only (vecdot_packed_k_tile_avx2.c) Q4_K too, whose row-at-a-time AVX2 kernel unpacks
/// every chunk again for each token and half.
static int tile_product(int simd, int type, int block_order) {
    if (simd == 2) return type == TK_Q2_K || type == TK_Q3_K || block_order;
    return simd == 1 && (type == TK_Q2_K || type == TK_Q3_K || (block_order && type != TK_Q4_K));
}

size_t tk_packed_bytes(int type, int64_t rows, int64_t cols) {
    if (float_copy(type)) return rows > 0 && cols > 0 ? (size_t)(rows * cols * 2) : 0;
    if (tk_pkk_type(type)) {  // K-quants: vecdot_packed_k.c
        if (rows <= 0 || cols <= 0 || cols % QK_K != 0) return 0;
        return (size_t)((rows + PR - 1) / PR) * (size_t)(cols / QK_K) * tk_pkk_sb_bytes(type);
    }
    if (!packable(type) || rows <= 0 || cols <= 0 || cols % QK != 0) return 0;
    return (size_t)((rows + PR - 1) / PR) * group_bytes(type, cols / QK);
}

/// Which SIMD kernel runs the packed layout: 1 AVX-512 VNNI, 2 AVX2 (vecdot_packed_avx2.c), 0 none.
static int packed_simd(void) {
    const int f = tk_cpu_features_active();
    return (f & TK_CPU_AVX512) && (f & TK_CPU_VNNI) ? 1 : (f & TK_CPU_AVX2) ? 2 : (f & TK_CPU_DOT) ? 3 : 0;
}

int tk_packed_preferred(int type) {
    if (float_copy(type)) return packed_simd() == 1 || packed_simd() == 2;
    // K-quants with AVX2 only: Q4_K/Q5_K packed (in L2 27/23 vs 17-18 GB/s for the row kernels,
    // from memory equal, prefill 1.5x / equal); Q6_K stays on its row kernel (packed 7-30% slower)
    // Q2_K/Q3_K: AVX-512 (vecdot_packed_k_tile.c), AVX2 (vecdot_packed_k_avx2.c), arm64
    // (vecdot_packed_k_neon.c)
    if (type == TK_Q2_K || type == TK_Q3_K) return packed_simd() != 0;
    if (tk_pkk_type(type)) return packed_simd() == 1 || packed_simd() == 3 || (packed_simd() == 2 && type != TK_Q6_K);
    return packable(type) && packed_simd() != 0;
}

int tk_pack_weights(const void *W, int type, int64_t rows, int64_t cols, void *out) {
    const size_t total = tk_packed_bytes(type, rows, cols);
    if (!total) return -1;
    if (tk_pkk_type(type)) {
        tk_pkk_pack(W, type, rows, cols, out);
        return 0;
    }
    if (float_copy(type)) {
        memcpy(out, W, total);
        return 0;
    }
    memset(out, 0, total);
    const int64_t nb = cols / QK, bb = tk_type_block_bytes(type);
    const int qb = qbytes(type), sb = sbytes(type), nq = type == TK_Q8_0 ? 32 : 16;
    const size_t gb = group_bytes(type, nb);
    for (int64_t r = 0; r < rows; r++) {
        uint8_t *G = (uint8_t *)out + (size_t)(r / PR) * gb;
        const int L = (int)(r % PR);
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *src = (const uint8_t *)W + (size_t)(r * nb + b) * bb;
            const int has_m = type == TK_Q4_1 || type == TK_Q5_1;
            if (type == TK_Q5_0 || type == TK_Q5_1) {  // nibbles as Q4, then the fifth bits
                uint32_t qh;
                memcpy(&qh, src + (has_m ? 4 : 2), 4);
                const uint8_t *qs = src + (has_m ? 8 : 6);
                uint8_t *Q = G + tk_pk_qoff(b, qb, sb);
                for (int j = 0; j < 4; j++) memcpy(Q + TK_PK5_NIB + j * 64 + L * 4, qs + 4 * j, 4);
                for (int i = 0; i < 4; i++) {
                    uint8_t h = 0;
                    for (int j = 0; j < 4; j++) h |= (uint8_t)(((qh >> (4 * j + i)) & 1) << j | ((qh >> (16 + 4 * j + i)) & 1) << (4 + j));
                    Q[TK_PK5_PLANE + L * 4 + i] = h;
                }
            } else {
                const uint8_t *qs = src + (has_m ? 4 : 2);
                for (int j = 0; j < nq / 4; j++) {  // 4-byte words: word j of the row -> lane L of chunk j
                    uint32_t v;
                    memcpy(&v, qs + 4 * j, 4);
                    if (type == TK_Q8_0) v ^= 0x80808080u;
                    memcpy(G + tk_pk_qoff(b, qb, sb) + j * 64 + L * 4, &v, 4);
                }
            }
            memcpy(G + tk_pk_soff(b, qb, sb) + 2 * L, src, 2);                                // d
            if (has_m) memcpy(G + tk_pk_soff(b, qb, sb) + 32 + 2 * L, src + 2, 2);          // m
        }
    }
    return 0;
}

// Packing over the pool: runs of 8 groups of 16 rows (independent) per work item. Packing is
// one pass of writes into fresh memory, so the page zeroing the kernel does on first touch is
// spread over the threads too.
typedef struct {
    const uint8_t *W;
    uint8_t *out;
    int type;
    int64_t rows, cols, ngroups;
    size_t row_bytes, group_bytes;
    _Atomic int64_t next;
    _Atomic int failed;
} pw_ctx;

static void pw_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    pw_ctx *c = vctx;
    for (;;) {
        const int64_t g0 = atomic_fetch_add_explicit(&c->next, 8, memory_order_relaxed);
        if (g0 >= c->ngroups) return;
        const int64_t r0 = g0 * PR, n = c->rows - r0 < 8 * PR ? c->rows - r0 : 8 * PR;
        if (tk_pack_weights(c->W + (size_t)r0 * c->row_bytes, c->type, n, c->cols, c->out + (size_t)g0 * c->group_bytes))
            atomic_store(&c->failed, 1);
    }
}

int tk_pack_weights_pool(const void *W, int type, int64_t rows, int64_t cols, void *out, tk_pool *pool) {
    if (!tk_packed_bytes(type, rows, cols)) return -1;
    if (tk_pool_size(pool) <= 1 || rows <= 8 * PR) return tk_pack_weights(W, type, rows, cols, out);
    pw_ctx c;
    memset(&c, 0, sizeof c);
    c.W = W; c.out = out; c.type = type; c.rows = rows; c.cols = cols;
    c.ngroups = (rows + PR - 1) / PR;
    c.row_bytes = (size_t)(cols / tk_type_block_elems(type) * tk_type_block_bytes(type));
    c.group_bytes = tk_packed_bytes(type, PR, cols);
    atomic_init(&c.next, 0);
    atomic_init(&c.failed, 0);
    tk_pool_run(pool, pw_task, &c);
    return atomic_load(&c.failed) ? -1 : 0;
}

typedef struct {
    int type, simd, block_order;  // block_order: one float sum per block (vecdot_packed_block.c)
    // the matrices sharing the activations (one pool run for all); item0[m]: their first group item
    const uint8_t *Pm[TK_PACKED_MAX_MATS];
    float *Ym[TK_PACKED_MAX_MATS];
    int64_t rowsm[TK_PACKED_MAX_MATS], ngroupsm[TK_PACKED_MAX_MATS], item0[TK_PACKED_MAX_MATS + 1];
    int64_t nb, ntok, groups_per_item, n_gitems, n_items;  // n_gitems: group items of all matrices
    int64_t tok_chunk;  // tokens per work item
    size_t gb;
    const tk_act *a;
    const int32_t *lsA, *lsB;  // Q4_0/Q8_0: -8 and -128 times the 4-element lane sums of y; Q6_K (lsA): see tk_matmul_packed_multi
    _Atomic int failed;  // a group could not be packed (out of memory)
    const uint8_t *raw;  // tk_matmul_rows_tiled: the rows in the file's layout, each group packed when its item runs
    size_t raw_row_bytes;
    int64_t cols;
    tk_runs runs;
} pk_ctx;

#if defined(__x86_64__)
#include <immintrin.h>
static _Thread_local tk_scratch pkk_tile;  // a K-quant group's unpacked values (vecdot_packed_k_tile.c)
#endif

/// One 16-row group G of matrix m (rows rows, nrows of them in the group) for tokens t0..t1-1:
/// the K-quant kernels (vecdot_packed_k*.c). g1: the end of this item's groups (prefetch).
static void pkk_group(const pk_ctx *c, int m, int64_t g, int64_t g1, const uint8_t *G, int64_t rows, int nrows,
                      int64_t t0, int64_t t1) {
    (void)g1;
    const int q23 = c->type == TK_Q2_K || c->type == TK_Q3_K;
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
    if (c->simd == 3 && q23) {  // arm64: unpacked in registers, a token at a time
        tk_pkk_q23_neon(G, c->type, c->nb, c->a, t0, (int)(t1 - t0), c->Ym[m] + t0 * rows + g * PR, rows, nrows);
        return;
    }
#endif
#if defined(__x86_64__)
    if (c->simd == 2 && q23 && t1 - t0 < PKK_Q3_TILE_MIN) {  // AVX2 decoding: unpacked in registers, a token at a time
        tk_pkk_q23_avx2(G, c->type, c->nb, c->a, t0, (int)(t1 - t0), c->Ym[m] + t0 * rows + g * PR, rows, nrows,
                        pf_at(G, tk_decode_ahead()), (int64_t)c->gb);
        return;
    }
    if (c->simd == 1 && q23 && t1 - t0 < PKK_Q3_TILE_MIN) {  // decoding: unpacked in registers
        tk_pkk_q23_avx512(G, c->type, c->nb, c->a, t0, (int)(t1 - t0), c->Ym[m] + t0 * rows + g * PR, rows, nrows,
                          pf_at(G, tk_decode_ahead()), (int64_t)c->gb);
        return;
    }
    if (tile_product(c->simd, c->type, c->block_order) && (q23 || t1 - t0 >= PKK_TILE_MIN)) {
        // prompts unpack each group once (vecdot_packed_k_tile.c); so do Q2_K/Q3_K from PKK_Q3_TILE_MIN tokens
        uint8_t *T = tk_scratch_get(&pkk_tile, tk_pkk_tile_bytes(c->nb));
        if (T) {
            if (g + 1 < g1)  // the next group streams in while this one computes
                for (size_t l = 0; l < c->gb; l += 64) _mm_prefetch((const char *)(G + c->gb + l), _MM_HINT_T1);
            if (c->simd == 2) {
                tk_pkk_tile_unpack_avx2(G, c->type, c->nb, T);
                tk_pkk_tile_avx2(G, T, c->type, c->nb, c->a, t0, (int)(t1 - t0), c->Ym[m] + t0 * rows + g * PR, rows, nrows);
                return;
            }
            tk_pkk_tile_unpack(G, c->type, c->nb, T);
            tk_pkk_tile_avx512(G, T, c->type, c->nb, c->a, t0, (int)(t1 - t0), c->Ym[m] + t0 * rows + g * PR, rows, nrows);
            return;
        }
    }
#endif
    const int ksimd = q23 ? 0 : c->simd;  // Q2_K/Q3_K: only the tile and register kernels and the portable one
    const int kstep = c->block_order ? PKK_STEP_BLOCK : PKK_STEP;
    const int64_t kspan = (int64_t)c->gb / ((t1 - t0 + kstep - 1) / kstep);
    (void)kspan;
    for (int64_t t = t0; t < t1; t += kstep) {
        const int nt = (int)(t1 - t < kstep ? t1 - t : kstep);
        float *Y = c->Ym[m] + t * rows + g * PR;
        if (c->block_order) {
#if defined(__x86_64__)
            if (ksimd) {
                (ksimd == 1 ? tk_pkk_block_avx512 : tk_pkk_block_avx2)(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows,
                                                                        G + PKK_AHEAD + ((t - t0) / kstep) * kspan, kspan);
                continue;
            }
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
            if (ksimd == 3) {
                tk_pkk_block_neon(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
                continue;
            }
#endif
            tk_pkk_block_generic(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
            continue;
        }
#if defined(__x86_64__)
        if (ksimd) {
            const uint8_t *pf = pf_at(G, t1 - t0 <= kstep ? tk_decode_ahead() : PKK_AHEAD + ((t - t0) / kstep) * kspan);
            (ksimd == 1 ? tk_pkk_avx512 : tk_pkk_avx2)(G, c->type, c->nb, c->a, c->lsA, t, nt, Y, rows, nrows, pf, kspan);
            continue;
        }
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
        if (ksimd == 3) {
            tk_pkk_lane_neon(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
            continue;
        }
#endif
        tk_pkk_generic(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
    }
}

/// The same for the Q4_0/Q4_1/Q8_0/Q5_0/Q5_1 kernels (this file, vecdot_packed_block.c,
/// vecdot_packed_avx2.c, vecdot_packed_neon.c).
static void pk_group(const pk_ctx *c, int m, int64_t g, const uint8_t *G, int64_t rows, int nrows, int64_t t0,
                     int64_t t1) {
    // The weight stream ahead is prefetched in equal shares over the passes (token pairs)
    // over this group, so memory stays busy while later passes compute from L1.
    const int step = c->block_order ? PKB_NT : PK_NT;
    const int64_t passes = (t1 - t0 + step - 1) / step, span = (int64_t)c->gb / passes;
    (void)span;
    if (c->block_order) {
        for (int64_t t = t0; t < t1; t += step) {
            const int nt = (int)(t1 - t < step ? t1 - t : step);
            float *Y = c->Ym[m] + t * rows + g * PR;
#if defined(__x86_64__)
            if (c->simd == 2) {
                tk_pk_block_avx2(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows, G + PKB_AHEAD + ((t - t0) / step) * span, span);
                continue;
            }
            if (c->simd) {
                tk_pk_block_avx512(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows, G + PKB_AHEAD + ((t - t0) / step) * span, span);
                continue;
            }
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
            if (c->simd == 3) {
                tk_pk_block_neon(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
                continue;
            }
#endif
            tk_pk_block_generic(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
        }
        return;
    }
    for (int64_t t = t0; t < t1; t += PK_NT) {
        const int nt = (int)(t1 - t < PK_NT ? t1 - t : PK_NT);
        float *Y = c->Ym[m] + t * rows + g * PR;
#if defined(__x86_64__)
        if (c->simd) {
            const uint8_t *pf = pf_at(G, t1 - t0 <= PK_NT ? tk_decode_ahead()
                                         : c->type == TK_Q8_0 ? 0 : PK_AHEAD + ((t - t0) / PK_NT) * span);
            if (c->simd == 2) {
                tk_pk_lane_avx2(G, c->type, c->nb, c->a, c->lsA, t, nt, Y, rows, nrows, pf, span);
                continue;
            }
            tk_pk_lane_avx512(G, c->type, c->nb, c->a, c->lsA, c->lsB, t, nt, Y, rows, nrows, pf, span);
            continue;
        }
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
        if (c->simd == 3) {
            tk_pk_lane_neon(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
            continue;
        }
#endif
        tk_pk_lane_generic(G, c->type, c->nb, c->a, t, nt, Y, rows, nrows);
    }
}

static _Thread_local tk_scratch pk_rawgroup;  // tk_matmul_rows_tiled: one packed group

/// One work item: a run of groups of one matrix for one chunk of tokens.
static void pk_item(pk_ctx *c, int64_t item) {
    const int64_t tc = item / c->n_gitems, gi = item % c->n_gitems;
    int m = 0;
    while (gi >= c->item0[m + 1]) m++;
    const int64_t rows = c->rowsm[m], ngroups = c->ngroupsm[m];
    const int64_t g0 = (gi - c->item0[m]) * c->groups_per_item;
    const int64_t g1 = g0 + c->groups_per_item < ngroups ? g0 + c->groups_per_item : ngroups;
    const int64_t t0 = tc * c->tok_chunk, t1 = t0 + c->tok_chunk < c->ntok ? t0 + c->tok_chunk : c->ntok;
    for (int64_t g = g0; g < g1; g++) {
        const uint8_t *G = c->Pm[m] + (size_t)g * c->gb;
        const int nrows = (int)(rows - g * PR < PR ? rows - g * PR : PR);
        if (c->raw) {  // pack this group now (tk_matmul_rows_tiled)
            uint8_t *S = tk_scratch_get(&pk_rawgroup, c->gb);
            if (!S || tk_pack_weights(c->raw + (size_t)(g * PR) * c->raw_row_bytes, c->type, nrows, c->cols, S)) {
                atomic_store(&c->failed, 1);
                return;
            }
            G = S;
        }
        if (tk_pkk_type(c->type)) pkk_group(c, m, g, g1, G, rows, nrows, t0, t1);
        else pk_group(c, m, g, G, rows, nrows, t0, t1);
    }
}

/// Pool task: work items from the runs (tk_runs_next), index ith's own run first.
static void pk_task(void *vctx, int ith, int nth) {
    (void)nth;
    pk_ctx *c = vctx;
    int k = 0;
    for (int64_t item; (item = tk_runs_next(&c->runs, ith, &k)) >= 0;) pk_item(c, item);
}

static _Thread_local tk_scratch pk_scratch;

int tk_matmul_packed(const void *P, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                     float *Y, tk_pool *pool) {
    return tk_matmul_packed_order(P, type, rows, cols, X, ntok, Y, pool, 0);
}

int tk_matmul_packed_order(const void *P, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                           float *Y, tk_pool *pool, int block_order) {
    return tk_matmul_packed_multi(&P, &rows, 1, type, cols, X, ntok, &Y, pool, block_order);
}

#if defined(__x86_64__)
/// -8 and -128 times each sum of 4 consecutive activation bytes, 8 sums a step (the serial part
/// of a one-token product that the other pool threads wait for); returns how many were done.
__attribute__((target("avx2"))) static int64_t lane_sums_avx2(const int8_t *q, int64_t n4, int32_t *A, int32_t *B) {
    const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1), z = _mm256_setzero_si256();
    int64_t i = 0;
    for (; i + 8 <= n4; i += 8) {
        const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, _mm256_loadu_si256((const __m256i *)(q + 4 * i))), ones16);
        _mm256_storeu_si256((__m256i *)(A + i), _mm256_sub_epi32(z, _mm256_slli_epi32(s, 3)));
        _mm256_storeu_si256((__m256i *)(B + i), _mm256_sub_epi32(z, _mm256_slli_epi32(s, 7)));
    }
    return i;
}
#endif

static int packed_run(const void *const *P, const int64_t *rows, int nmat, int type, int64_t cols, const float *X,
                      int64_t ntok, float *const *Y, tk_pool *pool, int block_order, const uint8_t *raw);

int tk_matmul_packed_multi(const void *const *P, const int64_t *rows, int nmat, int type, int64_t cols, const float *X,
                           int64_t ntok, float *const *Y, tk_pool *pool, int block_order) {
    if (nmat < 1 || nmat > TK_PACKED_MAX_MATS || ntok < 0) return -1;
    for (int m = 0; m < nmat; m++)
        if (!tk_packed_bytes(type, rows[m], cols) || ((uintptr_t)P[m] & 63)) return -1;
    return packed_run(P, rows, nmat, type, cols, X, ntok, Y, pool, block_order, NULL);
}

int tk_matmul_rows_tiled(const void *W, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok, float *Y,
                         tk_pool *pool) {
    // Where a K-quant stays in the file's layout (Q6_K with AVX2 only: its row kernels decode
    // faster than the packed ones) its prompts still go through the tile, each group packed
    // into a thread's scratch as its work item starts (16 rows, a few KB, against 64+ tokens).
    if (!W || rows < 1 || ntok < PKK_TILE_MIN || !tk_pkk_type(type) || tk_packed_preferred(type) ||
        !tile_product(packed_simd(), type, 1) || !tk_packed_bytes(type, rows, cols))
        return -1;
    const void *none = NULL;
    return packed_run(&none, &rows, 1, type, cols, X, ntok, &Y, pool, 1, W);
}

static int packed_run(const void *const *P, const int64_t *rows, int nmat, int type, int64_t cols, const float *X,
                      int64_t ntok, float *const *Y, tk_pool *pool, int block_order, const uint8_t *raw) {
    if (ntok == 0) return 0;
    if (float_copy(type)) {  // the float kernels on the copy; block_order does not apply
        for (int m = 0; m < nmat; m++)
            if (tk_matmul(P[m], type, rows[m], cols, X, ntok, Y[m], pool)) return -1;
        return 0;
    }
    const int atype = tk_vec_dot_type(type), kq = tk_pkk_type(type);
    const int64_t nb = kq ? cols / QK_K : cols / QK;
    const size_t abytes = (tk_act_bytes(atype, cols, ntok) + 63) & ~(size_t)63;
    const size_t lbytes = type == TK_Q4_1 || type == TK_Q5_1 || type == TK_Q2_K || type == TK_Q3_K || type == TK_Q4_K || type == TK_Q5_K || block_order ? 0
                        : (size_t)ntok * (cols / 4) * sizeof(int32_t);
    const size_t need = abytes + 2 * lbytes;
    if (!tk_scratch_get(&pk_scratch, need)) return -1;
    tk_act a;
    tk_act_init(&a, atype, cols, ntok, pk_scratch.p);
    // prompts and batches: each pool thread quantizes a range of tokens (serially it was 4% of a
    // 2-thread Q4_0 prompt's samples, with the other thread waiting)
    tk_act_quantize_pool(&a, type, X, ntok, pool, 4096);
    int32_t *lsA = NULL, *lsB = NULL;
    if (type == TK_Q6_K && !block_order) {  // the +32 offset's activation sums over each 4, in the form the kernel reads:
        lsA = (int32_t *)((uint8_t *)pk_scratch.p + abytes);
        const int wide = packed_simd() == 1;  // AVX-512: -32 x the sum; else 32 x the pair sums as int16 pairs (ggml's maddubs(32, y))
        for (int64_t t = 0; t < ntok; t++) {
            const int8_t *q = a.qs + t * cols;
            for (int64_t i = 0; i < cols / 4; i++) {
                const int p0 = q[4 * i] + q[4 * i + 1], p1 = q[4 * i + 2] + q[4 * i + 3];
                lsA[t * (cols / 4) + i] = wide ? -32 * (p0 + p1)
                                               : (int32_t)((uint32_t)(uint16_t)(int16_t)(32 * p0) | (uint32_t)(uint16_t)(int16_t)(32 * p1) << 16);
            }
        }
    } else if (lbytes) {  // lane sums of 4 consecutive quantized activations, scaled for the offsets
        lsA = (int32_t *)((uint8_t *)pk_scratch.p + abytes);
        lsB = lsA + ntok * nb * 8;
        for (int64_t t = 0; t < ntok; t++) {
            const int8_t *q = a.qs + t * cols;
            int64_t i = 0;
#if defined(__x86_64__)
            if (packed_simd()) i = lane_sums_avx2(q, nb * 8, lsA + t * nb * 8, lsB + t * nb * 8);  // both x86 levels have AVX2
#endif
            for (; i < nb * 8; i++) {
                const int32_t sum = q[4 * i] + q[4 * i + 1] + q[4 * i + 2] + q[4 * i + 3];
                lsA[t * nb * 8 + i] = -8 * sum;
                lsB[t * nb * 8 + i] = -128 * sum;
            }
        }
    }

    pk_ctx c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.simd = packed_simd();
    c.block_order = block_order != 0;
    c.nb = nb;
    c.ntok = ntok;
    c.gb = kq ? (size_t)nb * tk_pkk_sb_bytes(type) : group_bytes(type, c.nb);
    c.a = &a;
    c.lsA = lsA;
    c.lsB = lsB;
    c.raw = raw;
    c.raw_row_bytes = raw ? (size_t)(cols / tk_type_block_elems(type) * tk_type_block_bytes(type)) : 0;
    c.cols = cols;
    atomic_init(&c.failed, 0);
    int64_t total_groups = 0;
    for (int m = 0; m < nmat; m++) {
        c.Pm[m] = P[m];
        c.Ym[m] = Y[m];
        c.rowsm[m] = rows[m];
        c.ngroupsm[m] = (rows[m] + PR - 1) / PR;
        total_groups += c.ngroupsm[m];
    }
    const int nth = tk_pool_size(pool);
    int64_t gpi = (int64_t)((ntok == 1 ? DECODE_ITEM_BYTES : ITEM_BYTES) / c.gb);
    if (gpi < 1) gpi = 1;
    const int64_t balance = (total_groups + 4 * nth - 1) / (4 * nth);  // >= 4 items per thread
    if (nth > 1 && gpi > balance) gpi = balance;
    if (gpi < 1) gpi = 1;
    c.groups_per_item = gpi;
    c.item0[0] = 0;
    for (int m = 0; m < nmat; m++) c.item0[m + 1] = c.item0[m] + (c.ngroupsm[m] + gpi - 1) / gpi;
    c.n_gitems = c.item0[nmat];
    // Products through the K-quant tile (vecdot_packed_k_tile.c) unpack each group once per item:
    // longer token chunks amortize that (2816 x 1024 x 512 tokens, 1 thread: Q5_K 5.2-5.4 -> 4.7-4.8
    // ms at 256 tokens, Q6_K 5.4 -> 5.15-5.23; Q4_K, which does not use the tile, is unchanged).
    c.tok_chunk = kq && tile_product(c.simd, type, c.block_order) ? TILE_TOK_CHUNK : TOK_CHUNK;
    c.n_items = c.n_gitems * ((ntok + c.tok_chunk - 1) / c.tok_chunk);
    // One run of items per pool index when there is one token chunk (decoding, short prompts);
    // with several chunks one shared run keeps the threads on the same groups at the same time
    // (they share the weight reads in L3).
    tk_runs_init(&c.runs, c.n_items, c.n_items == c.n_gitems ? nth : 1);
    tk_pool_run(nth > 1 ? pool : NULL, pk_task, &c);
    return atomic_load(&c.failed) ? -1 : 0;
}
