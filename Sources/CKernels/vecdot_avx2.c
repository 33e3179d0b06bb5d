// vecdot_avx2.c: AVX2+FMA+F16C dot kernels (one weight row against TK_NT-token tiles) for
// Q4_0, Q4_1, Q8_0, Q4_K, Q5_K, Q6_K, F16, BF16 and F32. Same integer math as vecdot.c: weights
// unpacked to u8 (or |w| with sign moved onto y for Q8_0), _mm256_maddubs_epi16 + madd to i32
// lanes, then per-block float scaling; each weight block is unpacked once per token tile.
// Offsets are folded in exactly: Q4_0 adds -sum(y) per lane (its nibbles are stored +8), Q6_K
// subtracts 32*sum(scale*bsum). Compiled with target attributes only (no -march needed).
// Limits: x86-64 only; elsewhere tk_dot_avx2 returns NULL.
#include "tk_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma,f16c")))
#define AI __attribute__((always_inline)) inline

#define NT_DISPATCH(name)                                                                         \
    TGT static void name(const void *w, const tk_act *a, int64_t t0, int nt, float *out) {       \
        switch (nt) {                                                                             \
        case 1: name##_n(w, a, t0, 1, out); break;                                               \
        case 2: name##_n(w, a, t0, 2, out); break;                                               \
        case 3: name##_n(w, a, t0, 3, out); break;                                               \
        default: name##_n(w, a, t0, 4, out); break;                                              \
        }                                                                                         \
    }

TGT static AI float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Sum of u[i]*s[i] over groups of 4 bytes -> 8 x i32 (no saturation for |u*s| pairs < 2^15).
TGT static AI __m256i dot_u8s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

#define LOADU(p) _mm256_loadu_si256((const __m256i *)(p))

// ---- 32-element blocks against Q8_0 / Q8_1; KIND 0 = Q4_0, 1 = Q4_1, 2 = Q8_0, 3 = Q5_0, 4 = Q5_1 ----
// Steps of 4 blocks: their f16 scales come in with one 4-lane gather and one conversion, and
// nibbles are split with a 128-bit broadcast load + per-lane variable shift, which keeps the
// shuffle port (the bottleneck of the one-block-at-a-time form) at ~1.5 uops per block.

#define BB(K) ((K) == 0 ? 18 : (K) == 1 ? 20 : (K) == 2 ? 34 : (K) == 3 ? 22 : 24)  // block bytes
#define QO(K) ((K) == 1 ? 4 : (K) == 3 ? 6 : (K) == 4 ? 8 : 2)                     // offset of qs
#define HAS_M(K) ((K) == 1 || (K) == 4)                                              // Q4_1, Q5_1: d, m

/// 0xFF in byte i where bit i of the 32 bits at x is set (ggml's bytes_from_bits_32).
TGT static AI __m256i bytes_from_bits(const uint8_t *x) {
    uint32_t v;
    memcpy(&v, x, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
    const __m256i bytes = _mm256_or_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)v), shuf), _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

/// u8 weights (Q8_0: |w|, with the sign to be moved onto y) of one block.
TGT static AI __m256i q32_x(const uint8_t *w, const int KIND, __m256i *raw) {
    if (KIND == 2) {
        *raw = LOADU(w + 2);
        return _mm256_sign_epi8(*raw, *raw);
    }
    const __m256i q = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(w + QO(KIND))));
    const __m256i nib = _mm256_and_si256(_mm256_srlv_epi64(q, _mm256_setr_epi64x(0, 0, 4, 4)), _mm256_set1_epi8(0x0F));
    if (KIND < 3) return nib;
    // Q5: the fifth bits (qh, after d or d/m) on top: values 0..31 (Q5_0 is stored +16)
    return _mm256_or_si256(nib, _mm256_and_si256(bytes_from_bits(w + (KIND == 3 ? 2 : 4)), _mm256_set1_epi8(0x10)));
}

TGT static AI __m256i q32_dot(const int KIND, __m256i x, __m256i raw, const int8_t *y, const int32_t *ns) {
    if (KIND == 2) return dot_u8s8(x, _mm256_sign_epi8(LOADU(y), raw));
    __m256i p = dot_u8s8(x, LOADU(y));
    if (KIND == 0) return _mm256_add_epi32(p, LOADU(ns));                     // Q4_0 nibbles are stored +8
    if (KIND == 3) return _mm256_add_epi32(p, _mm256_slli_epi32(LOADU(ns), 1));  // Q5_0 values are stored +16
    return p;
}

TGT static AI void q32_n(const void *vw, const tk_act *a, int64_t t0, const int NT, const int KIND, float *out) {
    const uint8_t *w = vw;
    const int bb = BB(KIND);
    const int64_t nb = a->nb;
    const int8_t *y[TK_NT];
    const float *d8[TK_NT], *s[TK_NT];
    const int32_t *ns[TK_NT];
    __m256 acc0[TK_NT], acc1[TK_NT];
    __m128 macc[TK_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        s[t] = HAS_M(KIND) ? a->s + (t0 + t) * a->nbr : NULL;
        ns[t] = KIND == 0 || KIND == 3 ? a->nsum8 + (t0 + t) * a->nbr * 8 : NULL;
        acc0[t] = acc1[t] = _mm256_setzero_ps();
        macc[t] = _mm_setzero_ps();
    }
    const __m128i gidx = _mm_setr_epi32(0, bb, 2 * bb, 3 * bb);
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        const uint8_t *wq = w + b * bb;
        // [d0, m0, d1, m1, d2, m2, d3, m3] (m meaningful for Q4_1 and Q5_1 only)
        const __m256 dm = _mm256_cvtph_ps(_mm_i32gather_epi32((const int *)wq, gidx, 1));
        for (int k = 0; k < 4; k++) {
            __m256i raw = _mm256_setzero_si256();
            const __m256i x = q32_x(wq + k * bb, KIND, &raw);
            const __m256 dw = _mm256_permutevar8x32_ps(dm, _mm256_set1_epi32(2 * k));
            for (int t = 0; t < NT; t++) {
                const __m256i p = q32_dot(KIND, x, raw, y[t] + (b + k) * QK, ns[t] ? ns[t] + (b + k) * 8 : NULL);
                const __m256 d = _mm256_mul_ps(dw, _mm256_loadu_ps(d8[t] + (b + k) * 8));
                if (k & 1) acc1[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc1[t]);
                else acc0[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc0[t]);
            }
        }
        if (HAS_M(KIND)) {
            const __m128 m4 = _mm256_castps256_ps128(_mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7)));
            for (int t = 0; t < NT; t++) macc[t] = _mm_fmadd_ps(m4, _mm_loadu_ps(s[t] + b), macc[t]);
        }
    }
    for (; b < nb; b++) {
        const uint8_t *wq = w + b * bb;
        tk_half hd, hm;
        memcpy(&hd, wq, 2);
        memcpy(&hm, wq + 2, 2);
        __m256i raw = _mm256_setzero_si256();
        const __m256i x = q32_x(wq, KIND, &raw);
        const __m256 dw = _mm256_set1_ps(_cvtsh_ss(hd));
        for (int t = 0; t < NT; t++) {
            const __m256i p = q32_dot(KIND, x, raw, y[t] + b * QK, ns[t] ? ns[t] + b * 8 : NULL);
            acc0[t] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(d8[t] + b * 8)), _mm256_cvtepi32_ps(p), acc0[t]);
            if (HAS_M(KIND)) macc[t] = _mm_add_ss(macc[t], _mm_set_ss(_cvtsh_ss(hm) * s[t][b]));
        }
    }
    for (int t = 0; t < NT; t++) {
        __m128 m = _mm_add_ps(macc[t], _mm_movehl_ps(macc[t], macc[t]));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        out[t] = hsum8(_mm256_add_ps(acc0[t], acc1[t])) + _mm_cvtss_f32(m);
    }
}

TGT static AI void q4_0_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 0, out); }
TGT static AI void q4_1_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 1, out); }
TGT static AI void q8_0_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 2, out); }
TGT static AI void q5_0_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 3, out); }
TGT static AI void q5_1_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 4, out); }
NT_DISPATCH(q4_0)
NT_DISPATCH(q4_1)
NT_DISPATCH(q8_0)
NT_DISPATCH(q5_0)
NT_DISPATCH(q5_1)

// ---- K-quants against Q8_K ----

/// Q4_K/Q5_K packed scales -> v as 16 bytes: sc[0..7] then m[0..7].
static inline void k4_scales(const uint8_t *s, uint32_t v[4]) {
    uint32_t u[3];
    memcpy(u, s, 12);
    v[0] = u[0] & 0x3f3f3f3f;
    v[1] = (u[2] & 0x0f0f0f0f) | (((u[0] >> 6) & 0x03030303) << 4);
    v[2] = u[1] & 0x3f3f3f3f;
    v[3] = ((u[2] >> 4) & 0x0f0f0f0f) | (((u[1] >> 6) & 0x03030303) << 4);
}

/// Shared body of Q4_K (HAS_QH=0) and Q5_K (HAS_QH=1): qs/qh point into the weight block.
TGT static AI void k45_n(const uint8_t *wb, size_t bbytes, const int HAS_QH, const tk_act *a,
                         int64_t t0, const int NT, float *out) {
    const int64_t nb = a->nb;
    const int8_t *y[TK_NT];
    const float *dy[TK_NT];
    const int16_t *bs[TK_NT];
    __m256 acc[TK_NT], macc[TK_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        dy[t] = a->d8 + (t0 + t) * a->nbr;
        bs[t] = a->bsums + (t0 + t) * a->nbr * 16;
        acc[t] = macc[t] = _mm256_setzero_ps();
    }
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    for (int64_t b = 0; b < nb; b++, wb += bbytes) {
        const blk_q4_K *h = (const blk_q4_K *)wb;  // d, dmin, scales: same place in Q5_K
        const uint8_t *qs = HAS_QH ? ((const blk_q5_K *)wb)->qs : h->qs;
        uint32_t v[4];
        k4_scales(h->scales, v);
        const uint8_t *sc = (const uint8_t *)v;
        const __m128i sm = _mm_loadu_si128((const __m128i *)v);
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));  // m0 m0 m1 m1 ...
        __m256i hb = _mm256_setzero_si256();
        if (HAS_QH) hb = LOADU(((const blk_q5_K *)wb)->qh);
        __m256i isum[TK_NT];
        for (int t = 0; t < NT; t++) isum[t] = _mm256_setzero_si256();
        for (int g = 0; g < 4; g++) {
            const __m256i q = LOADU(qs + 32 * g);
            __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            if (HAS_QH) {
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * g), one), 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * g + 1), one), 4));
            }
            const __m256i s_lo = _mm256_set1_epi16(sc[2 * g]), s_hi = _mm256_set1_epi16(sc[2 * g + 1]);
            for (int t = 0; t < NT; t++) {
                const int8_t *yy = y[t] + b * QK_K + 64 * g;
                __m256i p = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(lo, LOADU(yy)), s_lo),
                                             _mm256_madd_epi16(_mm256_maddubs_epi16(hi, LOADU(yy + 32)), s_hi));
                isum[t] = _mm256_add_epi32(isum[t], p);
            }
        }
        const float dw = _cvtsh_ss(h->d), dmw = _cvtsh_ss(h->dmin);
        for (int t = 0; t < NT; t++) {
            const float da = dy[t][b];
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * da), _mm256_cvtepi32_ps(isum[t]), acc[t]);
            __m256i mp = _mm256_madd_epi16(LOADU(bs[t] + b * 16), mins16);
            macc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dmw * da), _mm256_cvtepi32_ps(mp), macc[t]);
        }
    }
    for (int t = 0; t < NT; t++) out[t] = hsum8(acc[t]) - hsum8(macc[t]);
}

TGT static AI void q4_K_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) {
    k45_n(w, sizeof(blk_q4_K), 0, a, t0, NT, out);
}
NT_DISPATCH(q4_K)

TGT static AI void q5_K_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) {
    k45_n(w, sizeof(blk_q5_K), 1, a, t0, NT, out);
}
NT_DISPATCH(q5_K)

TGT static AI void q6_K_n(const void *vw, const tk_act *a, int64_t t0, const int NT, float *out) {
    const blk_q6_K *w = vw;
    const int64_t nb = a->nb;
    const int8_t *y[TK_NT];
    const float *dy[TK_NT];
    const int16_t *bs[TK_NT];
    __m256 acc[TK_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        dy[t] = a->d8 + (t0 + t) * a->nbr;
        bs[t] = a->bsums + (t0 + t) * a->nbr * 16;
        acc[t] = _mm256_setzero_ps();
    }
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    for (int64_t b = 0; b < nb; b++) {
        const __m128i sc8 = _mm_loadu_si128((const __m128i *)w[b].scales);
        __m256i isum[TK_NT];
        for (int t = 0; t < NT; t++) {  // offset: q is stored +32, so subtract 32*sum(sc*bsum)
            __m256i corr = _mm256_madd_epi16(LOADU(bs[t] + b * 16), _mm256_cvtepi8_epi16(sc8));
            isum[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(corr, 5));
        }
        for (int n = 0; n < 2; n++) {
            const __m256i ql0 = LOADU(w[b].ql + 64 * n), ql1 = LOADU(w[b].ql + 64 * n + 32);
            const __m256i qh = LOADU(w[b].qh + 32 * n);
            for (int j = 0; j < 4; j++) {
                const __m256i l = j == 0 ? _mm256_and_si256(ql0, m4)
                                : j == 1 ? _mm256_and_si256(ql1, m4)
                                : j == 2 ? _mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4)
                                         : _mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4);
                const __m256i hbits = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), m3);
                const __m256i q = _mm256_or_si256(l, _mm256_slli_epi16(hbits, 4));
                const int k = 8 * n + 2 * j;  // scale groups k, k+1 (16 elements each)
                const __m128i sel = _mm_set_epi64x((long long)(0x0101010101010101ULL * (uint64_t)(k + 1)),
                                                   (long long)(0x0101010101010101ULL * (uint64_t)k));
                const __m256i s16 = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, sel));
                for (int t = 0; t < NT; t++) {
                    __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(q, LOADU(y[t] + b * QK_K + 128 * n + 32 * j)), s16);
                    isum[t] = _mm256_add_epi32(isum[t], p);
                }
            }
        }
        const float dw = _cvtsh_ss(w[b].d);
        for (int t = 0; t < NT; t++)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * dy[t][b]), _mm256_cvtepi32_ps(isum[t]), acc[t]);
    }
    for (int t = 0; t < NT; t++) out[t] = hsum8(acc[t]);
}
NT_DISPATCH(q6_K)

// ---- float weights: activations already rounded to the weight type, f32 FMA ----

#define FLOAT_KERNEL(name, LOAD8, SCALAR)                                                         \
    TGT static AI void name##_n(const void *vw, const tk_act *a, int64_t t0, const int NT,         \
                                float *out) {                                                     \
        const int64_t cols = a->n;                                                                \
        const float *x[TK_NT];                                                                    \
        __m256 acc0[TK_NT], acc1[TK_NT];                                                          \
        for (int t = 0; t < NT; t++) {                                                            \
            x[t] = a->xf + (t0 + t) * a->cols;                                                    \
            acc0[t] = acc1[t] = _mm256_setzero_ps();                                              \
        }                                                                                         \
        int64_t i = 0;                                                                            \
        if (NT <= 2) { /* four chains hide the fma latency (decode); more would spill */          \
            __m256 acc2[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()}, acc3[2] = {acc2[0], acc2[0]}; \
            for (; i + 32 <= cols; i += 32) {                                                     \
                const __m256 w0 = LOAD8(vw, i), w1 = LOAD8(vw, i + 8);                            \
                const __m256 w2 = LOAD8(vw, i + 16), w3 = LOAD8(vw, i + 24);                      \
                for (int t = 0; t < NT; t++) {                                                    \
                    acc0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + i), acc0[t]);            \
                    acc1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x[t] + i + 8), acc1[t]);        \
                    acc2[t] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(x[t] + i + 16), acc2[t]);       \
                    acc3[t] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(x[t] + i + 24), acc3[t]);       \
                }                                                                                 \
            }                                                                                     \
            for (int t = 0; t < NT; t++) {                                                        \
                acc0[t] = _mm256_add_ps(acc0[t], acc2[t]);                                        \
                acc1[t] = _mm256_add_ps(acc1[t], acc3[t]);                                        \
            }                                                                                     \
        }                                                                                         \
        for (; i + 16 <= cols; i += 16) {                                                         \
            const __m256 w0 = LOAD8(vw, i), w1 = LOAD8(vw, i + 8);                                \
            for (int t = 0; t < NT; t++) {                                                        \
                acc0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + i), acc0[t]);                \
                acc1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x[t] + i + 8), acc1[t]);            \
            }                                                                                     \
        }                                                                                         \
        for (int t = 0; t < NT; t++) {                                                            \
            float s = hsum8(_mm256_add_ps(acc0[t], acc1[t]));                                     \
            for (int64_t k = i; k < cols; k++) s += SCALAR(vw, k) * x[t][k];                      \
            out[t] = s;                                                                           \
        }                                                                                         \
    }                                                                                             \
    NT_DISPATCH(name)

#define F32_LOAD8(w, i) _mm256_loadu_ps((const float *)(w) + (i))
#define F32_ONE(w, k) (((const float *)(w))[k])
#define F16_LOAD8(w, i) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)(w) + (i))))
#define F16_ONE(w, k) _cvtsh_ss(((const uint16_t *)(w))[k])
#define BF16_LOAD8(w, i)                                                                           \
    _mm256_castsi256_ps(_mm256_slli_epi32(                                                        \
        _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const uint16_t *)(w) + (i)))), 16))
#define BF16_ONE(w, k) tk_bf16_to_f32(((const uint16_t *)(w))[k])

FLOAT_KERNEL(f32, F32_LOAD8, F32_ONE)
FLOAT_KERNEL(f16, F16_LOAD8, F16_ONE)
FLOAT_KERNEL(bf16, BF16_LOAD8, BF16_ONE)

tk_dot_fn tk_dot_avx2(int type) {
    switch (type) {
    case TK_Q4_0: return q4_0;
    case TK_Q4_1: return q4_1;
    case TK_Q8_0: return q8_0;
    case TK_Q5_0: return q5_0;
    case TK_Q5_1: return q5_1;
    case TK_Q4_K: return q4_K;
    case TK_Q5_K: return q5_K;
    case TK_Q6_K: return q6_K;
    case TK_F16: return f16;
    case TK_BF16: return bf16;
    case TK_F32: return f32;
    default: return NULL;
    }
}
#else
tk_dot_fn tk_dot_avx2(int type) { (void)type; return NULL; }
#endif
