// ops.c: normalization, rotary embedding, softmax, SwiGLU and causal attention over a KV cache.
// f32 throughout; the compiler vectorizes the simple loops (-O3). Attention is in attention.c.
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
