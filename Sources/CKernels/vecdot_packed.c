// vecdot_packed.c: Q4_0/Q4_1/Q8_0 weights repacked 16 rows at a time for integer matvec/matmul
// (decode and prefill). In the packed layout one zmm load holds the same 4 quant bytes of one
// block for 16 rows (lane = row), so vpdpbusd against the token's 4 activation bytes broadcast
// from memory gives each row's partial dot product in its own lane: the 16 outputs of a group
// come out in one register, with no horizontal sums and no shuffles, and the loads stream.
// Q4 high nibbles are taken as (w & 0xF0) = 16*hi into a second accumulator and shifted back
// (exact); Q8_0 is stored as w ^ 0x80 (= w + 128 as u8) and the 128*sum(y) term is the
// accumulator's initial value. Scales (f16) of a block's 16 rows are contiguous, so the float
// epilogue is one vcvtph2ps + fma per block and token, as ggml applies them: per block
// d_w*d_y*isum (+ m_w*s_y for Q4_1). Results equal tk_matmul's up to f32 summation order.
//
// Layout (per group of 16 rows, rows padded with zero blocks to a multiple of 16), 64-aligned:
//   quants: nb blocks x QB bytes: block b, chunk j (4 for Q4, 8 for Q8), lane L, byte k:
//           byte 4j+k of row L's block b (Q8_0: xor 0x80)
//   scales: nb blocks x SB bytes: d of the 16 rows (f16), then m of the 16 rows (Q4_1 only)
// Limits: the SIMD kernel needs AVX-512 VNNI; elsewhere a portable scalar loop runs (slow:
// callers should not pack unless tk_packed_preferred says so).
#include "tk_internal.h"
#include <stdatomic.h>
#include <stdlib.h>

#define PR 16                       // rows per group
#define TOK_CHUNK 64                // tokens per work item (prefill)
#define ITEM_BYTES (48 * 1024)      // packed weights per work item

static int qbytes(int type) { return type == TK_Q8_0 ? 512 : 256; }
static int sbytes(int type) { return type == TK_Q4_1 ? 64 : 32; }
static int packable(int type) { return type == TK_Q4_0 || type == TK_Q4_1 || type == TK_Q8_0; }

static size_t group_bytes(int type, int64_t nb) {
    return ((size_t)nb * (size_t)(qbytes(type) + sbytes(type)) + 63) & ~(size_t)63;
}

size_t tk_packed_bytes(int type, int64_t rows, int64_t cols) {
    if (!packable(type) || rows <= 0 || cols <= 0 || cols % QK != 0) return 0;
    return (size_t)((rows + PR - 1) / PR) * group_bytes(type, cols / QK);
}

int tk_packed_preferred(int type) {
    const int f = tk_cpu_features_active();
    return packable(type) && (f & TK_CPU_AVX512) && (f & TK_CPU_VNNI);
}

int tk_pack_weights(const void *W, int type, int64_t rows, int64_t cols, void *out) {
    const size_t total = tk_packed_bytes(type, rows, cols);
    if (!total) return -1;
    memset(out, 0, total);
    const int64_t nb = cols / QK, bb = tk_type_block_bytes(type);
    const int qb = qbytes(type), sb = sbytes(type), nq = type == TK_Q8_0 ? 32 : 16;
    const size_t gb = group_bytes(type, nb);
    for (int64_t r = 0; r < rows; r++) {
        uint8_t *G = (uint8_t *)out + (size_t)(r / PR) * gb, *S = G + nb * qb;
        const int L = (int)(r % PR);
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *src = (const uint8_t *)W + (size_t)(r * nb + b) * bb;
            const uint8_t *qs = src + (type == TK_Q4_1 ? 4 : 2);
            for (int i = 0; i < nq; i++) {
                const uint8_t v = type == TK_Q8_0 ? (uint8_t)(qs[i] ^ 0x80) : qs[i];
                G[b * qb + (i / 4) * 64 + L * 4 + (i % 4)] = v;
            }
            memcpy(S + b * sb + 2 * L, src, 2);                                     // d
            if (type == TK_Q4_1) memcpy(S + b * sb + 32 + 2 * L, src + 2, 2);      // m
        }
    }
    return 0;
}

/// Portable kernel: outputs of rows [0, nrows) of group G for tokens t0..t0+nt-1.
static void pk_generic(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                       float *Y, int64_t ldy, int nrows) {
    const int qb = qbytes(type), sb = sbytes(type), nq = type == TK_Q8_0 ? 32 : 16;
    const uint8_t *S = G + nb * qb;
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *d8 = a->d8 + (t0 + t) * a->nbr * 8;
        for (int L = 0; L < nrows; L++) {
            float acc = 0;
            for (int64_t b = 0; b < nb; b++) {
                int32_t is = 0;
                for (int i = 0; i < nq; i++) {
                    const uint8_t w = G[b * qb + (i / 4) * 64 + L * 4 + (i % 4)];
                    if (type == TK_Q8_0) is += (int32_t)(int8_t)(w ^ 0x80) * y[b * QK + i];
                    else is += ((w & 15) - (type == TK_Q4_0 ? 8 : 0)) * y[b * QK + i] +
                               ((w >> 4) - (type == TK_Q4_0 ? 8 : 0)) * y[b * QK + i + 16];
                }
                tk_half hd;
                memcpy(&hd, S + b * sb + 2 * L, 2);
                acc += tk_h2f(hd) * d8[b * 8] * (float)is;
                if (type == TK_Q4_1) {
                    tk_half hm;
                    memcpy(&hm, S + b * sb + 32 + 2 * L, 2);
                    acc += tk_h2f(hm) * a->s[(t0 + t) * a->nbr + b];
                }
            }
            Y[t * ldy + L] = acc;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AI __attribute__((always_inline)) inline

TGT static AI __m512i bcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/// 16 rows x NT tokens of Q4_0 (KIND 0) or Q4_1 (KIND 1).
TGT static AI void pk_q4(const uint8_t *G, int64_t nb, const tk_act *a, int64_t t0, const int NT, const int KIND,
                         float *Y, int64_t ldy, int nrows) {
    const uint8_t *S = G + nb * 256;
    const int sb = KIND == 1 ? 64 : 32;
    const int8_t *y[TK_NT];
    const float *d8[TK_NT], *s[TK_NT];
    const int32_t *ns[TK_NT];
    __m512 acc[TK_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        s[t] = KIND == 1 ? a->s + (t0 + t) * a->nbr : NULL;
        ns[t] = KIND == 0 ? a->nsum8 + (t0 + t) * a->nbr * 8 : NULL;
        acc[t] = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F), m4h = _mm512_set1_epi8((char)0xF0);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *Q = G + b * 256;
        __m512i lo[TK_NT], hi[TK_NT];
        for (int t = 0; t < NT; t++) {  // Q4_0: sum((q-8)*y) = sum(q*y) + 8*(-sum y)
            lo[t] = KIND == 0 ? _mm512_set1_epi32(ns[t][b * 8] * 8) : _mm512_setzero_si512();
            hi[t] = _mm512_setzero_si512();
        }
        for (int j = 0; j < 4; j++) {
            const __m512i w = _mm512_load_si512((const void *)(Q + 64 * j));
            const __m512i wl = _mm512_and_si512(w, m4), wh = _mm512_and_si512(w, m4h);
            for (int t = 0; t < NT; t++) {
                lo[t] = _mm512_dpbusd_epi32(lo[t], wl, bcast4(y[t] + b * QK + 4 * j));
                hi[t] = _mm512_dpbusd_epi32(hi[t], wh, bcast4(y[t] + b * QK + 16 + 4 * j));
            }
        }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(S + b * sb)));
        __m512 mv = _mm512_setzero_ps();
        if (KIND == 1) mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(S + b * sb + 32)));
        for (int t = 0; t < NT; t++) {
            const __m512i is = _mm512_add_epi32(lo[t], _mm512_srai_epi32(hi[t], 4));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is), _mm512_mul_ps(dv, _mm512_set1_ps(d8[t][b * 8])), acc[t]);
            if (KIND == 1) acc[t] = _mm512_fmadd_ps(mv, _mm512_set1_ps(s[t][b]), acc[t]);
        }
    }
    const __mmask16 k = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) _mm512_mask_storeu_ps(Y + t * ldy, k, acc[t]);
}

/// 16 rows x NT tokens of Q8_0 (stored as w + 128).
TGT static AI void pk_q8(const uint8_t *G, int64_t nb, const tk_act *a, int64_t t0, const int NT,
                         float *Y, int64_t ldy, int nrows) {
    const uint8_t *S = G + nb * 512;
    const int8_t *y[TK_NT];
    const float *d8[TK_NT];
    const int32_t *ns[TK_NT];
    __m512 acc[TK_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        ns[t] = a->nsum8 + (t0 + t) * a->nbr * 8;
        acc[t] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *Q = G + b * 512;
        __m512i i0[TK_NT], i1[TK_NT];
        for (int t = 0; t < NT; t++) {
            i0[t] = _mm512_set1_epi32(ns[t][b * 8] * 128);
            i1[t] = _mm512_setzero_si512();
        }
        for (int j = 0; j < 8; j += 2) {
            const __m512i w0 = _mm512_load_si512((const void *)(Q + 64 * j));
            const __m512i w1 = _mm512_load_si512((const void *)(Q + 64 * j + 64));
            for (int t = 0; t < NT; t++) {
                i0[t] = _mm512_dpbusd_epi32(i0[t], w0, bcast4(y[t] + b * QK + 4 * j));
                i1[t] = _mm512_dpbusd_epi32(i1[t], w1, bcast4(y[t] + b * QK + 4 * j + 4));
            }
        }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(S + b * 32)));
        for (int t = 0; t < NT; t++) {
            const __m512i is = _mm512_add_epi32(i0[t], i1[t]);
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is), _mm512_mul_ps(dv, _mm512_set1_ps(d8[t][b * 8])), acc[t]);
        }
    }
    const __mmask16 k = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) _mm512_mask_storeu_ps(Y + t * ldy, k, acc[t]);
}

#define PK_NT(call, NTV)                                                                           \
    switch (NTV) {                                                                                 \
    case 1: call(1); break;                                                                        \
    case 2: call(2); break;                                                                        \
    case 3: call(3); break;                                                                        \
    default: call(4); break;                                                                       \
    }

TGT static void pk_avx512(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                          float *Y, int64_t ldy, int nrows) {
#define C40(N) pk_q4(G, nb, a, t0, N, 0, Y, ldy, nrows)
#define C41(N) pk_q4(G, nb, a, t0, N, 1, Y, ldy, nrows)
#define C80(N) pk_q8(G, nb, a, t0, N, Y, ldy, nrows)
    if (type == TK_Q4_0) { PK_NT(C40, nt) }
    else if (type == TK_Q4_1) { PK_NT(C41, nt) }
    else { PK_NT(C80, nt) }
#undef C40
#undef C41
#undef C80
}
#endif

typedef struct {
    const uint8_t *P;
    int type, simd;
    int64_t rows, nb, ntok, ngroups, groups_per_item, n_gitems, n_items;
    size_t gb;
    const tk_act *a;
    float *Y;
    _Atomic int64_t next;
} pk_ctx;

static void pk_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    pk_ctx *c = vctx;
    for (;;) {
        const int64_t item = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
        if (item >= c->n_items) return;
        const int64_t tc = item / c->n_gitems, gi = item % c->n_gitems;
        const int64_t g0 = gi * c->groups_per_item;
        const int64_t g1 = g0 + c->groups_per_item < c->ngroups ? g0 + c->groups_per_item : c->ngroups;
        const int64_t t0 = tc * TOK_CHUNK, t1 = t0 + TOK_CHUNK < c->ntok ? t0 + TOK_CHUNK : c->ntok;
        for (int64_t g = g0; g < g1; g++) {
            const uint8_t *G = c->P + (size_t)g * c->gb;
            const int nrows = (int)(c->rows - g * PR < PR ? c->rows - g * PR : PR);
            for (int64_t t = t0; t < t1; t += TK_NT) {
                const int nt = (int)(t1 - t < TK_NT ? t1 - t : TK_NT);
                float *Y = c->Y + t * c->rows + g * PR;
#if defined(__x86_64__)
                if (c->simd) { pk_avx512(G, c->type, c->nb, c->a, t, nt, Y, c->rows, nrows); continue; }
#endif
                pk_generic(G, c->type, c->nb, c->a, t, nt, Y, c->rows, nrows);
            }
        }
    }
}

static _Thread_local struct { void *p; size_t n; } pk_scratch;

int tk_matmul_packed(const void *P, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                     float *Y, tk_pool *pool) {
    if (!tk_packed_bytes(type, rows, cols) || ntok < 0 || ((uintptr_t)P & 63)) return -1;
    if (ntok == 0) return 0;
    const int atype = tk_vec_dot_type(type);
    const size_t need = tk_act_bytes(atype, cols, ntok);
    if (need > pk_scratch.n) {
        free(pk_scratch.p);
        const size_t cap = ((need + need / 4 + 4096) + 63) & ~(size_t)63;
        pk_scratch.p = aligned_alloc(64, cap);
        pk_scratch.n = pk_scratch.p ? cap : 0;
        if (!pk_scratch.p) return -1;
    }
    tk_act a;
    tk_act_init(&a, atype, cols, ntok, pk_scratch.p);
    tk_act_quantize(&a, type, X, 0, ntok);

    pk_ctx c;
    memset(&c, 0, sizeof c);
    c.P = P;
    c.type = type;
    c.simd = tk_packed_preferred(type);
    c.rows = rows;
    c.nb = cols / QK;
    c.ntok = ntok;
    c.ngroups = (rows + PR - 1) / PR;
    c.gb = group_bytes(type, c.nb);
    c.a = &a;
    c.Y = Y;
    const int nth = tk_pool_size(pool);
    int64_t gpi = (int64_t)(ITEM_BYTES / c.gb);
    if (gpi < 1) gpi = 1;
    const int64_t balance = (c.ngroups + 4 * nth - 1) / (4 * nth);  // >= 4 items per thread
    if (nth > 1 && gpi > balance) gpi = balance;
    if (gpi < 1) gpi = 1;
    c.groups_per_item = gpi;
    c.n_gitems = (c.ngroups + gpi - 1) / gpi;
    c.n_items = c.n_gitems * ((ntok + TOK_CHUNK - 1) / TOK_CHUNK);
    atomic_init(&c.next, 0);
    tk_pool_run(nth > 1 ? pool : NULL, pk_task, &c);
    return 0;
}
