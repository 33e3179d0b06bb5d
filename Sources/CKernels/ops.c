// ops.c: normalization, rotary embedding, softmax, SwiGLU and causal attention over a KV cache.
// f32 throughout; the compiler vectorizes the simple loops (-O3). Attention threads over
// (token, head) pairs on the pool.
#include "ckernels.h"
#include <math.h>
#include <string.h>

void tk_rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps) {
    double ss = 0.0;  // llama.cpp accumulates the sum of squares in double (ggml_float)
    for (int64_t i = 0; i < n; i++) ss += (double)x[i] * (double)x[i];
    const float scale = 1.0f / sqrtf((float)(ss / (double)n) + eps);
    if (w) for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale * w[i];
    else for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale;
}

void tk_rope(float *x, int64_t nheads, int64_t head_dim, int64_t n_rot, int64_t pos,
             float freq_base, float freq_scale, const float *freq_factors, int neox) {
    const float theta_scale = powf(freq_base, -2.0f / (float)n_rot);
    for (int64_t h = 0; h < nheads; h++) {
        float *v = x + h * head_dim;
        float theta = (float)pos;
        for (int64_t i = 0; i < n_rot / 2; i++) {
            const float ff = freq_factors ? freq_factors[i] : 1.0f;
            const float t = freq_scale * theta / ff;
            const float c = cosf(t), s = sinf(t);
            const int64_t a = neox ? i : 2 * i;
            const int64_t b = neox ? i + n_rot / 2 : 2 * i + 1;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
            theta *= theta_scale;
        }
    }
}

void tk_softmax(float *x, int64_t n) {
    float mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) { x[i] = expf(x[i] - mx); sum += x[i]; }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

void tk_swiglu(float *out, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

void tk_add(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += x[i];
}

void tk_add_bias(float *y, const float *bias, int64_t ntok, int64_t n) {
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t i = 0; i < n; i++) y[t * n + i] += bias[i];
}

// ---- attention ----
typedef struct {
    float *out; const float *q; const void *k; const void *v;
    int64_t ntok, n_head, n_head_kv, head_dim, pos0, kv_stride, kv_f16;
    float scale; float *scratch; int64_t scratch_stride;
} attn_ctx;

static void attn_task(void *vctx, int ith, int nth) {
    const attn_ctx *c = (const attn_ctx *)vctx;
    const int64_t total = c->ntok * c->n_head;
    const int64_t group = c->n_head / c->n_head_kv;
    float *s = c->scratch + (int64_t)ith * c->scratch_stride;
    for (int64_t job = ith; job < total; job += nth) {
        const int64_t t = job / c->n_head, h = job % c->n_head, hk = h / group;
        const int64_t n_kv = c->pos0 + t + 1;  // causal: positions 0 ... pos0+t
        const float *q = c->q + (t * c->n_head + h) * c->head_dim;
        float qr[512];
        if (c->kv_f16 && c->head_dim <= 512) {
            // llama.cpp multiplies an f16 cache in f16: the query is rounded to f16 first
            for (int64_t d = 0; d < c->head_dim; d++) qr[d] = tk_f16_to_f32(tk_f32_to_f16(q[d]));
            q = qr;
        }
        for (int64_t j = 0; j < n_kv; j++) {
            const int64_t base = j * c->kv_stride + hk * c->head_dim;
            float dot = 0.0f;
            if (c->kv_f16) {
                const uint16_t *k = (const uint16_t *)c->k + base;
                for (int64_t d = 0; d < c->head_dim; d++) dot += q[d] * tk_f16_to_f32(k[d]);
            } else {
                const float *k = (const float *)c->k + base;
                for (int64_t d = 0; d < c->head_dim; d++) dot += q[d] * k[d];
            }
            s[j] = dot * c->scale;
        }
        tk_softmax(s, n_kv);
        if (c->kv_f16)  // ... and so are the attention weights before they multiply V
            for (int64_t j = 0; j < n_kv; j++) s[j] = tk_f16_to_f32(tk_f32_to_f16(s[j]));
        float *o = c->out + (t * c->n_head + h) * c->head_dim;
        memset(o, 0, sizeof(float) * (size_t)c->head_dim);
        for (int64_t j = 0; j < n_kv; j++) {
            const int64_t base = j * c->kv_stride + hk * c->head_dim;
            const float p = s[j];
            if (c->kv_f16) {
                const uint16_t *v = (const uint16_t *)c->v + base;
                for (int64_t d = 0; d < c->head_dim; d++) o[d] += p * tk_f16_to_f32(v[d]);
            } else {
                const float *v = (const float *)c->v + base;
                for (int64_t d = 0; d < c->head_dim; d++) o[d] += p * v[d];
            }
        }
    }
}

void tk_attention(float *out, const float *q, const void *k_cache, const void *v_cache, int kv_f16,
                  int64_t ntok, int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t pos0,
                  float scale, float *scratch, int64_t scratch_stride, tk_pool *pool) {
    attn_ctx c = { out, q, k_cache, v_cache, ntok, n_head, n_head_kv, head_dim, pos0,
                   n_head_kv * head_dim, kv_f16, scale, scratch, scratch_stride };
    tk_pool_run(pool, attn_task, &c);
}
