// attention_blocked.c: causal grouped-query attention of a chunk of query tokens over a KV cache
// (prefill), tiled, with exactly the per-row path's arithmetic (attention.c): the same f16
// rounding of q and of the probabilities, each score a 16-lane fma chain over the head
// dimension summed by hsum512.h's tree and then scaled, tk_softmax per row, and each output an
// fma chain over the keys in order from zero. So chunked prefill, token-by-token decode and
// KV-cache reuse give bit-identical results. One job is one KV head and a tile of ABLK_T query
// tokens (rows: every query head of that KV head, token-major). Keys and values are converted
// to f32 into the thread's scratch about once per KV head (jobs are taken from an atomic counter
// KV head by KV head, heaviest tile first). Scores are computed by 64-key chunks held in L1, 16
// keys at a time with the tree applied to 16 chains at once, and outputs 4 rows at a time with
// their accumulators in registers. AVX-512, or AVX2 with an f16 cache, with
// head_dim a multiple of 16 up to 128; otherwise tk_attention runs its per-row path. Scratch:
// per pool thread, grown once.
#include "tk_internal.h"
#include "hsum512.h"
#include "hsum256.h"
#include <stdatomic.h>
#include <stdlib.h>

#define ABLK_T 16  // query tokens per job
#define PV_ROWS 4  // output rows per pass over the values
#define ABLK_KC 64 // keys per score chunk (16 KB of f32 keys at head_dim 64: stays in L1)

typedef struct {
    float *out; const float *q; const void *k, *v;
    int64_t ntok, n_head, n_head_kv, head_dim, pos0, kv_stride, kv_f16, n_tiles;
    float scale;
    int64_t gen;  // this call's number (ablk_calls), which the converted rows below are tagged with
    _Atomic int64_t next;
    _Atomic int failed;
} ablk_ctx;

static _Thread_local struct { float *p; size_t n; } ablk_scratch;
// Which keys and values this thread's scratch holds as f32: rows [0, n) of KV head hk, converted
// in call gen. Jobs are taken KV head by KV head, heaviest tile first, so a thread converts each
// head's rows about once per call instead of once per 16-token tile.
static _Thread_local struct { int64_t gen, hk, n; } ablk_rows = { -1, -1, 0 };
static _Atomic int64_t ablk_calls;

#if defined(__x86_64__)
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#define AI __attribute__((always_inline)) inline

/// Rows [0, n) of one KV head (row stride `stride` elements) as f32 (n, hd): exact.
static void load_rows(float *dst, const void *src, int64_t n, int64_t hd, int64_t stride, int f16) {
    for (int64_t j = 0; j < n; j++) {
        if (f16) tk_f16_to_f32_row((const uint16_t *)src + j * stride, dst + j * hd, hd);
        else memcpy(dst + j * hd, (const float *)src + j * stride, sizeof(float) * (size_t)hd);
    }
}

/// This pool thread's scratch for a job of c (grown once); NULL and c->failed set when out of memory.
static float *ablk_scratch_for(ablk_ctx *c) {
    const int64_t hd = c->head_dim, group = c->n_head / c->n_head_kv;
    const int64_t maxrows = ABLK_T * group, maxkeys = c->pos0 + c->ntok;
    const size_t need = (size_t)(2 * maxkeys * hd + maxrows * (maxkeys + hd) + 16);
    if (need > ablk_scratch.n) {
        free(ablk_scratch.p);
        ablk_scratch.p = malloc(sizeof(float) * need);
        ablk_scratch.n = ablk_scratch.p ? need : 0;
        ablk_rows.gen = -1;
        if (!ablk_scratch.p) atomic_store(&c->failed, 1);
    }
    return ablk_scratch.p;
}

/// One query row's scores over keys [0, n) of K (n, hd), and R (<= PV_ROWS) rows of outputs:
/// the ISA-specific halves of a tile (AVX-512 per head width, AVX2).
typedef void (*ablk_scores_fn)(const float *q, const float *K, int64_t n, int64_t hd, float scale, float *s);
/// Two rows' scores over the same keys (each score the same floats as ablk_scores_fn's); optional.
typedef void (*ablk_pair_fn)(const float *q0, const float *q1, const float *K, int64_t n, int64_t hd, float scale,
                             float *s0, float *s1);
/// Outputs run over keys [j0, j1): from zero when j0 == 0, else continuing the sums already in out.
typedef void (*ablk_outputs_fn)(const float *S, int64_t lds, const float *V, int64_t j0, int64_t j1, int R, int64_t hd,
                                float *const *out);

/// One job: the tile's keys and values as f32, then per row q rounded (f16 cache), scores,
/// softmax, probabilities rounded, zeros past the causal end; then outputs PV_ROWS rows at a time.
static void tile_run(ablk_ctx *c, int64_t tile_i, int64_t hk, float *K, float *V, float *Q, float *S,
                     ablk_scores_fn scores, ablk_pair_fn pair, ablk_outputs_fn outputs) {
    const int64_t hd = c->head_dim, group = c->n_head / c->n_head_kv, qld = c->n_head * hd;
    const size_t esz = c->kv_f16 ? 2 : 4;
    const int64_t t0 = tile_i * ABLK_T, nt = c->ntok - t0 < ABLK_T ? c->ntok - t0 : ABLK_T;
    const int64_t rows = nt * group, nk = c->pos0 + t0 + nt;
    const int64_t have = ablk_rows.gen == c->gen && ablk_rows.hk == hk ? ablk_rows.n : 0;
    if (nk > have) {  // rows this thread has not converted yet in this call
        const size_t off = (size_t)(have * c->kv_stride + hk * hd) * esz;
        load_rows(K + have * hd, (const char *)c->k + off, nk - have, hd, c->kv_stride, (int)c->kv_f16);
        load_rows(V + have * hd, (const char *)c->v + off, nk - have, hd, c->kv_stride, (int)c->kv_f16);
        ablk_rows.gen = c->gen;
        ablk_rows.hk = hk;
        ablk_rows.n = nk;
    }
    for (int64_t r = 0; r < rows; r++) {  // row r = token t0 + r / group, head hk*group + r % group
        float *qr = Q + r * hd;
        memcpy(qr, c->q + (t0 + r / group) * qld + (hk * group + r % group) * hd, sizeof(float) * (size_t)hd);
        if (c->kv_f16) tk_round_f16_row(qr, hd);
    }
    // Scores key chunk by key chunk, every row per chunk: the chunk's keys stay in L1 instead of
    // every row streaming all keys from L2. Each score is computed as before (the chunking only
    // changes which scores are computed when).
    // With `pair`, rows go two at a time over the keys they share (the later row's extra keys
    // alone), so each key load serves two rows.
    for (int64_t j0 = 0; j0 < nk; j0 += ABLK_KC)
        for (int64_t r = 0; r < rows; r += pair ? 2 : 1) {
            const int64_t n = c->pos0 + t0 + r / group + 1;  // causal
            const int64_t j1 = n < j0 + ABLK_KC ? n : j0 + ABLK_KC;
            if (pair && r + 1 < rows) {  // row r + 1 has at least row r's keys
                const int64_t nb = c->pos0 + t0 + (r + 1) / group + 1, jb = nb < j0 + ABLK_KC ? nb : j0 + ABLK_KC;
                const int64_t m = n > j0 ? j1 - j0 : 0;
                if (m > 0) pair(Q + r * hd, Q + (r + 1) * hd, K + j0 * hd, m, hd, c->scale, S + r * nk + j0, S + (r + 1) * nk + j0);
                if (jb > j0 + m) scores(Q + (r + 1) * hd, K + (j0 + m) * hd, jb - j0 - m, hd, c->scale, S + (r + 1) * nk + j0 + m);
                continue;
            }
            if (n <= j0) continue;
            scores(Q + r * hd, K + j0 * hd, j1 - j0, hd, c->scale, S + r * nk + j0);
        }
    for (int64_t r = 0; r < rows; r++) {
        float *s = S + r * nk;
        const int64_t n = c->pos0 + t0 + r / group + 1;
        tk_softmax(s, n);
        if (c->kv_f16) tk_round_f16_row(s, n);
        if (nk > n) memset(s + n, 0, sizeof(float) * (size_t)(nk - n));
    }
    // Outputs by the same key chunks (the chunk's values stay in L1); each output's fma chain
    // still runs over the keys in order, its partial sums kept in out between chunks.
    for (int64_t j0 = 0; j0 < nk; j0 += ABLK_KC)
        for (int64_t r0 = 0; r0 < rows; r0 += PV_ROWS) {
            const int R = (int)(rows - r0 < PV_ROWS ? rows - r0 : PV_ROWS);
            const int64_t nmax = c->pos0 + t0 + (r0 + R - 1) / group + 1;
            if (nmax <= j0) continue;
            float *out[PV_ROWS];
            for (int r = 0; r < R; r++) out[r] = c->out + (t0 + (r0 + r) / group) * qld + (hk * group + (r0 + r) % group) * hd;
            outputs(S + r0 * nk, nk, V, j0, nmax < j0 + ABLK_KC ? nmax : j0 + ABLK_KC, R, hd, out);
        }
}

/// Takes jobs (KV head by KV head, heaviest tile first) until none is left.
static void ablk_jobs(ablk_ctx *c, ablk_scores_fn scores, ablk_pair_fn pair, ablk_outputs_fn outputs) {
    const int64_t hd = c->head_dim, group = c->n_head / c->n_head_kv;
    const int64_t maxrows = ABLK_T * group, maxkeys = c->pos0 + c->ntok;
    float *K = ablk_scratch_for(c);
    if (!K) return;
    float *V = K + maxkeys * hd, *Q = V + maxkeys * hd, *S = Q + maxrows * hd;
    for (;;) {
        const int64_t job = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
        if (job >= c->n_tiles * c->n_head_kv) return;
        tile_run(c, c->n_tiles - 1 - job % c->n_tiles, job / c->n_tiles, K, V, Q, S, scores, pair, outputs);
    }
}

/// Scores of one query row q over keys [0, n) of K (n, 16*HD16): s[j] = tree(fma chain) * scale.
TGT static AI void scores_row(const float *q, const float *K, int64_t n, const int HD16, float scale, float *s) {
    __m512 qv[8];
    for (int i = 0; i < HD16; i++) qv[i] = _mm512_loadu_ps(q + 16 * i);
    const int64_t hd = 16 * HD16;
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 A[16];
        for (int k = 0; k < 16; k++) {
            const float *kr = K + (j + k) * hd;
            __m512 acc = _mm512_setzero_ps();
            for (int i = 0; i < HD16; i++) acc = _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(kr + 16 * i), acc);
            A[k] = acc;
        }
        _mm512_storeu_ps(s + j, _mm512_mul_ps(hsum16x16(A), _mm512_set1_ps(scale)));
    }
    for (; j < n; j++) {
        __m512 acc = _mm512_setzero_ps();
        for (int i = 0; i < HD16; i++) acc = _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(K + j * hd + 16 * i), acc);
        s[j] = hsum16(acc) * scale;
    }
}

/// Outputs of R rows: o_r = sum over j < n_r of p_r[j] * V[j], fma in key order from zero
/// (rows with fewer keys see p = 0 beyond them, which adds exact zeros); this call: keys [j0, j1).
TGT static AI void outputs_rows(const float *S, int64_t lds, const float *V, int64_t j0, int64_t j1, const int R,
                                const int HD16, float *const *out) {
    __m512 o[PV_ROWS][8];
    for (int r = 0; r < R; r++)
        for (int i = 0; i < HD16; i++) o[r][i] = j0 ? _mm512_loadu_ps(out[r] + 16 * i) : _mm512_setzero_ps();
    const int64_t hd = 16 * HD16;
    for (int64_t j = j0; j < j1; j++) {
        __m512 v[8];
        for (int i = 0; i < HD16; i++) v[i] = _mm512_loadu_ps(V + j * hd + 16 * i);
        for (int r = 0; r < R; r++) {
            const __m512 p = _mm512_set1_ps(S[r * lds + j]);
            for (int i = 0; i < HD16; i++) o[r][i] = _mm512_fmadd_ps(p, v[i], o[r][i]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int i = 0; i < HD16; i++) _mm512_storeu_ps(out[r] + 16 * i, o[r][i]);
}

#define ABLK_FNS(H)                                                                                  \
    TGT static void scores_##H(const float *q, const float *K, int64_t n, int64_t hd, float scale, float *s) { \
        (void)hd;                                                                                    \
        scores_row(q, K, n, H, scale, s);                                                            \
    }                                                                                                \
    TGT static void outputs_##H(const float *S, int64_t lds, const float *V, int64_t j0, int64_t j1, int R,     \
                                int64_t hd, float *const *out) {                                     \
        (void)hd;                                                                                    \
        switch (R) {                                                                                 \
        case 4: outputs_rows(S, lds, V, j0, j1, 4, H, out); break;                                   \
        case 3: outputs_rows(S, lds, V, j0, j1, 3, H, out); break;                                   \
        case 2: outputs_rows(S, lds, V, j0, j1, 2, H, out); break;                                   \
        default: outputs_rows(S, lds, V, j0, j1, 1, H, out); break;                                  \
        }                                                                                            \
    }
ABLK_FNS(1) ABLK_FNS(2) ABLK_FNS(3) ABLK_FNS(4) ABLK_FNS(5) ABLK_FNS(6) ABLK_FNS(7) ABLK_FNS(8)
#undef ABLK_FNS
static const ablk_scores_fn ablk_scores512[8] = { scores_1, scores_2, scores_3, scores_4, scores_5, scores_6, scores_7, scores_8 };
static const ablk_outputs_fn ablk_outputs512[8] = { outputs_1, outputs_2, outputs_3, outputs_4, outputs_5, outputs_6, outputs_7, outputs_8 };

static void ablk_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    ablk_ctx *c = vctx;
    ablk_jobs(c, ablk_scores512[c->head_dim / 16 - 1], NULL, ablk_outputs512[c->head_dim / 16 - 1]);
}

// AVX2 with an f16 cache: the same tiles with 8-lane vectors and the per-row AVX2 path's sums
// (attention.c dot_f16_avx2: one 8-lane fma chain, then hsum256.h's pairings), applied to 8 keys
// at once by hsum8x8; outputs 16 dims of 4 rows at a time.
#define TGT2 __attribute__((target("avx2,fma,f16c")))

TGT2 static AI void scores_row2(const float *q, const float *K, int64_t n, int64_t hd, float scale, float *s) {
    int64_t j = 0;
    const __m256 vs = _mm256_set1_ps(scale);
    for (; j + 8 <= n; j += 8) {
        __m256 A[8];
        for (int k = 0; k < 8; k++) {
            const float *kr = K + (j + k) * hd;
            __m256 acc = _mm256_setzero_ps();
            for (int64_t d = 0; d < hd; d += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(kr + d), acc);
            A[k] = acc;
        }
        _mm256_storeu_ps(s + j, _mm256_mul_ps(hsum8x8(A), vs));
    }
    for (; j < n; j++) {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t d = 0; d < hd; d += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(K + j * hd + d), acc);
        s[j] = hsum8_1(acc) * scale;
    }
}

/// Two rows' scores over n keys, 2 rows x 4 keys per pass over the head dimension (6 loads per 8
/// fmas instead of 16): each score the same fma chain and hsum8x8 sum as scores_row2's.
TGT2 static AI void scores_pair_rows2(const float *q0, const float *q1, const float *K, int64_t n, int64_t hd, float scale,
                                      float *s0, float *s1) {
    const __m256 vs = _mm256_set1_ps(scale);
    _Alignas(32) float T[2][8][8];
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int h = 0; h < 8; h += 4) {
            __m256 a0[4], a1[4];
            for (int k = 0; k < 4; k++) a0[k] = a1[k] = _mm256_setzero_ps();
            for (int64_t d = 0; d < hd; d += 8) {
                const __m256 x0 = _mm256_loadu_ps(q0 + d), x1 = _mm256_loadu_ps(q1 + d);
                for (int k = 0; k < 4; k++) {
                    const __m256 kv = _mm256_loadu_ps(K + (j + h + k) * hd + d);
                    a0[k] = _mm256_fmadd_ps(x0, kv, a0[k]);
                    a1[k] = _mm256_fmadd_ps(x1, kv, a1[k]);
                }
            }
            for (int k = 0; k < 4; k++) {
                _mm256_store_ps(T[0][h + k], a0[k]);
                _mm256_store_ps(T[1][h + k], a1[k]);
            }
        }
        for (int r = 0; r < 2; r++) {
            __m256 A[8];
            for (int k = 0; k < 8; k++) A[k] = _mm256_load_ps(T[r][k]);
            _mm256_storeu_ps((r ? s1 : s0) + j, _mm256_mul_ps(hsum8x8(A), vs));
        }
    }
    if (j < n) {
        scores_row2(q0, K + j * hd, n - j, hd, scale, s0 + j);
        scores_row2(q1, K + j * hd, n - j, hd, scale, s1 + j);
    }
}

TGT2 static AI void outputs_rows2(const float *S, int64_t lds, const float *V, int64_t j0, int64_t j1, const int R,
                                  int64_t hd, float *const *out) {
    for (int64_t d = 0; d < hd; d += 16) {
        __m256 o[PV_ROWS][2];
        for (int r = 0; r < R; r++) {
            o[r][0] = j0 ? _mm256_loadu_ps(out[r] + d) : _mm256_setzero_ps();
            o[r][1] = j0 ? _mm256_loadu_ps(out[r] + d + 8) : _mm256_setzero_ps();
        }
        for (int64_t j = j0; j < j1; j++) {
            const __m256 v0 = _mm256_loadu_ps(V + j * hd + d), v1 = _mm256_loadu_ps(V + j * hd + d + 8);
            for (int r = 0; r < R; r++) {
                const __m256 p = _mm256_set1_ps(S[r * lds + j]);
                o[r][0] = _mm256_fmadd_ps(p, v0, o[r][0]);
                o[r][1] = _mm256_fmadd_ps(p, v1, o[r][1]);
            }
        }
        for (int r = 0; r < R; r++) {
            _mm256_storeu_ps(out[r] + d, o[r][0]);
            _mm256_storeu_ps(out[r] + d + 8, o[r][1]);
        }
    }
}

TGT2 static void scores2(const float *q, const float *K, int64_t n, int64_t hd, float scale, float *s) {
    scores_row2(q, K, n, hd, scale, s);
}

TGT2 static void pair2(const float *q0, const float *q1, const float *K, int64_t n, int64_t hd, float scale, float *s0,
                       float *s1) {
    scores_pair_rows2(q0, q1, K, n, hd, scale, s0, s1);
}

TGT2 static void outputs2(const float *S, int64_t lds, const float *V, int64_t j0, int64_t j1, int R, int64_t hd,
                          float *const *out) {
    switch (R) {
    case 4: outputs_rows2(S, lds, V, j0, j1, 4, hd, out); break;
    case 3: outputs_rows2(S, lds, V, j0, j1, 3, hd, out); break;
    case 2: outputs_rows2(S, lds, V, j0, j1, 2, hd, out); break;
    default: outputs_rows2(S, lds, V, j0, j1, 1, hd, out); break;
    }
}

static void ablk2_task(void *vctx, int ith, int nth) {
    (void)ith;
    (void)nth;
    ablk_jobs(vctx, scores2, pair2, outputs2);
}
#endif

int tk_attention_blocked(float *out, const float *q, const void *k_cache, const void *v_cache, int kv_f16,
                         int64_t ntok, int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t pos0,
                         float scale, tk_pool *pool) {
#if defined(__x86_64__)
    const int f = tk_cpu_features_active();
    const int avx2 = !(f & TK_CPU_AVX512) && (f & TK_CPU_AVX2) && kv_f16;  // the per-row AVX2 path is f16 only
    if (!((f & TK_CPU_AVX512) || avx2) || head_dim % 16 != 0 || head_dim < 16 || head_dim > 128 ||
        n_head % n_head_kv != 0)
        return -1;
    ablk_ctx c;
    memset(&c, 0, sizeof c);
    c.out = out; c.q = q; c.k = k_cache; c.v = v_cache;
    c.ntok = ntok; c.n_head = n_head; c.n_head_kv = n_head_kv; c.head_dim = head_dim; c.pos0 = pos0;
    c.kv_stride = n_head_kv * head_dim; c.kv_f16 = kv_f16; c.scale = scale;
    c.n_tiles = (ntok + ABLK_T - 1) / ABLK_T;
    c.gen = atomic_fetch_add(&ablk_calls, 1);
    atomic_init(&c.next, 0);
    atomic_init(&c.failed, 0);
    tk_pool_run(pool, avx2 ? ablk2_task : ablk_task, &c);
    return atomic_load(&c.failed) ? -1 : 0;
#else
    (void)out; (void)q; (void)k_cache; (void)v_cache; (void)kv_f16; (void)ntok; (void)n_head; (void)n_head_kv;
    (void)head_dim; (void)pos0; (void)scale; (void)pool;
    return -1;
#endif
}
