// vecdot_packed_block.c: the packed Q4_0/Q4_1/Q8_0 kernel (layout in vecdot_packed.c) with one
// float sum per block instead of ggml's eight lane sums: each row's integer dot product of a
// whole 32-element block is exact in int32, then scaled once (d_w*d_y) and accumulated, plus
// the Q4_1 m_w*s_y term on the same accumulator. Per 16 rows, token and block that is 8 vpdpbusd
// + 1 cvt + 1 mul + 1-2 fma instead of 8 + 8 + 8 + 2, and the weights a block's registers hold
// serve up to 8 tokens. The integer sums are the same as in ggml; only the float rounding of
// the sum over blocks differs, so results differ from llama.cpp's order by int8-path noise
// (tested against the lane-order kernel and against f32 math in MatmulTests). Used for batched
// decoding of several sequences (tk_matmul_packed_order(..., 1)); single-sequence decode and
// prefill keep ggml's order; their portable kernel, tk_pk_lane_generic, is here too.
#include "tk_internal.h"
#include "packed_q5.h"
#include <math.h>
#include <string.h>

/// Portable lane-order kernel (ggml's order; single-sequence decode and prefill with --sums ggml): outputs of rows [0, nrows) of group G for tokens t0..t0+nt-1. Sums as
/// ggml's x86 vec_dot does: 8 lanes of 4 consecutive elements, each lane accumulating
/// d_w*d_y*isum_lane over blocks (fma), then ggml's hsum_float_8 tree, plus the Q4_1 m*s terms.
void tk_pk_lane_generic(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                        float *Y, int64_t ldy, int nrows) {
    const int qb = tk_pk_qb(tk_pk_kind(type)), sb = tk_pk_sb(tk_pk_kind(type));
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *d8 = a->d8 + (t0 + t) * a->nbr * 8;
        for (int L = 0; L < nrows; L++) {
            float lane[8] = {0}, summs = 0;
            for (int64_t b = 0; b < nb; b++) {
                tk_half hd;
                memcpy(&hd, G + tk_pk_soff(b, qb, sb) + 2 * L, 2);
                const float dd = tk_h2f(hd) * d8[b * 8];
                for (int k = 0; k < 8; k++) {
                    int32_t is = 0;
                    for (int e = 4 * k; e < 4 * k + 4; e++) is += tk_pk_quant(G, type, qb, sb, b, L, e) * y[b * QK + e];
                    lane[k] = fmaf(dd, (float)is, lane[k]);
                }
                if (type == TK_Q4_1 || type == TK_Q5_1) {
                    tk_half hm;
                    memcpy(&hm, G + tk_pk_soff(b, qb, sb) + 32 + 2 * L, 2);
                    summs = fmaf(tk_h2f(hm), a->s[(t0 + t) * a->nbr + b], summs);
                }
            }
            Y[t * ldy + L] = (((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]))) + summs;
        }
    }
}

/// Portable block-order kernel: rows [0, nrows) of group G, tokens t0..t0+nt-1.
void tk_pk_block_generic(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                         float *Y, int64_t ldy, int nrows) {
    const int has_m = type == TK_Q4_1 || type == TK_Q5_1;
    const int qb = tk_pk_qb(tk_pk_kind(type)), sb = tk_pk_sb(tk_pk_kind(type));
    for (int t = 0; t < nt; t++) {
        const int8_t *y = a->qs + (t0 + t) * a->cols;
        const float *d8 = a->d8 + (t0 + t) * a->nbr * 8;
        for (int L = 0; L < nrows; L++) {
            float acc = 0;
            for (int64_t b = 0; b < nb; b++) {
                int32_t is = 0;
                for (int e = 0; e < 32; e++) is += tk_pk_quant(G, type, qb, sb, b, L, e) * y[b * QK + e];
                tk_half hd;
                memcpy(&hd, G + tk_pk_soff(b, qb, sb) + 2 * L, 2);
                acc = fmaf(tk_h2f(hd) * d8[b * 8], (float)is, acc);
                if (has_m) {
                    tk_half hm;
                    memcpy(&hm, G + tk_pk_soff(b, qb, sb) + 32 + 2 * L, 2);
                    acc = fmaf(tk_h2f(hm), a->s[(t0 + t) * a->nbr + b], acc);
                }
            }
            Y[t * ldy + L] = acc;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define AI __attribute__((always_inline)) inline
// Batched decode prefetches into L2 only: with 8 tokens per pass the kernel is compute-bound and a
// T0 prefetch evicts the activations and weights the pass is using (measured: 9.4 -> 7.4 ms per
// 8-token step over all matmuls of the default model, docs/PERFORMANCE.md).
#define PKB_HINT _MM_HINT_T1

/// 16 rows x NT tokens (NT <= 8); KIND 0 = Q4_0, 1 = Q4_1, 2 = Q8_0, 3 = Q5_0, 4 = Q5_1 (the last
/// three byte-wide). Q4 high nibbles are shifted down so one int32 chain per token sums the whole
/// block; the Q4_0 (-8), Q8_0 (stored +128) and Q5_0 (stored +16) offsets start the chain as 8,
/// 128 or 16 times -sum(y of the block).
TGT static AI void pkb_kern(const uint8_t *G, int64_t nb, const tk_act *a, int64_t t0, const int NT, const int KIND,
                            float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int qb = tk_pk_qb(KIND), sb = tk_pk_sb(KIND);
    const int8_t *y[8];
    const float *d8[8], *s[8];
    const int32_t *ns[8];
    __m512 acc[8];
    for (int t = 0; t < NT; t++) {
        y[t] = a->qs + (t0 + t) * a->cols;
        d8[t] = a->d8 + (t0 + t) * a->nbr * 8;
        s[t] = KIND == 1 || KIND == 4 ? a->s + (t0 + t) * a->nbr : NULL;
        ns[t] = KIND == 0 || KIND == 2 || KIND == 3 ? a->nsum8 + (t0 + t) * a->nbr * 8 : NULL;
        acc[t] = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    tk_pf_walk pw;
    tk_pf_walk_init(&pw, pf, pfspan, nb);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *Q = G + tk_pk_qoff(b, qb, sb);
        if (pf) {
            tk_pf_walk_next(&pw);
            for (uintptr_t l = pw.lo; l < pw.hi; l += 64) _mm_prefetch((const char *)l, PKB_HINT);
        }
        __m512i w[8];
        if (KIND >= 2) {
            for (int j = 0; j < 8; j++) w[j] = KIND == 2 ? _mm512_load_si512((const void *)(Q + 64 * j)) : tk_pk5_chunk512(Q, j);
        } else {
            for (int j = 0; j < 4; j++) {
                const __m512i v = _mm512_load_si512((const void *)(Q + 64 * j));
                w[j] = _mm512_and_si512(v, m4);                                // elements 4j..4j+3
                w[4 + j] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);      // elements 16+4j..
            }
        }
        const __m512 dv = _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(G + tk_pk_soff(b, qb, sb))));
        const __m512 mv = KIND == 1 || KIND == 4 ? _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)(G + tk_pk_soff(b, qb, sb) + 32))) : dv;
        for (int t = 0; t < NT; t++) {
            __m512i c = KIND == 1 || KIND == 4 ? _mm512_setzero_si512()
                      : _mm512_set1_epi32((KIND == 0 ? 8 : KIND == 2 ? 128 : 16) * ns[t][b * 8]);
            const int8_t *yb = y[t] + b * QK;
            for (int j = 0; j < 8; j++) {
                // Q8_0 chunk j = elements 4j..4j+3; Q4: w[j] as set above (low then high nibbles)
                const int e = KIND >= 2 ? 4 * j : (j < 4 ? 4 * j : 16 + 4 * (j - 4));
                int32_t v;
                memcpy(&v, yb + e, 4);
                c = _mm512_dpbusd_epi32(c, w[j], _mm512_set1_epi32(v));
            }
            const __m512 dd = _mm512_mul_ps(dv, _mm512_set1_ps(d8[t][b * 8]));
            acc[t] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(c), acc[t]);
            if (KIND == 1 || KIND == 4) acc[t] = _mm512_fmadd_ps(mv, _mm512_set1_ps(s[t][b]), acc[t]);
        }
    }
    const __mmask16 k = (__mmask16)((1u << nrows) - 1);
    for (int t = 0; t < NT; t++) _mm512_mask_storeu_ps(Y + t * ldy, k, acc[t]);
}

TGT void tk_pk_block_avx512(const uint8_t *G, int type, int64_t nb, const tk_act *a, int64_t t0, int nt,
                            float *Y, int64_t ldy, int nrows, const uint8_t *pf, int64_t pfspan) {
    const int kind = tk_pk_kind(type);
#define PKB(K, N) pkb_kern(G, nb, a, t0, N, K, Y, ldy, nrows, pf, pfspan)
#define PKB_N(N) do { switch (kind) { case 0: PKB(0, N); break; case 1: PKB(1, N); break; case 2: PKB(2, N); break; \
    case 3: PKB(3, N); break; default: PKB(4, N); break; } } while (0)
    switch (nt) {
    case 8: PKB_N(8); break;
    case 7: PKB_N(7); break;
    case 6: PKB_N(6); break;
    case 5: PKB_N(5); break;
    case 4: PKB_N(4); break;
    case 3: PKB_N(3); break;
    case 2: PKB_N(2); break;
    default: PKB_N(1); break;
    }
#undef PKB_N
#undef PKB
}
#endif
