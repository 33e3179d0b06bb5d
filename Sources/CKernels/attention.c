// attention.c: causal grouped-query attention of a chunk of query tokens over a KV cache, one
// (token, head) pair per job on the pool; chunks of several tokens go to attention_blocked.c,
// which computes the same floats. Keys/values are f32 or f16 (converted on the fly with
// F16C/AVX-512 where the CPU has them). With an f16 cache the query and the attention weights
// are rounded to f16 first, as llama.cpp's f16 matrix products do, so logits track llama.cpp.
#include "tk_internal.h"
#include "hsum512.h"
#include "hsum256.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct {
    float *out; const float *q; const void *k; const void *v;
    int64_t ntok, n_head, n_head_kv, head_dim, pos0, kv_stride, kv_f16;
    float scale; float *scratch; int64_t scratch_stride;
} attn_ctx;

// ---- dot(q, k_row) and out += p * v_row, per storage type and ISA ----
static float dot_f32(const float *q, const float *k, int64_t n) {
    float s = 0.0f;
    for (int64_t d = 0; d < n; d++) s += q[d] * k[d];
    return s;
}
static void axpy_f32(float *o, float p, const float *v, int64_t n) {
    for (int64_t d = 0; d < n; d++) o[d] += p * v[d];
}
static float dot_f16(const float *q, const uint16_t *k, int64_t n) {
    float s = 0.0f;
    for (int64_t d = 0; d < n; d++) s += q[d] * tk_f16_to_f32(k[d]);
    return s;
}
static void axpy_f16(float *o, float p, const uint16_t *v, int64_t n) {
    for (int64_t d = 0; d < n; d++) o[d] += p * tk_f16_to_f32(v[d]);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
static float dot_f16_avx512(const float *q, const uint16_t *k, int64_t n) {
    __m512 acc = _mm512_setzero_ps();
    int64_t d = 0;
    for (; d + 16 <= n; d += 16)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k + d))), acc);
    float s = hsum16(acc);  // the tree every attention path uses (hsum512.h)
    for (; d < n; d++) s += q[d] * tk_f16_to_f32(k[d]);
    return s;
}
__attribute__((target("avx512f")))
static void axpy_f16_avx512(float *o, float p, const uint16_t *v, int64_t n) {
    const __m512 pp = _mm512_set1_ps(p);
    int64_t d = 0;
    for (; d + 16 <= n; d += 16)
        _mm512_storeu_ps(o + d, _mm512_fmadd_ps(pp, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + d))), _mm512_loadu_ps(o + d)));
    for (; d < n; d++) o[d] += p * tk_f16_to_f32(v[d]);
}
__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
static float dot_f32_avx512(const float *q, const float *k, int64_t n) {
    __m512 acc = _mm512_setzero_ps();
    int64_t d = 0;
    for (; d + 16 <= n; d += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), _mm512_loadu_ps(k + d), acc);
    float s = hsum16(acc);  // the tree every attention path uses (hsum512.h)
    for (; d < n; d++) s += q[d] * k[d];
    return s;
}
__attribute__((target("avx512f")))
static void axpy_f32_avx512(float *o, float p, const float *v, int64_t n) {
    const __m512 pp = _mm512_set1_ps(p);
    int64_t d = 0;
    for (; d + 16 <= n; d += 16) _mm512_storeu_ps(o + d, _mm512_fmadd_ps(pp, _mm512_loadu_ps(v + d), _mm512_loadu_ps(o + d)));
    for (; d < n; d++) o[d] += p * v[d];
}
__attribute__((target("avx2,fma,f16c")))
static float dot_f16_avx2(const float *q, const uint16_t *k, int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    int64_t d = 0;
    for (; d + 8 <= n; d += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + d))), acc);
    float s = hsum8_1(acc);  // hsum256.h: the tree the blocked and decode paths reproduce
    for (; d < n; d++) s += q[d] * tk_f16_to_f32(k[d]);
    return s;
}
__attribute__((target("avx2,fma,f16c")))
static void axpy_f16_avx2(float *o, float p, const uint16_t *v, int64_t n) {
    const __m256 pp = _mm256_set1_ps(p);
    int64_t d = 0;
    for (; d + 8 <= n; d += 8)
        _mm256_storeu_ps(o + d, _mm256_fmadd_ps(pp, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + d))), _mm256_loadu_ps(o + d)));
    for (; d < n; d++) o[d] += p * tk_f16_to_f32(v[d]);
}
#endif

typedef float (*dot_fn)(const float *, const void *, int64_t);
typedef void (*axpy_fn)(float *, float, const void *, int64_t);

static void pick(int f16, dot_fn *dot, axpy_fn *axpy) {
    const int feat = tk_cpu_features_active();
#if defined(__x86_64__)
    if (feat & 2) {
        *dot = f16 ? (dot_fn)dot_f16_avx512 : (dot_fn)dot_f32_avx512;
        *axpy = f16 ? (axpy_fn)axpy_f16_avx512 : (axpy_fn)axpy_f32_avx512;
        return;
    }
    if ((feat & 1) && f16) { *dot = (dot_fn)dot_f16_avx2; *axpy = (axpy_fn)axpy_f16_avx2; return; }
#endif
    (void)feat;
    *dot = f16 ? (dot_fn)dot_f16 : (dot_fn)dot_f32;
    *axpy = f16 ? (axpy_fn)axpy_f16 : (axpy_fn)axpy_f32;
}

static void attn_task(void *vctx, int ith, int nth) {
    const attn_ctx *c = (const attn_ctx *)vctx;
    const int64_t total = c->ntok * c->n_head, group = c->n_head / c->n_head_kv, hd = c->head_dim;
    const size_t esz = c->kv_f16 ? 2 : 4;
    const char *K = c->k, *V = c->v;
    float *s = c->scratch + (int64_t)ith * c->scratch_stride;
    dot_fn dot; axpy_fn axpy;
    pick((int)c->kv_f16, &dot, &axpy);
    float qr[512];
    for (int64_t job = ith; job < total; job += nth) {
        const int64_t t = job / c->n_head, h = job % c->n_head, hk = h / group;
        const int64_t n_kv = c->pos0 + t + 1;  // causal: positions 0 ... pos0+t
        const float *q = c->q + (t * c->n_head + h) * hd;
        if (c->kv_f16) {  // q and the probabilities meet an f16 cache rounded to f16, as in ggml
            memcpy(qr, q, sizeof(float) * (size_t)hd);
            tk_round_f16_row(qr, hd);
            q = qr;
        }
        for (int64_t j = 0; j < n_kv; j++)
            s[j] = dot(q, K + (size_t)(j * c->kv_stride + hk * hd) * esz, hd) * c->scale;
        tk_softmax(s, n_kv);
        if (c->kv_f16) tk_round_f16_row(s, n_kv);
        float *o = c->out + (t * c->n_head + h) * hd;
        memset(o, 0, sizeof(float) * (size_t)hd);
        for (int64_t j = 0; j < n_kv; j++) axpy(o, s[j], V + (size_t)(j * c->kv_stride + hk * hd) * esz, hd);
    }
}

void tk_attention(float *out, const float *q, const void *k_cache, const void *v_cache, int kv_f16,
                  int64_t ntok, int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t pos0,
                  float scale, float *scratch, int64_t scratch_stride, tk_pool *pool) {
    // Chunks of several query rows per KV head go through the tiled kernel (attention_blocked.c,
    // bit-identical to the loop below); single tokens and other CPUs take the per-row loop.
    if (ntok * (n_head / n_head_kv) >= TK_ATTN_BLOCK_ROWS &&
        tk_attention_blocked(out, q, k_cache, v_cache, kv_f16, ntok, n_head, n_head_kv, head_dim, pos0, scale, pool) == 0)
        return;
    attn_ctx c = { out, q, k_cache, v_cache, ntok, n_head, n_head_kv, head_dim, pos0,
                   n_head_kv * head_dim, kv_f16, scale, scratch, scratch_stride };
    tk_pool_run(pool, attn_task, &c);
}
