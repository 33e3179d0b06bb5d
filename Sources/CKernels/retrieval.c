// retrieval.c: kernels for the BERT encoder (LayerNorm, exact GELU, masked bidirectional
// attention) and vector search (SIMD dot products, L2 normalization). Work is split over a
// tk_pool by rows; the dot kernels pick AVX2+FMA at run time and fall back to portable C.
#include "ckernels_retrieval.h"
#include <math.h>
#include <string.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline void split(int64_t n, int ith, int nth, int64_t *lo, int64_t *hi) {
    int64_t per = (n + nth - 1) / nth;
    *lo = per * ith;
    *hi = *lo + per < n ? *lo + per : n;
    if (*lo > n) *lo = n;
}

// ---- dot products ----
static float dot_c(const float *a, const float *b, int64_t n) {
    float s[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) s[j] += a[i + j] * b[i + j];
    float t = (s[0] + s[4]) + (s[1] + s[5]) + (s[2] + s[6]) + (s[3] + s[7]);
    for (; i < n; i++) t += a[i] * b[i];
    return t;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static float dot_avx2(const float *a, const float *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    float t = _mm_cvtss_f32(h);
    for (; i < n; i++) t += a[i] * b[i];
    return t;
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static float dot_avx512(const float *a, const float *b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    float t = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < n; i++) t += a[i] * b[i];
    return t;
}
#endif

// ---- f32 x f16 dot products (HNSW traversal) ----
static float dot_f16_c(const float *a, const uint16_t *b, int64_t n) {
    float t = 0;
    for (int64_t i = 0; i < n; i++) t += a[i] * tk_f16_to_f32(b[i]);
    return t;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma,f16c,avx512f"))) static float dot_f16_avx512(const float *a, const uint16_t *b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(b + i))), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(b + i + 16))), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(b + i))), s0);
    float t = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < n; i++) t += a[i] * tk_f16_to_f32(b[i]);
    return t;
}
__attribute__((target("avx2,fma,f16c"))) static float dot_f16_avx2(const float *a, const uint16_t *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i))), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i + 8))), s1);
    }
    __m256 s = _mm256_add_ps(s0, s1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    float t = _mm_cvtss_f32(h);
    for (; i < n; i++) t += a[i] * tk_f16_to_f32(b[i]);
    return t;
}
#endif

float tk_dot_f32_f16(const float *a, const uint16_t *b, int64_t n) {
#if defined(__x86_64__)
    const int f = tk_cpu_features_active();
    if (f & 2) return dot_f16_avx512(a, b, n);
    if (f & 1) return dot_f16_avx2(a, b, n);
#endif
    return dot_f16_c(a, b, n);
}

float tk_dot_f32(const float *a, const float *b, int64_t n) {
#if defined(__x86_64__)
    int f = tk_cpu_features_active();
    if ((f & 2) && n >= 64) return dot_avx512(a, b, n);
    if (f & 1) return dot_avx2(a, b, n);
#endif
    return dot_c(a, b, n);
}

void tk_dot_rows_f32(float *out, const float *q, const float *X, int64_t n, int64_t dim) {
#if defined(__x86_64__)
    if (tk_cpu_features_active() & 1) {
        for (int64_t i = 0; i < n; i++) out[i] = dot_avx2(q, X + i * dim, dim);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++) out[i] = dot_c(q, X + i * dim, dim);
}

void tk_l2_normalize_rows(float *x, int64_t n, int64_t dim) {
    for (int64_t i = 0; i < n; i++) {
        float *r = x + i * dim;
        double s = 0;
        for (int64_t j = 0; j < dim; j++) s += (double)r[j] * r[j];
        float norm = (float)sqrt(s);
        float inv = 1.0f / (norm > 1e-12f ? norm : 1e-12f);
        for (int64_t j = 0; j < dim; j++) r[j] *= inv;
    }
}

// ---- pooled linear layer ----

typedef struct { float *Y; const float *X, *W, *bias; int64_t m, n, k; } lin_ctx;

static void lin_task(void *p, int ith, int nth) {
    lin_ctx *c = p;
    int64_t lo, hi;
    split(c->m, ith, nth, &lo, &hi);
    if (lo >= hi) return;
    tk_sgemm(0, 1, hi - lo, c->n, c->k, 1.0f, c->X + lo * c->k, c->k, c->W, c->k, 0.0f, c->Y + lo * c->n, c->n);
    if (c->bias) tk_add_bias(c->Y + lo * c->n, c->bias, hi - lo, c->n);
}

void tk_linear_pool(float *Y, const float *X, const float *W, const float *bias, int64_t m, int64_t n, int64_t k,
                    tk_pool *pool) {
    lin_ctx c = {Y, X, W, bias, m, n, k};
    if (!pool || tk_pool_size(pool) <= 1 || m < 16) { lin_task(&c, 0, 1); return; }
    tk_pool_run(pool, lin_task, &c);  // BLAS is single-threaded process-wide (blas.c)
}

// ---- LayerNorm ----
typedef struct { float *y; const float *x, *w, *b; int64_t ntok, n; float eps; } ln_ctx;

static void ln_task(void *p, int ith, int nth) {
    ln_ctx *c = p;
    int64_t lo, hi;
    split(c->ntok, ith, nth, &lo, &hi);
    for (int64_t t = lo; t < hi; t++) {
        const float *x = c->x + t * c->n;
        float *y = c->y + t * c->n;
        double mean = 0, var = 0;
        for (int64_t i = 0; i < c->n; i++) mean += x[i];
        mean /= (double)c->n;
        for (int64_t i = 0; i < c->n; i++) { double d = x[i] - mean; var += d * d; }
        var /= (double)c->n;
        float m = (float)mean, rstd = (float)(1.0 / sqrt(var + c->eps));
        for (int64_t i = 0; i < c->n; i++) y[i] = (x[i] - m) * rstd * c->w[i] + c->b[i];
    }
}

void tk_layernorm(float *y, const float *x, const float *w, const float *b, int64_t ntok, int64_t n, float eps,
                  tk_pool *pool) {
    ln_ctx c = {y, x, w, b, ntok, n, eps};
    tk_pool_run(ntok > 4 ? pool : NULL, ln_task, &c);
}

// ---- GELU ----
typedef struct { float *x; int64_t n; } gelu_ctx;

static void gelu_task(void *p, int ith, int nth) {
    gelu_ctx *c = p;
    int64_t lo, hi;
    split(c->n, ith, nth, &lo, &hi);
    const float r = 0.70710678118654752440f;
    for (int64_t i = lo; i < hi; i++) { float v = c->x[i]; c->x[i] = 0.5f * v * (1.0f + erff(v * r)); }
}

void tk_gelu_erf(float *x, int64_t n, tk_pool *pool) {
    gelu_ctx c = {x, n};
    tk_pool_run(n > 4096 ? pool : NULL, gelu_task, &c);
}

// ---- bidirectional attention over packed sequences ----
typedef struct {
    float *out; const float *q, *k, *v; int64_t ld, B, H, Dh; const int64_t *off; float scale;
} att_ctx;

static void att_task(void *p, int ith, int nth) {
    att_ctx *c = p;
    int64_t jobs = c->B * c->H, lo, hi;
    split(jobs, ith, nth, &lo, &hi);
    int64_t maxT = 1;
    for (int64_t b = 0; b < c->B; b++) if (c->off[b + 1] - c->off[b] > maxT) maxT = c->off[b + 1] - c->off[b];
    float *sc = malloc(sizeof(float) * (size_t)maxT);
    float *acc = malloc(sizeof(float) * (size_t)c->Dh);
    int64_t D = c->H * c->Dh;
    for (int64_t job = lo; job < hi; job++) {
        int64_t b = job / c->H, h = job % c->H;
        int64_t r0 = c->off[b], L = c->off[b + 1] - r0;
        for (int64_t i = 0; i < L; i++) {
            const float *qi = c->q + (r0 + i) * c->ld + h * c->Dh;
            float mx = -INFINITY;
            for (int64_t j = 0; j < L; j++) {
                sc[j] = tk_dot_f32(qi, c->k + (r0 + j) * c->ld + h * c->Dh, c->Dh) * c->scale;
                if (sc[j] > mx) mx = sc[j];
            }
            float sum = 0;
            for (int64_t j = 0; j < L; j++) { sc[j] = expf(sc[j] - mx); sum += sc[j]; }
            float inv = 1.0f / sum;
            memset(acc, 0, sizeof(float) * (size_t)c->Dh);
            for (int64_t j = 0; j < L; j++) {
                const float *vj = c->v + (r0 + j) * c->ld + h * c->Dh;
                float wgt = sc[j] * inv;
                for (int64_t d = 0; d < c->Dh; d++) acc[d] += wgt * vj[d];
            }
            memcpy(c->out + (r0 + i) * D + h * c->Dh, acc, sizeof(float) * (size_t)c->Dh);
        }
    }
    free(sc);
    free(acc);
}

void tk_bert_attention(float *out, const float *q, const float *k, const float *v, int64_t ld, int64_t B,
                       int64_t H, int64_t Dh, const int64_t *offsets, float scale, tk_pool *pool) {
    att_ctx c = {out, q, k, v, ld, B, H, Dh, offsets, scale};
    tk_pool_run(pool, att_task, &c);
}
