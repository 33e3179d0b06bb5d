// quant_act.c: f32 activations -> 8-bit blocks, bit-exact with ggml's quantize_row_q8_0_ref,
// quantize_row_q8_1_ref and quantize_row_q8_K_ref; both in ggml's block layout (public API) and
// in the struct-of-arrays tk_act buffer tk_matmul dots against.
// Limits: scalar C (cost is O(cols) per token, small next to the matmul it feeds). FP contraction
// is off so products round as in ggml's reference build.
#include "tk_internal.h"
#include <math.h>
#include <stdlib.h>
#ifdef __clang__
#pragma clang fp contract(off)
#else
#pragma STDC FP_CONTRACT OFF
#endif

/// roundf (half away from zero) for |v| < 2^23, without a libm call.
static inline int round_away(float v) {
    int t = (int)v;
    float r = v - (float)t;  // exact
    return t + (r >= 0.5f) - (r <= -0.5f);
}

/// ggml's nearest_int: round half to even via the 1.5*2^23 trick (|v| < 2^22).
static inline int nearest_int(float v) {
    float val = v + 12582912.f;
    int32_t i;
    memcpy(&i, &val, 4);
    return (i & 0x007fffff) - 0x00400000;
}

/// One Q8_0/Q8_1 block: returns d = amax/127 (unrounded), writes qs, *sum = sum(qs).
static inline float q8_block(const float *x, int8_t *qs, int *sum) {
    float amax = 0.0f;
    for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127.f;
    // as llama.cpp's x86/ARM SIMD quantizers (which produce the logits people compare with):
    // id = 127/amax, round half to even; ggml's scalar _ref uses 1/d and roundf instead.
    const float id = amax != 0.0f ? 127.f / amax : 0.0f;
    int s = 0;
    for (int j = 0; j < QK; j++) {
        int q = nearest_int(x[j] * id);
        qs[j] = (int8_t)q;
        s += q;
    }
    *sum = s;
    return d;
}

/// The int16 start values of tk_act's off6 and off4: for each group of `group` quantized
/// activations (a multiple of 4), `mult` times the sum of those at 4c, 4c+1 (low int16) and at
/// 4c+2, 4c+3 (high), over n activations. The AVX2 kernels start a weight block's int16 maddubs
/// sums there instead of applying its offset apart; the adds wrap, but the final sums of
/// (q - offset) * qs over a pair lane fit int16, so they are exact. With |qs| <= 127: off6 (Q8_K,
/// 16-element sub-blocks, mult -32) and Q6_K sums reach 32 x 8 x 127 = 32512; off4 (Q8_0, 32-element
/// blocks, mult -8) and Q4_0 sums reach 8 x 16 x 127 = 16256.
void tk_pair_lane_starts(const int8_t *qs, int64_t n, int group, int mult, int32_t *off) {
    for (int64_t g = 0; g < n / group; g++) {
        int s0 = 0, s1 = 0;
        for (int c = 0; c < group / 4; c++) {
            const int8_t *q = qs + group * g + 4 * c;
            s0 += q[0] + q[1];
            s1 += q[2] + q[3];
        }
        off[g] = (int32_t)((uint32_t)(uint16_t)(int16_t)(mult * s0) | (uint32_t)(uint16_t)(int16_t)(mult * s1) << 16);
    }
}

/// One Q8_K block: returns d, writes qs and bsums.
static inline float q8k_block(const float *x, int8_t *qs, int16_t *bsums) {
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < QK_K; j++) {
        float ax = fabsf(x[j]);
        if (ax > amax) { amax = ax; max = x[j]; }
    }
    if (!amax) {
        memset(qs, 0, QK_K);
        memset(bsums, 0, 16 * sizeof(int16_t));
        return 0.0f;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < QK_K; j++) {
        int v = nearest_int(iscale * x[j]);
        qs[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (int g = 0; g < 16; g++) {
        int s = 0;
        for (int l = 0; l < 16; l++) s += qs[16 * g + l];
        bsums[g] = (int16_t)s;
    }
    return 1 / iscale;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT2 __attribute__((target("avx2,fma,f16c")))

TGT2 static inline float hmax8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

TGT2 static inline int hsum8i(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

/// 4 x 8 int32 -> 32 int8 in order (saturating; values are within [-127, 127]).
TGT2 static inline void pack32(const __m256i q[4], int8_t *out) {
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)out, p);
}

/// q8_block with AVX2; exact operations only, so results are identical.
TGT2 static float q8_block_avx2(const float *x, int8_t *qs, int *sum) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 v[4], m = _mm256_setzero_ps();
    for (int i = 0; i < 4; i++) {
        v[i] = _mm256_loadu_ps(x + 8 * i);
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[i]));
    }
    const float amax = hmax8(m);
    const float d = amax / 127.f;
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.f / amax : 0.0f);
    __m256i q[4], s = _mm256_setzero_si256();
    for (int i = 0; i < 4; i++) {  // round half to even, as llama.cpp's AVX2 quantizer
        const __m256 p = _mm256_mul_ps(v[i], id);
        q[i] = _mm256_cvtps_epi32(_mm256_round_ps(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        s = _mm256_add_epi32(s, q[i]);
    }
    pack32(q, qs);
    *sum = hsum8i(s);
    return d;
}

/// q8k_block with AVX2; identical results (cvtps_epi32 rounds half to even like nearest_int).
TGT2 static float q8k_block_avx2(const float *x, int8_t *qs, int16_t *bsums) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < QK_K; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
    const float amax = hmax8(m);
    if (!amax) {
        memset(qs, 0, QK_K);
        memset(bsums, 0, 16 * sizeof(int16_t));
        return 0.0f;
    }
    int j = 0;
    while (fabsf(x[j]) != amax) j++;  // first element of largest magnitude, as the scalar scan
    const __m256 is = _mm256_set1_ps(-127.f / x[j]);
    const __m256i lim = _mm256_set1_epi32(127);
    for (int i = 0; i < QK_K; i += 32) {
        __m256i q[4];
        for (int k = 0; k < 4; k++)
            q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8 * k), is)), lim);
        pack32(q, qs + i);
        bsums[i / 16] = (int16_t)hsum8i(_mm256_add_epi32(q[0], q[1]));
        bsums[i / 16 + 1] = (int16_t)hsum8i(_mm256_add_epi32(q[2], q[3]));
    }
    return 1 / (-127.f / x[j]);
}
#define TGT5 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))

/// q8_row_avx2 with 16-lane vectors: one block is 2 zmm; the same exact operations (max of |x|,
/// amax/127 and 127/amax, round half to even, int8), so the same values.
TGT5 static void q8_row_avx512(const float *x, int64_t nb, int8_t *qs, float *d8, int32_t *nsum8, float *s) {
    const __m512 sign = _mm512_set1_ps(-0.0f);
    for (int64_t b = 0; b < nb; b++) {
        const __m512 v0 = _mm512_loadu_ps(x + b * QK), v1 = _mm512_loadu_ps(x + b * QK + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign, v0), _mm512_andnot_ps(sign, v1)));
        const float d = amax / 127.f;
        const __m512 id = _mm512_set1_ps(amax != 0.0f ? 127.f / amax : 0.0f);
        const __m512i q0 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v0, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m512i q1 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v1, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        _mm_storeu_si128((__m128i *)(qs + b * QK), _mm512_cvtsepi32_epi8(q0));
        _mm_storeu_si128((__m128i *)(qs + b * QK + 16), _mm512_cvtsepi32_epi8(q1));
        const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        const float dr = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
        _mm256_storeu_ps(d8 + b * 8, _mm256_set1_ps(dr));
        if (nsum8) _mm256_storeu_si256((__m256i *)(nsum8 + b * 8), _mm256_set1_epi32(-sum));
        else s[b] = _cvtsh_ss(_cvtss_sh((float)sum * d, _MM_FROUND_TO_NEAREST_INT));
    }
}

/// q8k_block with 16-lane vectors (a Q8_K block is 16 zmm): the same exact operations (the first
/// element of largest magnitude found by a compare mask, products rounded half to even, 127 cap),
/// one group sum per vector, so the same values.
TGT5 static float q8k_block_avx512(const float *x, int8_t *qs, int16_t *bsums) {
    const __m512 sign = _mm512_set1_ps(-0.0f);
    __m512 m = _mm512_setzero_ps();
    for (int i = 0; i < QK_K; i += 16) m = _mm512_max_ps(m, _mm512_andnot_ps(sign, _mm512_loadu_ps(x + i)));
    const float amax = _mm512_reduce_max_ps(m);
    if (!amax) {
        memset(qs, 0, QK_K);
        memset(bsums, 0, 16 * sizeof(int16_t));
        return 0.0f;
    }
    int j = 0;
    const __m512 av = _mm512_set1_ps(amax);
    for (int i = 0; i < QK_K; i += 16) {  // the first element of largest magnitude, as the scalar scan
        const __mmask16 k = _mm512_cmp_ps_mask(_mm512_andnot_ps(sign, _mm512_loadu_ps(x + i)), av, _CMP_EQ_OQ);
        if (k) { j = i + __builtin_ctz(k); break; }
    }
    const __m512 is = _mm512_set1_ps(-127.f / x[j]);
    const __m512i lim = _mm512_set1_epi32(127);
    for (int g = 0; g < 16; g++) {
        const __m512i q = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + 16 * g), is)), lim);
        _mm_storeu_si128((__m128i *)(qs + 16 * g), _mm512_cvtsepi32_epi8(q));
        bsums[g] = (int16_t)_mm512_reduce_add_epi32(q);
    }
    return 1 / (-127.f / x[j]);
}

/// One token's row of Q8_0/Q8_1 blocks into the tk_act arrays (the tk_act_quantize loop below
/// with q8_block_avx2), scales rounded through f16 with F16C inline instead of two calls per
/// block: the same values (F16C rounds to nearest even, as tk_f32_to_f16).
TGT2 static void q8_row_avx2(const float *x, int64_t nb, int8_t *qs, float *d8, int32_t *nsum8, float *s) {
    for (int64_t b = 0; b < nb; b++) {
        int sum;
        const float d = q8_block_avx2(x + b * QK, qs + b * QK, &sum);
        const float dr = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
        _mm256_storeu_ps(d8 + b * 8, _mm256_set1_ps(dr));
        if (nsum8) _mm256_storeu_si256((__m256i *)(nsum8 + b * 8), _mm256_set1_epi32(-sum));
        else s[b] = _cvtsh_ss(_cvtss_sh((float)sum * d, _MM_FROUND_TO_NEAREST_INT));
    }
}
#endif

/// Block quantizers for the CPU at hand.
typedef float (*q8_fn)(const float *, int8_t *, int *);
typedef float (*q8k_fn)(const float *, int8_t *, int16_t *);
static void pick(q8_fn *f, q8k_fn *fk) {
    *f = q8_block;
    *fk = q8k_block;
#if defined(__x86_64__)
    if (tk_cpu_features_active() & TK_CPU_AVX2) {
        *f = q8_block_avx2;
        *fk = q8k_block_avx2;
    }
    if (tk_cpu_features_active() & TK_CPU_AVX512) *fk = q8k_block_avx512;
#endif
}

void tk_quantize_row_q8_0(const float *x, void *vy, int64_t n) {
    blk_q8_0 *y = vy;
    q8_fn f;
    q8k_fn fk;
    pick(&f, &fk);
    for (int64_t b = 0; b < n / QK; b++) {
        int sum;
        y[b].d = tk_f32_to_f16(f(x + b * QK, y[b].qs, &sum));
    }
}

void tk_quantize_row_q8_1(const float *x, void *vy, int64_t n) {
    blk_q8_1 *y = vy;
    q8_fn f;
    q8k_fn fk;
    pick(&f, &fk);
    for (int64_t b = 0; b < n / QK; b++) {
        int sum;
        float d = f(x + b * QK, y[b].qs, &sum);
        y[b].d = tk_f32_to_f16(d);
        y[b].s = tk_f32_to_f16((float)sum * d);
    }
}

void tk_quantize_row_q8_K(const float *x, void *vy, int64_t n) {
    blk_q8_K *y = vy;
    q8_fn f;
    q8k_fn fk;
    pick(&f, &fk);
    for (int64_t b = 0; b < n / QK_K; b++) y[b].d = fk(x + b * QK_K, y[b].qs, y[b].bsums);
}

// ---- tk_act: the struct-of-arrays activation buffer ----

static inline size_t al64(size_t n) { return (n + 63) & ~(size_t)63; }

static int64_t act_nb(int atype, int64_t cols) {
    return atype == TK_Q8_K ? cols / QK_K : (atype == TK_F32 ? 0 : cols / QK);
}

size_t tk_act_bytes(int atype, int64_t cols, int64_t ntok) {
    const size_t nt = (size_t)ntok, nb = (size_t)act_nb(atype, cols);
    switch (atype) {
    case TK_Q8_0: return al64(nt * cols) + al64(nt * nb * 8 * 4) * 2 + al64(nt * nb * 4);
    case TK_Q8_1: return al64(nt * cols) + al64(nt * nb * 8 * 4) + al64(nt * nb * 4);
    case TK_Q8_K: return al64(nt * cols) + al64(nt * nb * 4) + al64(nt * nb * 16 * 2) + al64(nt * nb * 16 * 4);
    default: return al64(nt * cols * 4);
    }
}

void tk_act_init(tk_act *a, int atype, int64_t cols, int64_t ntok, void *mem) {
    memset(a, 0, sizeof *a);
    a->type = atype;
    a->cols = a->n = cols;
    a->nb = a->nbr = act_nb(atype, cols);
    const size_t nt = (size_t)ntok, nb = (size_t)a->nb;
    uint8_t *p = mem;
    if (atype == TK_F32) { a->xf = (float *)p; return; }
    a->qs = (int8_t *)p;
    p += al64(nt * cols);
    if (atype == TK_Q8_K) {
        a->d8 = (float *)p;
        p += al64(nt * nb * 4);
        a->bsums = (int16_t *)p;
        p += al64(nt * nb * 16 * 2);
        a->off6 = (int32_t *)p;
        return;
    }
    a->d8 = (float *)p;
    p += al64(nt * nb * 8 * 4);
    if (atype == TK_Q8_0) {
        a->nsum8 = (int32_t *)p;
        p += al64(nt * nb * 8 * 4);
        a->off4 = (int32_t *)p;
    } else {
        a->s = (float *)p;
    }
}

void tk_act_view(const tk_act *a, int64_t b0, int64_t nblk, int64_t be, tk_act *v) {
    *v = *a;
    v->nb = nblk;
    v->n = nblk * be;
    if (a->type == TK_F32) { v->xf = a->xf + b0; return; }
    v->qs = a->qs + b0 * be;
    if (a->type == TK_Q8_K) {
        v->d8 = a->d8 + b0;
        v->bsums = a->bsums + b0 * 16;
        v->off6 = a->off6 + b0 * 16;
        return;
    }
    v->d8 = a->d8 + b0 * 8;
    if (a->nsum8) v->nsum8 = a->nsum8 + b0 * 8;
    if (a->off4) v->off4 = a->off4 + b0;
    if (a->s) v->s = a->s + b0;
}

void tk_act_quantize(tk_act *a, int wtype, const float *X, int64_t t0, int64_t t1) {
    const int64_t cols = a->cols, nb = a->nbr;
    q8_fn f;
    q8k_fn fk;
    pick(&f, &fk);
    uint16_t h[256];
    for (int64_t t = t0; t < t1; t++) {
        const float *x = X + t * cols;
        if (a->type == TK_F32) {
            float *xf = a->xf + t * cols;
            if (wtype == TK_F16) {
                for (int64_t i = 0; i < cols; i += 256) {  // row converters use F16C when present
                    const int64_t k = cols - i < 256 ? cols - i : 256;
                    tk_f32_to_f16_row(x + i, h, k);
                    tk_f16_to_f32_row(h, xf + i, k);
                }
            }
            else if (wtype == TK_BF16) for (int64_t i = 0; i < cols; i++) xf[i] = tk_bf16_to_f32(tk_f32_to_bf16(x[i]));
            else memcpy(xf, x, (size_t)cols * 4);
            continue;
        }
        int8_t *qs = a->qs + t * cols;
        if (a->type == TK_Q8_K) {
            for (int64_t b = 0; b < nb; b++) {
                a->d8[t * nb + b] = fk(x + b * QK_K, qs + b * QK_K, a->bsums + (t * nb + b) * 16);
                tk_pair_lane_starts(qs + b * QK_K, QK_K, 16, -32, a->off6 + (t * nb + b) * 16);
            }
            continue;
        }
#if defined(__x86_64__)
        if (f == q8_block_avx2) {
            if (tk_cpu_features_active() & TK_CPU_AVX512) {
                q8_row_avx512(x, nb, qs, a->d8 + t * nb * 8, a->type == TK_Q8_0 ? a->nsum8 + t * nb * 8 : NULL, a->s ? a->s + t * nb : NULL);
                continue;
            }
            q8_row_avx2(x, nb, qs, a->d8 + t * nb * 8, a->type == TK_Q8_0 ? a->nsum8 + t * nb * 8 : NULL, a->s ? a->s + t * nb : NULL);
            continue;
        }
#endif
        for (int64_t b = 0; b < nb; b++) {
            int sum;
            const float d = f(x + b * QK, qs + b * QK, &sum);
            const float dr = tk_f16_to_f32(tk_f32_to_f16(d));
            float *d8 = a->d8 + (t * nb + b) * 8;
            for (int l = 0; l < 8; l++) d8[l] = dr;
            if (a->type == TK_Q8_0) {
                int32_t *ns = a->nsum8 + (t * nb + b) * 8;
                for (int l = 0; l < 8; l++) ns[l] = -sum;
            } else {
                a->s[t * nb + b] = tk_f16_to_f32(tk_f32_to_f16((float)sum * d));
            }
        }
    }
    if (a->type == TK_Q8_0)
        for (int64_t t = t0; t < t1; t++) tk_pair_lane_starts(a->qs + t * cols, nb * QK, QK, -8, a->off4 + t * nb);
}

/// Weights -> Q8_0 exactly as ggml's quantize_row_q8_0_ref (what llama-quantize and
/// gguf-py write): d = amax/127, id = 1/d, q = roundf(x*id) (half away from zero).
void tk_quantize_row_q8_0_ref(const float *x, void *vy, int64_t n) {
    blk_q8_0 *y = vy;
    for (int64_t b = 0; b < n / QK; b++) {
        const float *xb = x + b * QK;
        float amax = 0.0f;
        for (int j = 0; j < QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
        const float d = amax / 127.f;
        const float id = d ? 1.0f / d : 0.0f;
        y[b].d = tk_f32_to_f16(d);
        for (int j = 0; j < QK; j++) y[b].qs[j] = (int8_t)roundf(xb[j] * id);
    }
}

typedef struct {
    tk_act *a;
    const float *X;
    int wtype;
    int64_t ntok;
} quant_ctx;

static void quant_task(void *vctx, int ith, int nth) {
    quant_ctx *c = vctx;
    const int64_t t0 = c->ntok * ith / nth, t1 = c->ntok * (ith + 1) / nth;
    if (t1 > t0) tk_act_quantize(c->a, c->wtype, c->X, t0, t1);
}

void tk_act_quantize_pool(tk_act *a, int wtype, const float *X, int64_t ntok, tk_pool *pool, int64_t min_values) {
    quant_ctx qc = {a, X, wtype, ntok};
    if (pool && tk_pool_size(pool) > 1 && ntok > 1 && ntok * a->cols >= min_values) tk_pool_run(pool, quant_task, &qc);
    else tk_act_quantize(a, wtype, X, 0, ntok);
}
