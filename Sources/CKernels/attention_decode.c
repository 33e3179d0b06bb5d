// attention_decode.c: attention of one new token per sequence (decoding; several sequences, each
// with its own KV cache, in one pool run). One job is one (sequence, KV head): every key and
// value row of that head is converted from f16 once and used by all the query heads that share
// it (grouped-query attention), the per-head output accumulators stay in registers across keys,
// and jobs of all sequences spread over the pool together. Rounding as the per-row path: with an
// f16 cache q and the probabilities are rounded to f16 (llama.cpp's f16 products); dot products
// and sums are those of the per-row path (hsum512.h), so results are bit-identical to it. AVX-512
// (f16 or f32 cache), or AVX2 with an f16 cache, with head_dim a multiple of 16 up to 128;
// otherwise each sequence runs tk_attention's per-row path.
#include "tk_internal.h"
#include "hsum512.h"
#include "hsum256.h"
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct {
    float *out; const float *q; const void *const *k; const void *const *v; const int64_t *n_kv;
    const void *const *k_next, *const *v_next;  // the next layer's caches to warm (NULL: none)
    int64_t nseq, n_head, n_head_kv, head_dim, kv_f16;
    float scale;
    _Atomic int64_t next;
    _Atomic int failed;
} adec_ctx;

static _Thread_local struct { float *p; size_t n; } adec_scratch;

/// This pool thread's score rows for gmax query heads over the longest cache (grown once);
/// NULL and c->failed set when out of memory.
static float *adec_scores_scratch(adec_ctx *c, int64_t gmax) {
    int64_t maxn = 0;
    for (int64_t s = 0; s < c->nseq; s++) maxn = c->n_kv[s] > maxn ? c->n_kv[s] : maxn;
    const size_t need = (size_t)(gmax * maxn);
    if (need > adec_scratch.n) {
        free(adec_scratch.p);
        adec_scratch.p = malloc(sizeof(float) * need);
        adec_scratch.n = adec_scratch.p ? need : 0;
        if (!adec_scratch.p) atomic_store(&c->failed, 1);
    }
    return adec_scratch.p;
}

/// Query heads h0..h0+gc-1 (all reading KV head hk) of sequence seq: the ISA-specific kernel.
typedef void (*adec_heads_fn)(const adec_ctx *c, int64_t seq, int64_t hk, int64_t h0, int64_t gc, float *S);

/// Takes (sequence, KV head) jobs until none is left; each runs its query heads gmax at a time.
static void adec_jobs(adec_ctx *c, int64_t gmax, adec_heads_fn heads) {
    const int64_t group = c->n_head / c->n_head_kv;
    float *S = adec_scores_scratch(c, gmax);
    if (!S) return;
    for (;;) {
        const int64_t job = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
        if (job >= c->nseq * c->n_head_kv) return;
        const int64_t seq = job / c->n_head_kv, hk = job % c->n_head_kv;
        for (int64_t h0 = hk * group; h0 < (hk + 1) * group; h0 += gmax)
            heads(c, seq, hk, h0, (hk + 1) * group - h0 < gmax ? (hk + 1) * group - h0 : gmax, S);
    }
}

#if defined(__x86_64__)
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#define AI __attribute__((always_inline)) inline

/// Prefetches the cache lines of one whole cache row (every KV head) of `bytes` bytes into L2
/// (past the cache's end is harmless: a prefetch never faults).
#define ADEC_AHEAD 32  // keys ahead
static AI void adec_prefetch_row(const char *p, int64_t bytes) {
    for (int64_t o = 0; o < bytes; o += 64) _mm_prefetch(p + o, _MM_HINT_T1);
    _mm_prefetch(p + bytes - 1, _MM_HINT_T1);
}

/// The next shares of the next layer's key and value rows (tk_attention_decode_warm), into L2.
static AI void adec_warm_share(tk_pf_walk *nk, tk_pf_walk *nv) {
    tk_pf_walk_next(nk);
    tk_pf_walk_next(nv);
    for (uintptr_t l = nk->lo; l < nk->hi; l += 64) _mm_prefetch((const char *)l, _MM_HINT_T1);
    for (uintptr_t l = nv->lo; l < nv->hi; l += 64) _mm_prefetch((const char *)l, _MM_HINT_T1);
}

TGT static AI __m512 load_row(const void *base, int64_t off, int f16) {
    return f16 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)base + off)))
               : _mm512_loadu_ps((const float *)base + off);
}

/// Query heads h0..h0+GC-1 (all reading KV head hk) of one token over n keys: scores into S
/// (GC rows of n), then softmax, then the outputs. HD16 = head_dim / 16.
TGT static AI void adec_heads(const adec_ctx *c, int64_t seq, int64_t hk, int64_t h0, const int GC, const int HD16, float *S) {
    const int64_t hd = c->head_dim, n = c->n_kv[seq], stride = c->n_head_kv * hd;
    const int f16 = (int)c->kv_f16;
    const void *K = c->k[seq], *V = c->v[seq];
    __m512 q[8][8];
    for (int g = 0; g < GC; g++) {
        const float *qs = c->q + (seq * c->n_head + h0 + g) * hd;
        for (int i = 0; i < HD16; i++) {
            __m512 x = _mm512_loadu_ps(qs + 16 * i);
            if (f16) x = _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            q[g][i] = x;
        }
    }
    // Scores 16 keys at a time: the keys converted to f32 once (kf, in L1), then per query head
    // 16 fma chains from zero and hsum16x16 (the same tree as hsum16, so the same floats).
    const __m512 vscale = _mm512_set1_ps(c->scale);
    // The cache rows are mostly not in cache (the weights stream through it between steps), and
    // a head's part of a row is 2 cache lines of every 6 (all KV heads interleaved): a plain
    // miss-per-load walk reaches ~5 GB/s. The first KV head's job fetches whole rows (so the
    // jobs of the other KV heads of this sequence find theirs in L2), the others their own part,
    // ADEC_AHEAD keys ahead into L2, and this block's values for the output pass. Measured
    // (scripts/bench_attention.c, 8 x 72 positions, caches cold): 2.8 -> 2.1 ms per step; T0 or
    // 16 keys ahead gave ~2.7.
    const int64_t eb = f16 ? 2 : 4, row_bytes = hk == 0 ? stride * eb : hd * eb;
    K = (const char *)K + hk * hd * eb;  // from here on K and V point at this KV head's part of row 0
    V = (const char *)V + hk * hd * eb;
    for (int64_t r = 0; r < ADEC_AHEAD && r < n; r++) adec_prefetch_row((const char *)K + r * stride * eb, row_bytes);
    // The next layer's rows of this sequence (this KV head's share of them, whole rows), spread
    // over this job's key blocks: they are read one layer later, after ~3 MB of weights have
    // passed through L2, and come back from L3 instead of memory.
    tk_pf_walk nk, nv;
    const int has_next = c->k_next && c->k_next[seq];
    const int64_t nblocks = n / 16 + 1;
    if (has_next) {
        const int64_t rb = stride * eb, r0 = (n - 1) * hk / c->n_head_kv, r1 = (n - 1) * (hk + 1) / c->n_head_kv;
        tk_pf_walk_init(&nk, (const char *)c->k_next[seq] + r0 * rb, (r1 - r0) * rb, nblocks);
        tk_pf_walk_init(&nv, (const char *)c->v_next[seq] + r0 * rb, (r1 - r0) * rb, nblocks);
    }
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        if (has_next) adec_warm_share(&nk, &nv);
        for (int r = 0; r < 16; r++) {
            adec_prefetch_row((const char *)K + (j + ADEC_AHEAD + r) * stride * eb, row_bytes);
            adec_prefetch_row((const char *)V + (j + r) * stride * eb, row_bytes);
        }
        __m512 kf[16][8];
        for (int r = 0; r < 16; r++)
            for (int i = 0; i < HD16; i++) kf[r][i] = load_row(K, (j + r) * stride + 16 * i, f16);
        for (int g = 0; g < GC; g++) {
            __m512 A[16];
            for (int r = 0; r < 16; r++) {
                __m512 acc = _mm512_setzero_ps();
                for (int i = 0; i < HD16; i++) acc = _mm512_fmadd_ps(q[g][i], kf[r][i], acc);
                A[r] = acc;
            }
            _mm512_storeu_ps(S + g * n + j, _mm512_mul_ps(hsum16x16(A), vscale));
        }
    }
    for (int64_t r = j; r < n; r++) adec_prefetch_row((const char *)V + r * stride * eb, row_bytes);
    if (has_next) adec_warm_share(&nk, &nv);  // the last share
    for (; j < n; j++) {
        __m512 k[8];
        for (int i = 0; i < HD16; i++) k[i] = load_row(K, j * stride + 16 * i, f16);
        for (int g = 0; g < GC; g++) {
            __m512 acc = _mm512_setzero_ps();  // as the per-row path: fma chain from zero, hsum512.h's tree
            for (int i = 0; i < HD16; i++) acc = _mm512_fmadd_ps(q[g][i], k[i], acc);
            S[g * n + j] = hsum16(acc) * c->scale;
        }
    }
    for (int g = 0; g < GC; g++) {
        tk_softmax(S + g * n, n);
        if (f16) tk_round_f16_row(S + g * n, n);
    }
    __m512 o[8][8];
    for (int g = 0; g < GC; g++)
        for (int i = 0; i < HD16; i++) o[g][i] = _mm512_setzero_ps();
    for (int64_t j = 0; j < n; j++) {
        __m512 v[8];
        for (int i = 0; i < HD16; i++) v[i] = load_row(V, j * stride + 16 * i, f16);
        for (int g = 0; g < GC; g++) {
            const __m512 p = _mm512_set1_ps(S[g * n + j]);
            for (int i = 0; i < HD16; i++) o[g][i] = _mm512_fmadd_ps(p, v[i], o[g][i]);
        }
    }
    for (int g = 0; g < GC; g++) {
        float *os = c->out + (seq * c->n_head + h0 + g) * hd;
        for (int i = 0; i < HD16; i++) _mm512_storeu_ps(os + 16 * i, o[g][i]);
    }
}

#define ADEC_GC(HD16, GC) adec_heads(c, seq, hk, h0, GC, HD16, S)
#define ADEC_HD(HD16)                                                                               \
    do {                                                                                            \
        switch (gc) {                                                                               \
        case 1: ADEC_GC(HD16, 1); break; case 2: ADEC_GC(HD16, 2); break;                           \
        case 3: ADEC_GC(HD16, 3); break; case 4: ADEC_GC(HD16, 4); break;                           \
        case 5: ADEC_GC(HD16, 5); break; default: ADEC_GC(HD16, 6); break;                          \
        }                                                                                           \
    } while (0)

TGT static void adec_heads512(const adec_ctx *c, int64_t seq, int64_t hk, int64_t h0, int64_t gc, float *S) {
    switch (c->head_dim / 16) {
    case 1: ADEC_HD(1); break; case 2: ADEC_HD(2); break; case 3: ADEC_HD(3); break;
    case 4: ADEC_HD(4); break; case 5: ADEC_HD(5); break; case 6: ADEC_HD(6); break;
    case 7: ADEC_HD(7); break; default: ADEC_HD(8); break;
    }
}

static void adec_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    adec_ctx *c = vctx;
    const int64_t hd16 = c->head_dim / 16;
    const int64_t gmax = 20 / hd16 < 1 ? 1 : 20 / hd16 < 6 ? 20 / hd16 : 6;  // query heads per pass: q, outputs in registers
    adec_jobs(c, gmax, adec_heads512);
}

// AVX2 (f16 cache): the same jobs with 8-lane vectors, bit-identical to the per-row path's
// dot_f16_avx2 / axpy_f16_avx2 (attention.c): per head one fma chain from zero over the
// head's dims and that function's horizontal sum (hsum256.h, 8 keys at once by hsum8x8);
// outputs accumulated from zero key by key. Each key row is converted once for all the query
// heads that share it. The rows are strided (all KV heads interleaved) and mostly in memory:
// the scores pass fetches keys ADEC2_AHEAD ahead into L1 and every value row it passes into L2,
// and the first KV head's job whole rows, so the output pass and the other KV heads' jobs find
// theirs in cache. In the default model's batched step (8 sequences, 1 thread, Zen 3) this
// kernel's time fell from 0.27-0.30 to 0.25-0.27 of the block matmuls'; warming the next
// layer's rows as the AVX-512 kernel does made it 0.31-0.43 (docs/PERFORMANCE.md "Session 15").
#define TGT2 __attribute__((target("avx2,fma,f16c")))
#define ADEC2_AHEAD 16  // keys ahead to prefetch (a prefetch past the cache's end is harmless)

/// Every cache line of `bytes` bytes from r (a head's part of a row, or a whole row).
TGT2 static AI void adec2_prefetch(const uint16_t *r, int64_t bytes, int t0) {
    const char *p = (const char *)r;
    for (int64_t o = 0; o < bytes; o += 64) {
        if (t0) _mm_prefetch(p + o, _MM_HINT_T0);
        else _mm_prefetch(p + o, _MM_HINT_T1);
    }
    if (t0) _mm_prefetch(p + bytes - 1, _MM_HINT_T0);
    else _mm_prefetch(p + bytes - 1, _MM_HINT_T1);
}

/// Outputs of GC heads for dims d..d+8*NV-1: o = sum over keys in order of p * V, from zero.
TGT2 static AI void adec2_out(const uint16_t *V, int64_t stride, int64_t n, const float *S, const int GC, const int NV,
                              int64_t d, float *const *os) {
    __m256 o[6][4];
    for (int g = 0; g < GC; g++)
        for (int i = 0; i < NV; i++) o[g][i] = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j++) {
        const uint16_t *vr = V + j * stride + d;
        __m256 v[4];
        for (int i = 0; i < NV; i++) v[i] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vr + 8 * i)));
        for (int g = 0; g < GC; g++) {
            const __m256 p = _mm256_set1_ps(S[g * n + j]);
            for (int i = 0; i < NV; i++) o[g][i] = _mm256_fmadd_ps(p, v[i], o[g][i]);
        }
    }
    for (int g = 0; g < GC; g++)
        for (int i = 0; i < NV; i++) _mm256_storeu_ps(os[g] + d + 8 * i, o[g][i]);
}

/// One key row kr against GC query heads: per head one 8-lane fma chain from zero over hd dims
/// (dot_f16_avx2's), the key converted once for all of them.
TGT2 static AI void adec2_chains(const uint16_t *kr, const float (*qr)[128], const int GC, int64_t hd, __m256 *acc) {
    for (int g = 0; g < GC; g++) acc[g] = _mm256_setzero_ps();
    for (int64_t d = 0; d < hd; d += 8) {
        const __m256 kv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kr + d)));
        for (int g = 0; g < GC; g++) acc[g] = _mm256_fmadd_ps(_mm256_load_ps(qr[g] + d), kv, acc[g]);
    }
}

TGT2 static AI void adec2_heads(const adec_ctx *c, int64_t seq, int64_t hk, int64_t h0, const int GC, float *S) {
    const int64_t hd = c->head_dim, n = c->n_kv[seq], stride = c->n_head_kv * hd;
    const uint16_t *K = (const uint16_t *)c->k[seq] + hk * hd, *V = (const uint16_t *)c->v[seq] + hk * hd;
    _Alignas(32) float qr[6][128];
    for (int g = 0; g < GC; g++) {  // q meets the f16 cache rounded to f16, as in the per-row path
        memcpy(qr[g], c->q + (seq * c->n_head + h0 + g) * hd, sizeof(float) * (size_t)hd);
        tk_round_f16_row(qr[g], hd);
    }
    // The first KV head's job fetches whole rows (the jobs of a sequence's other KV heads, taken
    // next, then find theirs in L2), the others their own part.
    const int64_t rowb = hk == 0 ? stride * 2 : hd * 2;
    for (int64_t r = 0; r < ADEC2_AHEAD && r < n; r++) adec2_prefetch(K + r * stride, rowb, 1);
    _Alignas(32) float T[6][8][8];  // per head, 8 keys' fma chains, for hsum8x8
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int r = 0; r < 8; r++) {
            adec2_prefetch(K + (j + ADEC2_AHEAD + r) * stride, rowb, 1);
            adec2_prefetch(V + (j + r) * stride, rowb, 0);
        }
        for (int r = 0; r < 8; r++) {
            __m256 acc[6];
            adec2_chains(K + (j + r) * stride, qr, GC, hd, acc);
            for (int g = 0; g < GC; g++) _mm256_store_ps(T[g][r], acc[g]);
        }
        for (int g = 0; g < GC; g++) {
            __m256 A[8];
            for (int r = 0; r < 8; r++) A[r] = _mm256_load_ps(T[g][r]);
            _mm256_storeu_ps(S + g * n + j, _mm256_mul_ps(hsum8x8(A), _mm256_set1_ps(c->scale)));
        }
    }
    for (; j < n; j++) {
        adec2_prefetch(V + j * stride, rowb, 0);
        __m256 acc[6];
        adec2_chains(K + j * stride, qr, GC, hd, acc);
        for (int g = 0; g < GC; g++) S[g * n + j] = hsum8_1(acc[g]) * c->scale;
    }
    for (int g = 0; g < GC; g++) {
        tk_softmax(S + g * n, n);
        tk_round_f16_row(S + g * n, n);
    }
    float *os[6];
    for (int g = 0; g < GC; g++) os[g] = c->out + (seq * c->n_head + h0 + g) * hd;
    // 32 dims of up to 3 heads at a time (12 accumulators), else 16 dims: outputs in registers
    int64_t d = 0;
    if (GC <= 3)
        for (; d + 32 <= hd; d += 32) adec2_out(V, stride, n, S, GC, 4, d, os);
    for (; d < hd; d += 16) adec2_out(V, stride, n, S, GC, 2, d, os);
}

TGT2 static void adec2_heads_n(const adec_ctx *c, int64_t seq, int64_t hk, int64_t h0, int64_t gc, float *S) {
    switch (gc) {
    case 1: adec2_heads(c, seq, hk, h0, 1, S); break;
    case 2: adec2_heads(c, seq, hk, h0, 2, S); break;
    case 3: adec2_heads(c, seq, hk, h0, 3, S); break;
    case 4: adec2_heads(c, seq, hk, h0, 4, S); break;
    case 5: adec2_heads(c, seq, hk, h0, 5, S); break;
    default: adec2_heads(c, seq, hk, h0, 6, S); break;
    }
}

static void adec2_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    adec_jobs(vctx, 6, adec2_heads_n);
}
#endif

int tk_attention_decode(float *out, const float *q, const void *const *k_caches, const void *const *v_caches,
                        const int64_t *n_kv, int64_t nseq, int kv_f16, int64_t n_head, int64_t n_head_kv,
                        int64_t head_dim, float scale, tk_pool *pool) {
    return tk_attention_decode_warm(out, q, k_caches, v_caches, NULL, NULL, n_kv, nseq, kv_f16, n_head, n_head_kv,
                                    head_dim, scale, pool);
}

int tk_attention_decode_warm(float *out, const float *q, const void *const *k_caches, const void *const *v_caches,
                             const void *const *k_next, const void *const *v_next, const int64_t *n_kv, int64_t nseq,
                             int kv_f16, int64_t n_head, int64_t n_head_kv, int64_t head_dim, float scale, tk_pool *pool) {
#if defined(__x86_64__)
    const int f = tk_cpu_features_active();
    const int shape = head_dim % 16 == 0 && head_dim >= 16 && head_dim <= 128 && n_head % n_head_kv == 0;
    void (*task)(void *, int, int) = !shape ? NULL : (f & TK_CPU_AVX512) ? adec_task : (f & TK_CPU_AVX2) && kv_f16 ? adec2_task : NULL;
    if (task) {
        adec_ctx c;
        memset(&c, 0, sizeof c);
        c.out = out; c.q = q; c.k = k_caches; c.v = v_caches; c.n_kv = n_kv;
        c.k_next = k_next && v_next ? k_next : NULL; c.v_next = k_next && v_next ? v_next : NULL;
        c.nseq = nseq; c.n_head = n_head; c.n_head_kv = n_head_kv; c.head_dim = head_dim; c.kv_f16 = kv_f16;
        c.scale = scale;
        atomic_init(&c.next, 0);
        atomic_init(&c.failed, 0);
        tk_pool_run(pool, task, &c);
        if (!atomic_load(&c.failed)) return 0;
    }
#endif
    return -1;
}
