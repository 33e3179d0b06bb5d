// ckernels_retrieval.h: kernels for the BERT encoder and vector search (retrieval.c).
// Activations are row-major f32. Limits: attention is bidirectional with a key-length mask only.
#ifndef TAILOR_CKERNELS_RETRIEVAL_H
#define TAILOR_CKERNELS_RETRIEVAL_H
#include <stddef.h>
#include <stdint.h>
#include "ckernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/// LayerNorm over ntok rows of n (PyTorch's, biased variance): y = (x - mean) / sqrt(var + eps) * w + b.
/// y may equal x.
void tk_layernorm(float *y, const float *x, const float *w, const float *b, int64_t ntok, int64_t n, float eps,
                  tk_pool *pool);
/// In place, exact GELU as torch.nn.functional.gelu (erf form): x = 0.5 x (1 + erf(x / sqrt 2)).
void tk_gelu_erf(float *x, int64_t n, tk_pool *pool);
/// Bidirectional multi-head attention over a packed batch of variable-length sequences (the
/// packed form of a padding mask: no token attends to padding because none is stored). Sequence
/// b occupies rows offsets[b] ..< offsets[b+1]. q, k, v: rows of H*Dh with row stride ld floats
/// (so one fused QKV buffer works); out: rows of H*Dh, dense. Work is split over (b, head).
void tk_bert_attention(float *out, const float *q, const float *k, const float *v, int64_t ld, int64_t B,
                       int64_t H, int64_t Dh, const int64_t *offsets, float scale, tk_pool *pool);
/// Y(m, n) = X(m, k) · W(n, k)^T + bias (bias may be NULL), row-major and dense. The m rows are
/// split over the pool's threads, each running a single-threaded BLAS GEMM on its block, so BLAS
/// threads never compete with pool threads (OpenBLAS is set to one thread during the call and
/// restored after). With a NULL or one-thread pool it is a plain tk_sgemm.
void tk_linear_pool(float *Y, const float *X, const float *W, const float *bias, int64_t m, int64_t n, int64_t k,
                    tk_pool *pool);
/// Dot product of two f32 vectors (AVX2/FMA when available).
float tk_dot_f32(const float *a, const float *b, int64_t n);
/// Dot product of an f32 vector with an f16 one (HNSW graph traversal reads f16 copies: half the
/// memory traffic). AVX-512 / F16C when available; the same floats on every call path.
float tk_dot_f32_f16(const float *a, const uint16_t *b, int64_t n);
/// out[i] = dot(q, X[i]) for the n rows of X (n, dim), row-major.
void tk_dot_rows_f32(float *out, const float *q, const float *X, int64_t n, int64_t dim);
/// Scales each of the n rows of x (n, dim) to unit L2 norm (rows of norm < 1e-12 are divided by 1e-12,
/// as torch.nn.functional.normalize).
void tk_l2_normalize_rows(float *x, int64_t n, int64_t dim);

#ifdef __cplusplus
}
#endif
#endif
