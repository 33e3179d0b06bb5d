// ops.c: normalization, rotary embedding, softmax, SwiGLU and causal attention over a KV cache.
// f32 throughout; the compiler vectorizes the simple loops (-O3), softmax has an AVX-512 path
// (polynomial exp). Attention is in attention*.c.
#include "tk_internal.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
/// part[k] += x[i + k]^2 (double) for i = 0, 16, ... while i + 16 <= n; returns the first i left.
__attribute__((target("avx2,fma,f16c,avx512f,avx512dq")))
static int64_t sumsq16_avx512(const float *x, int64_t n, double *part) {
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512d x0 = _mm512_cvtps_pd(_mm256_loadu_ps(x + i)), x1 = _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8));
        a0 = _mm512_fmadd_pd(x0, x0, a0);  // the product of two floats is exact in double
        a1 = _mm512_fmadd_pd(x1, x1, a1);
    }
    _mm512_storeu_pd(part, a0);
    _mm512_storeu_pd(part + 8, a1);
    return i;
}
#endif

void tk_rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps) {
    // llama.cpp accumulates the sum of squares in double (ggml_float). 16 independent partial
    // sums (the compiler keeps them in vector registers) instead of one chain of n dependent
    // adds: a double sum of float squares is exact to ~1e-16 in any order, far below the float
    // rounding of the mean that follows.
    double part[16] = {0};
    int64_t i = 0;
#if defined(__x86_64__)
    if (tk_cpu_features_active() & TK_CPU_AVX512) i = sumsq16_avx512(x, n, part);  // the same 16 sums, 8 lanes x 2
#endif
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) part[k] += (double)x[i + k] * (double)x[i + k];
    double ss = 0.0;
    for (; i < n; i++) ss += (double)x[i] * (double)x[i];
    for (int k = 0; k < 16; k++) ss += part[k];
    const float scale = 1.0f / sqrtf((float)(ss / (double)n) + eps);
    if (w) for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale * w[i];
    else for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale;
}

void tk_rope(float *x, int64_t nheads, int64_t head_dim, int64_t n_rot, int64_t pos,
             float freq_base, float freq_scale, const float *freq_factors, int neox) {
    // cos/sin of each frequency once for every head (the same floats as per head)
    const float theta_scale = powf(freq_base, -2.0f / (float)n_rot);
    float theta = (float)pos;
    for (int64_t i = 0; i < n_rot / 2; i++) {
        const float ff = freq_factors ? freq_factors[i] : 1.0f;
        const float t = freq_scale * theta / ff;
        const float c = cosf(t), s = sinf(t);
        const int64_t a = neox ? i : 2 * i;
        const int64_t b = neox ? i + n_rot / 2 : 2 * i + 1;
        for (int64_t h = 0; h < nheads; h++) {
            float *v = x + h * head_dim;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
        }
        theta *= theta_scale;
    }
}

void tk_rope_cos_sin(float *cs, int64_t n_rot, int64_t pos, float freq_base, float freq_scale, const float *freq_factors) {
    // tk_rope's arithmetic exactly (the same theta sequence, the same cos/sin floats)
    const float theta_scale = powf(freq_base, -2.0f / (float)n_rot);
    const int64_t half = n_rot / 2;
    float theta = (float)pos;
    for (int64_t i = 0; i < half; i++) {
        const float ff = freq_factors ? freq_factors[i] : 1.0f;
        const float t = freq_scale * theta / ff;
        cs[i] = cosf(t);
        cs[half + i] = sinf(t);
        theta *= theta_scale;
    }
}

void tk_rope_apply(float *x, int64_t nheads, int64_t head_dim, int64_t n_rot, const float *cs, int neox) {
    const int64_t half = n_rot / 2;
    for (int64_t h = 0; h < nheads; h++) {
        float *v = x + h * head_dim;
        for (int64_t i = 0; i < half; i++) {
            const float c = cs[i], s = cs[half + i];
            const int64_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define SM_TGT __attribute__((target("avx2,fma,avx512f,avx512dq")))
/// exp of 16 lanes: the Cephes polynomial of grad_ops.c's fexp (~2 ulp), with fma.
SM_TGT static inline __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    const __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _mm512_set1_ps(12582912.0f));
    const __m512 n = _mm512_sub_ps(t, _mm512_set1_ps(12582912.0f));
    const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000)),
                                                         _mm512_set1_epi32(127)), 23);
    const __m512 r = _mm512_add_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f))),
                                   _mm512_mul_ps(n, _mm512_set1_ps(2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

/// Softmax of n >= 16 values: max, exp (exp16), sum in double per lane, scale.
SM_TGT static void softmax_avx512(float *x, int64_t n) {
    __m512 m = _mm512_loadu_ps(x);
    int64_t i = 16;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(x + i));
    float mx = _mm512_reduce_max_ps(m);
    for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    const __m512 mv = _mm512_set1_ps(mx);
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (i = 0; i + 16 <= n; i += 16) {
        const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), mv));
        _mm512_storeu_ps(x + i, e);
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1)));
    }
    double sum = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
    if (i < n) {  // the tail through the same exp16, masked
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mv));
        float t[16];
        _mm512_storeu_ps(t, e);
        for (int64_t j = 0; j < n - i; j++) { x[i + j] = t[j]; sum += t[j]; }
    }
    const __m512 inv = _mm512_set1_ps((float)(1.0 / sum));
    for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inv));
    for (; i < n; i++) x[i] *= (float)(1.0 / sum);
}
#endif

#if defined(__x86_64__)
static void softmax_avx2(float *x, int64_t n);
#endif

void tk_softmax(float *x, int64_t n) {
#if defined(__x86_64__)
    if (n >= 16 && (tk_cpu_features_active() & 2)) { softmax_avx512(x, n); return; }
    if (n >= 8 && (tk_cpu_features_active() & 1)) { softmax_avx2(x, n); return; }
#endif
    float mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) { x[i] = expf(x[i] - mx); sum += x[i]; }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

#if defined(__x86_64__)
// SiLU as ggml computes it on x86 (so logits track llama.cpp's): e^-x from the Arm
// optimized-routines expf (round x·log2 e to n, b = x - n·ln 2 in two steps, degree-5 polynomial,
// scale by 2^n with scalef, which also gives the 0/inf limits; |n| > 192 is set to 0 or inf
// outright), then x / (1 + e^-x), times up. AVX-512 only; elsewhere the scalar formula.
#define SW_TGT __attribute__((target("avx2,fma,avx512f")))
SW_TGT static inline __m512 swiglu16(__m512 g, __m512 u) {
    const __m512 x = _mm512_sub_ps(_mm512_setzero_ps(), g);
    const __m512 r = _mm512_set1_ps(0x1.8p23f);
    const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
    const __m512 n = _mm512_sub_ps(z, r);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __m512 b2 = _mm512_mul_ps(b, b);
    const __m512 hi = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), b2,
                                      _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f)));
    const __m512 p = _mm512_fmadd_ps(hi, b2, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
    __m512 e = _mm512_scalef_ps(p, n);
    const __mmask16 far = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
    if (far) e = _mm512_mask_blend_ps(far, e, _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ),
                                                                   _mm512_set1_ps(INFINITY), _mm512_setzero_ps()));
    return _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e)), u);
}

SW_TGT static void swiglu_avx512(float *out, const float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, swiglu16(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
    for (; i < n; i++) out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}
#endif

#if defined(__x86_64__)
// The same SiLU with AVX2 (ggml's ggml_v_expf for AVX2): 2^n built in the exponent bits, and
// for |n| > 126 the two-factor scaling (s1 * s2) that keeps the result finite where it should be.
#define SW2_TGT __attribute__((target("avx2,fma")))
SW2_TGT static inline __m256 expf8(__m256 x) {
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
    const __m256 n = _mm256_sub_ps(z, r);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
    const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(_mm256_set1_ps(1))));
    const __m256 an = _mm256_andnot_ps(_mm256_set1_ps(-0.f), n);
    const __m256 c = _mm256_cmp_ps(an, _mm256_set1_ps(126), _CMP_GT_OQ);
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                                                     _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
                                     u, _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b));
    if (!_mm256_movemask_ps(c)) return _mm256_fmadd_ps(j, k, k);
    const __m256i g = _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ)),
                                       _mm256_set1_epi32((int)0x82000000u));
    const __m256 s1 = _mm256_castsi256_ps(_mm256_add_epi32(g, _mm256_set1_epi32(0x7f000000)));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g));
    const __m256 d = _mm256_cmp_ps(an, _mm256_set1_ps(192), _CMP_GT_OQ);
    return _mm256_or_ps(_mm256_and_ps(d, _mm256_mul_ps(s1, s1)),
                        _mm256_andnot_ps(d, _mm256_or_ps(_mm256_and_ps(c, _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1)),
                                                         _mm256_andnot_ps(c, _mm256_fmadd_ps(k, j, k)))));
}

SW2_TGT static void swiglu_avx2(float *out, const float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 e = expf8(_mm256_sub_ps(_mm256_setzero_ps(), g));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

/// Softmax as softmax_avx512, 8 lanes at a time with expf8 (sum in double, one scale).
SW2_TGT static void softmax_avx2(float *x, int64_t n) {
    __m256 m = _mm256_loadu_ps(x);
    int64_t i = 8;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    float t[8];
    _mm256_storeu_ps(t, m);
    float mx = t[0];
    for (int l = 1; l < 8; l++) mx = t[l] > mx ? t[l] : mx;
    for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    const __m256 mv = _mm256_set1_ps(mx);
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 e = expf8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(x + i, e);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double d[4];
    _mm256_storeu_pd(d, _mm256_add_pd(s0, s1));
    double sum = (d[0] + d[1]) + (d[2] + d[3]);
    if (i < n) {  // the tail through the same expf8
        float in[8] = {0}, e[8];
        for (int64_t j = 0; j < n - i; j++) in[j] = x[i + j] - mx;
        _mm256_storeu_ps(e, expf8(_mm256_loadu_ps(in)));
        for (int64_t j = 0; j < n - i; j++) { x[i + j] = e[j]; sum += e[j]; }
    }
    const float inv = (float)(1.0 / sum);
    const __m256 iv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), iv));
    for (; i < n; i++) x[i] *= inv;
}
#endif

void tk_swiglu(float *out, const float *gate, const float *up, int64_t n) {
#if defined(__x86_64__)
    if (tk_cpu_features_active() & 2) { swiglu_avx512(out, gate, up, n); return; }
    if (tk_cpu_features_active() & 1) { swiglu_avx2(out, gate, up, n); return; }
#endif
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

#if defined(__x86_64__)
// Argmax 16 lanes at a time: each lane keeps its first maximum (strict >), then the largest value
// with the smallest index among the lanes, which is the first maximum of the row. A NaN anywhere
// sends the row to the scalar loop, whose comparisons define the answer then.
SW_TGT static int64_t argmax_avx512(const float *x, int64_t n) {
    __m512 best = _mm512_loadu_ps(x);
    __m512i bidx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), idx = bidx;
    const __m512i step = _mm512_set1_epi32(16);
    __mmask16 nan = _mm512_cmp_ps_mask(best, best, _CMP_UNORD_Q);
    int64_t i = 16;
    for (; i + 16 <= n; i += 16) {
        idx = _mm512_add_epi32(idx, step);
        const __m512 v = _mm512_loadu_ps(x + i);
        nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        const __mmask16 gt = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
        best = _mm512_mask_mov_ps(best, gt, v);
        bidx = _mm512_mask_mov_epi32(bidx, gt, idx);
    }
    if (nan) return -1;
    float bv[16];
    int32_t bi[16];
    _mm512_storeu_ps(bv, best);
    _mm512_storeu_si512(bi, bidx);
    int64_t r = bi[0];
    float m = bv[0];
    for (int l = 1; l < 16; l++)
        if (bv[l] > m || (bv[l] == m && bi[l] < r)) { m = bv[l]; r = bi[l]; }
    for (; i < n; i++) {
        if (x[i] != x[i]) return -1;
        if (x[i] > m) { m = x[i]; r = i; }
    }
    return r;
}
#endif

int64_t tk_argmax(const float *x, int64_t n) {
    if (n <= 0) return -1;
#if defined(__x86_64__)
    if (n >= 16 && n <= INT32_MAX && (tk_cpu_features_active() & 2)) {
        const int64_t r = argmax_avx512(x, n);
        if (r >= 0) return r;
    }
#endif
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}
