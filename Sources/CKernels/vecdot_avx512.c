// vecdot_avx512.c: AVX-512 (F/BW/VL + VNNI) dot kernels, one weight row against TK_NT-token
// tiles, for Q4_0, Q4_1, Q8_0, Q4_K, Q5_K, Q6_K, F16, BF16 and F32. 32-element block types go
// four blocks per step, two per zmm, with vpdpbusd (u8 x s8 -> i32); offsets are folded into the
// accumulator init (Q4_0: -sum(y) per lane; Q8_0 as u8 w+128: -128*sum(y)). K-quants use
// maddubs + vpdpwssd with the 6/8-bit sub-block scales as i16. Scales are applied in float per
// block, as ggml does. Compiled with target attributes only (no -march needed).
// Limits: x86-64 only; this tier requires VNNI (Ice Lake / Zen 4 and later), else AVX2 is used.
#include "tk_internal.h"

int tk_dot_avx512_needs_vnni(int type) { (void)type; return 1; }

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
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

#define LOAD128(p) _mm_loadu_si128((const __m128i *)(p))
#define LOAD256(p) _mm256_loadu_si256((const __m256i *)(p))
#define LOAD512(p) _mm512_loadu_si512((const void *)(p))

TGT static AI float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TGT static AI float hsum16(__m512 v) {
    return hsum8(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

/// Two blocks' 16 packed-nibble bytes -> 64 bytes [a lo, a hi, b lo, b hi] (element order).
TGT static AI __m512i unpack_q4_pair(const uint8_t *qa, const uint8_t *qb) {
    const __m256i ab = _mm256_set_m128i(LOAD128(qb), LOAD128(qa));
    __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(ab), _mm256_srli_epi16(ab, 4), 1);
    x = _mm512_shuffle_i64x2(x, x, _MM_SHUFFLE(3, 1, 2, 0));
    return _mm512_and_si512(x, _mm512_set1_epi8(0x0F));
}

TGT static AI __m256i unpack_q4(const uint8_t *qs) {
    const __m128i q = LOAD128(qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}


// ---- 32-element blocks, KIND 0 = Q4_0, 1 = Q4_1, 2 = Q8_0 ----
// Main step: 4 blocks. Their f16 scales are picked out of one or two 64-byte loads with vpermw
// and converted together; Q4 nibbles of the 4 blocks are split in one zmm, then re-interleaved
// per block with vpermt2q. This keeps shuffle-port work ~2 uops per block.

#define BB(K) ((K) == 0 ? 18 : (K) == 1 ? 20 : 34)  // block bytes
#define QO(K) ((K) == 1 ? 4 : 2)                     // offset of qs in the block

/// vpermw word indices of d (and m) for 4 consecutive blocks.
static const uint16_t q32_dm_idx[3][32] __attribute__((aligned(64))) = {
    {0, 9, 18, 27}, {0, 10, 20, 30, 1, 11, 21, 31}, {0, 17, 34, 51}};

/// u8 weights of blocks at wa and wa+BB in element order (Q8_0: w + 128).
TGT static AI __m512i q32_x_pair(const uint8_t *wa, const int KIND) {
    const uint8_t *wb = wa + BB(KIND);
    if (KIND == 2)
        return _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(LOAD256(wa + 2)), LOAD256(wb + 2), 1),
                                _mm512_set1_epi8(-128));
    return unpack_q4_pair(wa + QO(KIND), wb + QO(KIND));
}

TGT static AI __m256i q32_x_one(const uint8_t *w, const int KIND) {
    if (KIND == 2) return _mm256_xor_si256(LOAD256(w + 2), _mm256_set1_epi8(-128));
    return unpack_q4(w + QO(KIND));
}

/// u8 weights of 4 blocks: X0 = blocks 0,1; X1 = blocks 2,3.
TGT static AI void q32_x_quad(const uint8_t *w, const int KIND, __m512i *X0, __m512i *X1) {
    if (KIND == 2) {
        *X0 = q32_x_pair(w, 2);
        *X1 = q32_x_pair(w + 2 * 34, 2);
        return;
    }
    const int bb = BB(KIND), qo = QO(KIND);
    __m512i z = _mm512_castsi128_si512(LOAD128(w + qo));
    z = _mm512_inserti32x4(z, LOAD128(w + bb + qo), 1);
    z = _mm512_inserti32x4(z, LOAD128(w + 2 * bb + qo), 2);
    z = _mm512_inserti32x4(z, LOAD128(w + 3 * bb + qo), 3);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i lo = _mm512_and_si512(z, m4), hi = _mm512_and_si512(_mm512_srli_epi16(z, 4), m4);
    *X0 = _mm512_permutex2var_epi64(lo, _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0), hi);
    *X1 = _mm512_permutex2var_epi64(lo, _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4), hi);
}

/// [d0, d1, d2, d3, m0, m1, m2, m3] of 4 consecutive blocks (m only for Q4_1).
TGT static AI __m256 q32_dm_quad(const uint8_t *w, const int KIND) {
    const __m512i idx = LOAD512(q32_dm_idx[KIND]);
    __m512i h = KIND == 2 ? _mm512_permutex2var_epi16(LOAD512(w), idx, LOAD512(w + 64))
                          : _mm512_permutexvar_epi16(idx, LOAD512(w));
    return _mm256_cvtph_ps(_mm512_castsi512_si128(h));
}

TGT static AI void q32_n(const void *vw, const tk_act *a, int64_t t0, const int NT, const int KIND, float *out) {
    const uint8_t *w = vw;
    const int bb = BB(KIND);
    const int64_t nb = a->nb;
    const int8_t *y[TK_NT];
    const float *d8[TK_NT], *s[TK_NT];
    const int32_t *ns[TK_NT];
    __m512 acc0[TK_NT], acc1[TK_NT];
    __m128 macc[TK_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        s[t] = KIND == 1 ? a->s + (t0 + t) * a->nbr : NULL;
        ns[t] = KIND != 1 ? a->nsum8 + (t0 + t) * a->nbr * 8 : NULL;
        acc0[t] = acc1[t] = _mm512_setzero_ps();
        macc[t] = _mm_setzero_ps();
    }
    const __m512i p01 = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i p23 = _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2);
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        const uint8_t *wq = w + b * bb;
        __m512i X0, X1;
        q32_x_quad(wq, KIND, &X0, &X1);
        const __m256 dm = q32_dm_quad(wq, KIND);
        const __m512 dw01 = _mm512_permutexvar_ps(p01, _mm512_castps256_ps512(dm));
        const __m512 dw23 = _mm512_permutexvar_ps(p23, _mm512_castps256_ps512(dm));
        const __m128 m4 = _mm256_extractf128_ps(dm, 1);
        for (int t = 0; t < NT; t++) {
            __m512i i0 = _mm512_setzero_si512(), i1 = _mm512_setzero_si512();
            if (KIND == 0) { i0 = LOAD512(ns[t] + b * 8); i1 = LOAD512(ns[t] + b * 8 + 16); }
            if (KIND == 2) { i0 = _mm512_slli_epi32(LOAD512(ns[t] + b * 8), 4); i1 = _mm512_slli_epi32(LOAD512(ns[t] + b * 8 + 16), 4); }
            const __m512i q0 = _mm512_dpbusd_epi32(i0, X0, LOAD512(y[t] + b * QK));
            const __m512i q1 = _mm512_dpbusd_epi32(i1, X1, LOAD512(y[t] + b * QK + 64));
            acc0[t] = _mm512_fmadd_ps(_mm512_mul_ps(dw01, _mm512_loadu_ps(d8[t] + b * 8)), _mm512_cvtepi32_ps(q0), acc0[t]);
            acc1[t] = _mm512_fmadd_ps(_mm512_mul_ps(dw23, _mm512_loadu_ps(d8[t] + b * 8 + 16)), _mm512_cvtepi32_ps(q1), acc1[t]);
            if (KIND == 1) macc[t] = _mm_fmadd_ps(m4, _mm_loadu_ps(s[t] + b), macc[t]);
        }
    }
    for (; b < nb; b++) {  // 0..3 leftover blocks, one at a time (256-bit)
        const uint8_t *wq = w + b * bb;
        const __m256i x = q32_x_one(wq, KIND);
        tk_half hd, hm;
        memcpy(&hd, wq, 2);
        memcpy(&hm, wq + 2, 2);
        const __m256 dw = _mm256_set1_ps(_cvtsh_ss(hd));
        for (int t = 0; t < NT; t++) {
            __m256i i0 = _mm256_setzero_si256();
            if (KIND == 0) i0 = LOAD256(ns[t] + b * 8);
            if (KIND == 2) i0 = _mm256_slli_epi32(LOAD256(ns[t] + b * 8), 4);
            const __m256i q = _mm256_dpbusd_epi32(i0, x, LOAD256(y[t] + b * QK));
            const __m256 p = _mm256_mul_ps(_mm256_mul_ps(dw, _mm256_loadu_ps(d8[t] + b * 8)), _mm256_cvtepi32_ps(q));
            acc0[t] = _mm512_add_ps(acc0[t], _mm512_zextps256_ps512(p));
            if (KIND == 1) macc[t] = _mm_add_ss(macc[t], _mm_set_ss(_cvtsh_ss(hm) * s[t][b]));
        }
    }
    for (int t = 0; t < NT; t++) {
        __m128 m = _mm_add_ps(macc[t], _mm_movehl_ps(macc[t], macc[t]));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        out[t] = hsum16(_mm512_add_ps(acc0[t], acc1[t])) + _mm_cvtss_f32(m);
    }
}

TGT static AI void q4_0_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 0, out); }
TGT static AI void q4_1_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 1, out); }
TGT static AI void q8_0_n(const void *w, const tk_act *a, int64_t t0, const int NT, float *out) { q32_n(w, a, t0, NT, 2, out); }
NT_DISPATCH(q4_0)
NT_DISPATCH(q4_1)
NT_DISPATCH(q8_0)

// ---- K-quants against Q8_K ----

static inline void k4_scales(const uint8_t *s, uint32_t v[4]) {  // -> sc[0..7], m[0..7]
    uint32_t u[3];
    memcpy(u, s, 12);
    v[0] = u[0] & 0x3f3f3f3f;
    v[1] = (u[2] & 0x0f0f0f0f) | (((u[0] >> 6) & 0x03030303) << 4);
    v[2] = u[1] & 0x3f3f3f3f;
    v[3] = ((u[2] >> 4) & 0x0f0f0f0f) | (((u[1] >> 6) & 0x03030303) << 4);
}

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
    const __m512i m4 = _mm512_set1_epi8(0x0F), one = _mm512_set1_epi8(1);
    for (int64_t b = 0; b < nb; b++, wb += bbytes) {
        const blk_q4_K *h = (const blk_q4_K *)wb;  // d, dmin, scales: same place in Q5_K
        const uint8_t *qs = HAS_QH ? ((const blk_q5_K *)wb)->qs : h->qs;
        uint32_t v[4];
        k4_scales(h->scales, v);
        const uint8_t *sc = (const uint8_t *)v;
        const __m128i sm = _mm_loadu_si128((const __m128i *)v);
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));  // m0 m0 m1 m1 ...
        __m256i hb = _mm256_setzero_si256();
        if (HAS_QH) hb = LOAD256(((const blk_q5_K *)wb)->qh);
        __m512i isum[TK_NT];
        for (int t = 0; t < NT; t++) isum[t] = _mm512_setzero_si512();
        for (int g = 0; g < 4; g++) {
            const __m256i q = LOAD256(qs + 32 * g);
            __m512i x = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1), m4);
            if (HAS_QH) {
                __m512i hbits = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_srli_epi16(hb, 2 * g)),
                                                   _mm256_srli_epi16(hb, 2 * g + 1), 1);
                x = _mm512_or_si512(x, _mm512_slli_epi16(_mm512_and_si512(hbits, one), 4));
            }
            const __m512i s16 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(sc[2 * g])),
                                                   _mm256_set1_epi16(sc[2 * g + 1]), 1);
            for (int t = 0; t < NT; t++)
                isum[t] = _mm512_dpwssd_epi32(isum[t], _mm512_maddubs_epi16(x, LOAD512(y[t] + b * QK_K + 64 * g)), s16);
        }
        const float dw = _cvtsh_ss(h->d), dmw = _cvtsh_ss(h->dmin);
        for (int t = 0; t < NT; t++) {
            const float da = dy[t][b];
            const __m256i is = _mm256_add_epi32(_mm512_castsi512_si256(isum[t]), _mm512_extracti64x4_epi64(isum[t], 1));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * da), _mm256_cvtepi32_ps(is), acc[t]);
            const __m256i mp = _mm256_madd_epi16(LOAD256(bs[t] + b * 16), mins16);
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

/// vpermw indices: lane i of chunk c (0..3) picks scale 4c + i/8 (16 elements per scale).
static const int16_t q6_idx[4][32] __attribute__((aligned(64))) = {
#define R8(v) v, v, v, v, v, v, v, v
    {R8(0), R8(1), R8(2), R8(3)}, {R8(4), R8(5), R8(6), R8(7)},
    {R8(8), R8(9), R8(10), R8(11)}, {R8(12), R8(13), R8(14), R8(15)},
#undef R8
};

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
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3);
    for (int64_t b = 0; b < nb; b++) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(LOAD128(w[b].scales));
        const __m512i sc16z = _mm512_castsi256_si512(sc16);
        __m512i isum[TK_NT];
        for (int t = 0; t < NT; t++) isum[t] = _mm512_setzero_si512();
        for (int n = 0; n < 2; n++) {
            const __m512i ql = LOAD512(w[b].ql + 64 * n);
            const __m256i qh = LOAD256(w[b].qh + 32 * n);
            const __m512i H = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
            const __m512i qa = _mm512_or_si512(_mm512_and_si512(ql, m4), _mm512_slli_epi16(_mm512_and_si512(H, m3), 4));
            const __m512i qb = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), m4),
                                               _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(H, 4), m3), 4));
            const __m512i sa = _mm512_permutexvar_epi16(LOAD512(q6_idx[2 * n]), sc16z);
            const __m512i sb = _mm512_permutexvar_epi16(LOAD512(q6_idx[2 * n + 1]), sc16z);
            for (int t = 0; t < NT; t++) {
                const int8_t *yy = y[t] + b * QK_K + 128 * n;
                isum[t] = _mm512_dpwssd_epi32(isum[t], _mm512_maddubs_epi16(qa, LOAD512(yy)), sa);
                isum[t] = _mm512_dpwssd_epi32(isum[t], _mm512_maddubs_epi16(qb, LOAD512(yy + 64)), sb);
            }
        }
        const float dw = _cvtsh_ss(w[b].d);
        for (int t = 0; t < NT; t++) {  // q is stored +32: subtract 32*sum(sc*bsum)
            const __m256i corr = _mm256_madd_epi16(LOAD256(bs[t] + b * 16), sc16);
            __m256i is = _mm256_add_epi32(_mm512_castsi512_si256(isum[t]), _mm512_extracti64x4_epi64(isum[t], 1));
            is = _mm256_sub_epi32(is, _mm256_slli_epi32(corr, 5));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dw * dy[t][b]), _mm256_cvtepi32_ps(is), acc[t]);
        }
    }
    for (int t = 0; t < NT; t++) out[t] = hsum8(acc[t]);
}
NT_DISPATCH(q6_K)

// ---- float weights: activations already rounded to the weight type, f32 FMA ----

#define FLOAT_KERNEL(name, LOAD16, SCALAR)                                                        \
    TGT static AI void name##_n(const void *vw, const tk_act *a, int64_t t0, const int NT,         \
                                float *out) {                                                     \
        const int64_t cols = a->n;                                                                \
        const float *x[TK_NT];                                                                    \
        __m512 acc0[TK_NT], acc1[TK_NT], acc2[TK_NT], acc3[TK_NT];                                \
        for (int t = 0; t < NT; t++) {                                                            \
            x[t] = a->xf + (t0 + t) * a->cols;                                                    \
            acc0[t] = acc1[t] = acc2[t] = acc3[t] = _mm512_setzero_ps();                          \
        }                                                                                         \
        int64_t i = 0;                                                                            \
        for (; i + 64 <= cols; i += 64) {                                                         \
            const __m512 w0 = LOAD16(vw, i), w1 = LOAD16(vw, i + 16);                             \
            const __m512 w2 = LOAD16(vw, i + 32), w3 = LOAD16(vw, i + 48);                        \
            for (int t = 0; t < NT; t++) {                                                        \
                acc0[t] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x[t] + i), acc0[t]);                \
                acc1[t] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x[t] + i + 16), acc1[t]);           \
                acc2[t] = _mm512_fmadd_ps(w2, _mm512_loadu_ps(x[t] + i + 32), acc2[t]);           \
                acc3[t] = _mm512_fmadd_ps(w3, _mm512_loadu_ps(x[t] + i + 48), acc3[t]);           \
            }                                                                                     \
        }                                                                                         \
        for (int t = 0; t < NT; t++) {                                                            \
            acc0[t] = _mm512_add_ps(acc0[t], acc2[t]);                                            \
            acc1[t] = _mm512_add_ps(acc1[t], acc3[t]);                                            \
        }                                                                                         \
        for (; i + 32 <= cols; i += 32) {                                                         \
            const __m512 w0 = LOAD16(vw, i), w1 = LOAD16(vw, i + 16);                             \
            for (int t = 0; t < NT; t++) {                                                        \
                acc0[t] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x[t] + i), acc0[t]);                \
                acc1[t] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x[t] + i + 16), acc1[t]);           \
            }                                                                                     \
        }                                                                                         \
        for (; i + 16 <= cols; i += 16) {                                                         \
            const __m512 w0 = LOAD16(vw, i);                                                      \
            for (int t = 0; t < NT; t++) acc0[t] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x[t] + i), acc0[t]); \
        }                                                                                         \
        for (int t = 0; t < NT; t++) {                                                            \
            float s = hsum16(_mm512_add_ps(acc0[t], acc1[t]));                                    \
            for (int64_t k = i; k < cols; k++) s += SCALAR(vw, k) * x[t][k];                      \
            out[t] = s;                                                                           \
        }                                                                                         \
    }                                                                                             \
    NT_DISPATCH(name)

#define F32_LOAD16(w, i) _mm512_loadu_ps((const float *)(w) + (i))
#define F32_ONE(w, k) (((const float *)(w))[k])
#define F16_LOAD16(w, i) _mm512_cvtph_ps(LOAD256((const uint16_t *)(w) + (i)))
#define F16_ONE(w, k) _cvtsh_ss(((const uint16_t *)(w))[k])
#define BF16_LOAD16(w, i) \
    _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(LOAD256((const uint16_t *)(w) + (i))), 16))
#define BF16_ONE(w, k) tk_bf16_to_f32(((const uint16_t *)(w))[k])

FLOAT_KERNEL(f32, F32_LOAD16, F32_ONE)
FLOAT_KERNEL(f16, F16_LOAD16, F16_ONE)
FLOAT_KERNEL(bf16, BF16_LOAD16, BF16_ONE)

tk_dot_fn tk_dot_avx512(int type) {
    switch (type) {
    case TK_Q4_0: return q4_0;
    case TK_Q4_1: return q4_1;
    case TK_Q8_0: return q8_0;
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
tk_dot_fn tk_dot_avx512(int type) { (void)type; return NULL; }
#endif
