// vecdot_packed_avx512.c: the AVX-512 VNNI lane-order kernel of the packed Q4_0/Q4_1/Q8_0/Q5_0/Q5_1
// layout (vecdot_packed.c describes the layout and ggml's summation order it follows): one-token
// decoding, and prompts with `--sums ggml`. The block-order kernel is in vecdot_packed_block.c.
#include "tk_internal.h"
#include "packed_q5.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AI __attribute__((always_inline)) inline

TGT static AI __m512i bcast4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/// 16 rows x NT tokens; KIND 0 = Q4_0, 1 = Q4_1, 2 = Q8_0, 3 = Q5_0, 4 = Q5_1 (Q5: values unpacked
/// to bytes per chunk (tk_pk5_chunk512), 0..31, dotted like Q8_0; Q5_0's -16 comes in as 2 x lsA). Chunk j of a block is ggml's lane j
/// (Q4: j = 0..3 low nibbles, elements 4j..4j+3; 4..7 high nibbles, elements 16+4(j-4)..); each
/// lane keeps its own float accumulator as in ggml. High nibbles are dotted as 16*q with the
/// scale divided by 16 (both exact). Offsets (Q4_0: -8, Q8_0 stored +128) come in as the
/// accumulator's initial value from the lane sums of y (lsA = -8*sum, lsB = -128*sum).
TGT static AI void pk_kern(const uint8_t *G, int64_t nb, const tk_act *a, const int32_t *lsA, const int32_t *lsB,
                           int64_t t0, const int NT, const int KIND, float *Y, int64_t ldy, int nrows,
                           const uint8_t *pf, int64_t pfspan) {
    const int qb = tk_pk_qb(KIND), sb = tk_pk_sb(KIND);
        const int8_t *y[TK_PK_LANE_NT];
    const float *d8[TK_PK_LANE_NT], *s[TK_PK_LANE_NT];
    const int32_t *la[TK_PK_LANE_NT], *lb[TK_PK_LANE_NT];
    __m512 A[TK_PK_LANE_NT][8], summ[TK_PK_LANE_NT];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        s[t] = KIND == 1 || KIND == 4 ? a->s + (t0 + t) * a->nbr : NULL;
        la[t] = KIND == 0 || KIND == 3 ? lsA + (t0 + t) * a->nbr * 8 : NULL;
        lb[t] = KIND == 0 || KIND == 2 ? lsB + (t0 + t) * a->nbr * 8 : NULL;
        for (int k = 0; k < 8; k++) A[t][k] = _mm512_setzero_ps();
        summ[t] = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F), m4h = _mm512_set1_epi8((char)0xF0);
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nb);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *Q = G + tk_pk_qoff(b, qb, sb);
        if (pf) {  // this pass's share of the stream ahead (tk_pf_walk)
            tk_pf_walk_next(&pw);
            const uintptr_t lo = pw.lo, hi = pw.hi;
            for (uintptr_t l = lo; l < hi; l += 64) _mm_prefetch((const char *)l, _MM_HINT_T0);
        }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(G + tk_pk_soff(b, qb, sb))));
        __m512 dd[TK_PK_LANE_NT], dd16[TK_PK_LANE_NT];
        for (int t = 0; t < NT; t++) {
            dd[t] = _mm512_mul_ps(dv, _mm512_set1_ps(d8[t][b * 8]));
            if (KIND < 2) dd16[t] = _mm512_mul_ps(dd[t], _mm512_set1_ps(1.0f / 16));
        }
        if (KIND >= 2) {  // byte-wide: Q8_0 (stored +128), Q5_0 (0..31 = q + 16), Q5_1 (0..31)
            for (int j = 0; j < 8; j++) {
                const __m512i w = KIND == 2 ? _mm512_load_si512((const void *)(Q + 64 * j)) : tk_pk5_chunk512(Q, j);
                for (int t = 0; t < NT; t++) {
                    const __m512i init = KIND == 2 ? _mm512_set1_epi32(lb[t][b * 8 + j])
                                       : KIND == 3 ? _mm512_set1_epi32(2 * la[t][b * 8 + j]) : _mm512_setzero_si512();
                    const __m512i c = _mm512_dpbusd_epi32(init, w, bcast4(y[t] + b * QK + 4 * j));
                    A[t][j] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(c), A[t][j]);
                }
            }
            if (KIND == 4) {
                const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(G + tk_pk_soff(b, qb, sb) + 32)));
                for (int t = 0; t < NT; t++) summ[t] = _mm512_fmadd_ps(mv, _mm512_set1_ps(s[t][b]), summ[t]);
            }
        } else {
            for (int j = 0; j < 4; j++) {
                const __m512i w = _mm512_load_si512((const void *)(Q + 64 * j));
                const __m512i wl = _mm512_and_si512(w, m4), wh = _mm512_and_si512(w, m4h);
                for (int t = 0; t < NT; t++) {
                    const __m512i il = KIND == 0 ? _mm512_set1_epi32(la[t][b * 8 + j]) : _mm512_setzero_si512();
                    const __m512i ih = KIND == 0 ? _mm512_set1_epi32(lb[t][b * 8 + 4 + j]) : _mm512_setzero_si512();
                    const __m512i cl = _mm512_dpbusd_epi32(il, wl, bcast4(y[t] + b * QK + 4 * j));
                    const __m512i ch = _mm512_dpbusd_epi32(ih, wh, bcast4(y[t] + b * QK + 16 + 4 * j));
                    A[t][j] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(cl), A[t][j]);
                    A[t][4 + j] = _mm512_fmadd_ps(dd16[t], _mm512_cvtepi32_ps(ch), A[t][4 + j]);
                }
            }
            if (KIND == 1) {
                const __m512 mv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(G + tk_pk_soff(b, qb, sb) + 32)));
                for (int t = 0; t < NT; t++) summ[t] = _mm512_fmadd_ps(mv, _mm512_set1_ps(s[t][b]), summ[t]);
            }
        }
    }
    const __mmask16 k = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) {  // ggml's hsum_float_8 order, then + the m terms
        __m512 r = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(A[t][0], A[t][4]), _mm512_add_ps(A[t][2], A[t][6])),
                                 _mm512_add_ps(_mm512_add_ps(A[t][1], A[t][5]), _mm512_add_ps(A[t][3], A[t][7])));
        if (KIND == 1 || KIND == 4) r = _mm512_add_ps(r, summ[t]);
        _mm512_mask_storeu_ps(Y + t * ldy, k, r);
    }
}

TGT void tk_pk_lane_avx512(const uint8_t *G, int type, int64_t nb, const tk_act *a, const int32_t *lsA,
                       const int32_t *lsB, int64_t t0, int nt, float *Y, int64_t ldy, int nrows,
                       const uint8_t *pf, int64_t pfspan) {
    const int kind = tk_pk_kind(type);
#define PK_CALL(K, N) pk_kern(G, nb, a, lsA, lsB, t0, N, K, Y, ldy, nrows, pf, pfspan)
#define PK_KINDS(N) do { switch (kind) { case 0: PK_CALL(0, N); break; case 1: PK_CALL(1, N); break; \
    case 2: PK_CALL(2, N); break; case 3: PK_CALL(3, N); break; default: PK_CALL(4, N); break; } } while (0)
    if (nt >= 2) PK_KINDS(2); else PK_KINDS(1);
#undef PK_KINDS
#undef PK_CALL
}
#endif
