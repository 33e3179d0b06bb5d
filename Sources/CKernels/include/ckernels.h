// ckernels.h: the C kernels under Tailor. Hot loops live here; Swift orchestrates.
// Layout conventions: a weight matrix W is (rows, cols), row-major, each row stored in
// its ggml type (cols must be a multiple of the type's block size). Activations X are
// (ntok, cols) f32 row-major; outputs Y are (ntok, rows) f32. Type ids equal ggml's.
#ifndef TAILOR_CKERNELS_H
#define TAILOR_CKERNELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tk_type {
    TK_F32 = 0, TK_F16 = 1, TK_Q4_0 = 2, TK_Q4_1 = 3, TK_Q5_0 = 6, TK_Q5_1 = 7,
    TK_Q8_0 = 8, TK_Q8_1 = 9, TK_Q2_K = 10, TK_Q3_K = 11, TK_Q4_K = 12, TK_Q5_K = 13,
    TK_Q6_K = 14, TK_Q8_K = 15, TK_BF16 = 30,
};

/// Elements per block of `type` (1 for F32/F16/BF16); 0 if the type is unknown.
int64_t tk_type_block_elems(int type);
/// Bytes per block of `type`; 0 if unknown.
int64_t tk_type_block_bytes(int type);
/// 1 if this library can dequantize `type` (also TK_Q8_1 and TK_Q8_K, which tk_matmul does not take).
int tk_type_supported(int type);

/// Dequantize `n` elements (a multiple of the block size) from `src` to f32. Returns 0, or -1
/// for an unsupported type.
int tk_dequantize_row(int type, const void *src, float *dst, int64_t n);

// ---- activation quantization (ggml block layouts; bit-exact with ggml's quantize_row_*_ref) ----
/// x (n f32, n a multiple of 32) -> block_q8_0 {f16 d; int8 qs[32]}.
void tk_quantize_row_q8_0(const float *x, void *y, int64_t n);
/// Weights x (n f32, n a multiple of 32) -> block_q8_0 as ggml's quantize_row_q8_0_ref (roundf).
void tk_quantize_row_q8_0_ref(const float *x, void *y, int64_t n);
/// x (n f32, n a multiple of 32) -> block_q8_1 {f16 d; f16 s = d*sum(qs); int8 qs[32]}.
void tk_quantize_row_q8_1(const float *x, void *y, int64_t n);
/// x (n f32, n a multiple of 256) -> block_q8_K {f32 d; int8 qs[256]; int16 bsums[16]}.
void tk_quantize_row_q8_K(const float *x, void *y, int64_t n);
/// The activation type llama.cpp pairs with weight type `type` for its dot products
/// (TK_Q8_0, TK_Q8_1, TK_Q8_K, TK_F16, TK_BF16 or TK_F32); -1 if `type` has no matmul path.
int tk_vec_dot_type(int type);

// ---- CPU features (runtime dispatch) ----
/// Bit set: 1 = AVX2+FMA+F16C, 2 = AVX-512F/BW/VL, 4 = AVX-512 VNNI, 8 = AVX-512 BF16.
int tk_cpu_features(void);
/// Restricts the features used for kernel dispatch to tk_cpu_features() & mask (tests use 0 to
/// force the portable C path, 1 for AVX2 only; the AVX-512 kernels need bits 2 and 4). -1
/// restores all. Not meant to race with tk_matmul.
void tk_set_cpu_features_mask(int mask);
/// The features kernel dispatch currently uses: tk_cpu_features() & mask.
int tk_cpu_features_active(void);

// ---- thread pool: persistent workers, no per-call thread creation ----
typedef struct tk_pool tk_pool;
typedef void (*tk_task_fn)(void *ctx, int ith, int nth);
/// nthreads <= 0 means one per online CPU. nthreads == 1 spawns no thread. A pool runs one job
/// at a time: call tk_pool_run from one thread only (no nesting).
tk_pool *tk_pool_create(int nthreads);
void tk_pool_destroy(tk_pool *pool);
int tk_pool_size(const tk_pool *pool);
/// Runs fn(ctx, i, n) for i in 0..<n on the pool's threads (the caller runs i = 0, and also any
/// index whose worker has not started by the time it is done); returns when all are done. Each
/// index runs exactly once. A NULL pool runs fn(ctx, 0, 1) inline.
void tk_pool_run(tk_pool *pool, tk_task_fn fn, void *ctx);

// ---- matrix products ----
/// Y(ntok, rows) = X(ntok, cols) · W(rows, cols)^T for W in any supported type. Quantized
/// weights stay quantized: activations are quantized to 8 bit as llama.cpp does (Q8_0, Q8_1 or
/// Q8_K by weight type) and integer dot products are used; F16/BF16/F32 use float dots or BLAS.
/// Returns 0, or -1 for an unsupported type. `pool` may be NULL. Y is overwritten. Kernels:
/// AVX-512 VNNI, AVX2, or portable C, picked at run time (see tk_set_cpu_features_mask); the
/// quantized X lives in a grow-only scratch buffer owned by the calling thread.
int tk_matmul(const void *W, int type, int64_t rows, int64_t cols,
              const float *X, int64_t ntok, float *Y, tk_pool *pool);

/// Like tk_matmul but with f32 activations: rows are dequantized and dotted in f32. The exact
/// reference path (tests, training). Returns 0, or -1 for an unsupported type.
int tk_matmul_exact(const void *W, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                    float *Y, tk_pool *pool);

/// Long-lived buffers in transparent huge pages where the OS offers them (hugepages.c): a
/// 64-byte aligned block of `bytes`, and its chunk for tk_huge_release (NULL: plain heap memory).
typedef struct tk_huge_chunk tk_huge_chunk;
void *tk_huge_alloc(size_t bytes, tk_huge_chunk **chunk);
void tk_huge_release(void *p, tk_huge_chunk *chunk);

/// Row-interleaved ("packed") Q4_0/Q4_1/Q8_0/Q5_0/Q5_1 (vecdot_packed.c) and Q4_K/Q5_K/Q6_K
/// (vecdot_packed_k.c) weights for fast int8 matvec/matmul; for F16/BF16 a plain copy (for
/// large pages; products as tk_matmul):
/// bytes of the packed form of a (rows, cols) matrix, or 0 if `type`/shape cannot be packed.
size_t tk_packed_bytes(int type, int64_t rows, int64_t cols);
/// 1 if the packed path is faster than tk_matmul for `type` on this CPU (AVX-512 VNNI or AVX2;
/// Q4/Q8/Q5 types on arm64 built with sdot).
int tk_packed_preferred(int type);
/// Repacks W (rows, cols, ggml layout) into `out` (tk_packed_bytes long, 64-byte aligned).
/// Returns 0, or -1 if the type/shape cannot be packed.
int tk_pack_weights(const void *W, int type, int64_t rows, int64_t cols, void *out);
/// tk_pack_weights over `pool`'s threads (the same bytes); from one thread only, not in a pool task.
int tk_pack_weights_pool(const void *W, int type, int64_t rows, int64_t cols, void *out, tk_pool *pool);
/// tk_matmul on packed weights: same int8 activations and per-block scaling, so the same results
/// up to f32 summation order. Returns 0, or -1 (bad type/shape, or P not 64-byte aligned).
int tk_matmul_packed(const void *P, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                     float *Y, tk_pool *pool);
/// tk_matmul_packed with block_order = 1: one float sum per 32-element block instead of ggml's
/// eight lane sums (vecdot_packed_block.c): the same integer dot products, ~1.7x less float work
/// for several tokens, results within int8-path rounding noise of the lane order (not equal).
int tk_matmul_packed_order(const void *P, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok,
                           float *Y, tk_pool *pool, int block_order);
#define TK_PACKED_MAX_MATS 4
/// tk_matmul_packed_order for up to TK_PACKED_MAX_MATS matrices of one type and width that read
/// the same activations X (e.g. the Q, K and V projections): X is quantized once and all their
/// row groups share one pool run. Y[m] is (ntok, rows[m]). Results equal separate calls.
int tk_matmul_packed_multi(const void *const *P, const int64_t *rows, int nmat, int type, int64_t cols, const float *X,
                           int64_t ntok, float *const *Y, tk_pool *pool, int block_order);
/// Block-order prompt product of a K-quant matrix kept in the file's layout (W: rows x cols, ggml
/// blocks) where the packed form is not preferred for it (tk_packed_preferred is 0: Q6_K on CPUs
/// with AVX2 but not AVX-512 VNNI): each 16-row group is packed into scratch as its work item
/// starts and dotted through the unpacked tile, so Y equals tk_matmul_packed_order(packed W, ...,
/// 1) bit for bit. Returns -1 when this does not apply (another type or CPU, fewer than 16 tokens;
/// nothing written) or when scratch memory ran out (Y partly written): use tk_matmul then.
int tk_matmul_rows_tiled(const void *W, int type, int64_t rows, int64_t cols, const float *X, int64_t ntok, float *Y,
                         tk_pool *pool);

/// Quantizes n f32 weights (a whole number of blocks) into `type` with ggml's reference
/// algorithms (what llama-quantize writes without an imatrix): Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
/// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K (n a multiple of 256), plus F32/F16/BF16.
/// Returns 0, or -1 for a type it cannot produce.
int tk_quantize_weights(int type, const float *x, void *y, int64_t n);

/// The BLAS kernel family in use (OpenBLAS's core name, or "Accelerate").
const char *tk_blas_corename(void);
/// When OpenBLAS fell back to its slowest x86 kernels on a CPU it does not know, the
/// OPENBLAS_CORETYPE that matches the CPU's features ("SKYLAKEX" or "HASWELL"); else NULL.
const char *tk_blas_recommended_coretype(void);

/// f32 GEMM through BLAS, single-threaded (blas.c): C(m,n) = alpha * op(A) · op(B) + beta * C, row-major.
void tk_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
              float *C, int64_t ldc);
/// tk_sgemm split into slices of C over `pool` (one single-threaded BLAS call per slice; NULL pool:
/// plain tk_sgemm). Not from inside a pool task.
void tk_sgemm_pool(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
                   float *C, int64_t ldc, tk_pool *pool);

// ---- elementwise and normalization ops (ops.c) ----
/// y = x / sqrt(mean(x^2) + eps) * w, over rows of length n.
void tk_rmsnorm(float *y, const float *x, const float *w, int64_t n, float eps);
/// In-place RoPE on one token's heads: x is (nheads, head_dim); rotates the first n_rot dims
/// at position pos. neox=1 pairs (i, i+n_rot/2); neox=0 pairs (2i, 2i+1). freq_scale multiplies
/// positions (linear scaling); freq_factors (n_rot/2 entries, may be NULL) divide frequencies.
void tk_rope(float *x, int64_t nheads, int64_t head_dim, int64_t n_rot, int64_t pos,
             float freq_base, float freq_scale, const float *freq_factors, int neox);
/// tk_rope's cos/sin for position pos, computed once for reuse by every layer: cs[0..n_rot/2) =
/// cos, cs[n_rot/2..n_rot) = sin, the same floats tk_rope uses.
void tk_rope_cos_sin(float *cs, int64_t n_rot, int64_t pos, float freq_base, float freq_scale, const float *freq_factors);
/// tk_rope with a table from tk_rope_cos_sin (bit-identical to tk_rope at that position).
void tk_rope_apply(float *x, int64_t nheads, int64_t head_dim, int64_t n_rot, const float *cs, int neox);
/// In-place softmax over n values.
void tk_softmax(float *x, int64_t n);
/// out[i] = silu(gate[i]) * up[i].
void tk_swiglu(float *out, const float *gate, const float *up, int64_t n);
/// y[i] += x[i].
void tk_add(float *y, const float *x, int64_t n);
/// Index of the first largest of n values (comparisons as `x[i] > x[best]`, so with NaNs the
/// answer is that loop's); -1 when n <= 0.
int64_t tk_argmax(const float *x, int64_t n);
/// y[t, i] += bias[i] for t in 0..<ntok.
void tk_add_bias(float *y, const float *bias, int64_t ntok, int64_t n);

/// Causal multi-head attention with grouped-query KV heads over a cache.
/// q: (ntok, n_head, head_dim) for tokens at positions pos0 ... pos0+ntok-1.
/// k_cache, v_cache: (positions, n_head_kv, head_dim), f32 or (kv_f16=1) f16, already holding
/// positions 0 ... pos0+ntok-1. out: (ntok, n_head, head_dim). scratch: one row of
/// scratch_stride >= pos0+ntok floats per pool thread.
void tk_attention(float *out, const float *q, const void *k_cache, const void *v_cache, int kv_f16,
                  int64_t ntok, int64_t n_head, int64_t n_head_kv, int64_t head_dim, int64_t pos0,
                  float scale, float *scratch, int64_t scratch_stride, tk_pool *pool);

/// Attention of one new token per sequence over each sequence's own cache (decoding a batch):
/// q, out (nseq, n_head, head_dim); sequence s attends its positions 0 ..< n_kv[s], which
/// k_caches[s] / v_caches[s] (layout as in tk_attention) already hold. Returns -1 where this
/// kernel does not apply (no AVX-512, head_dim not a multiple of 16 up to 128, out of memory):
/// then run tk_attention per sequence.
int tk_attention_decode(float *out, const float *q, const void *const *k_caches, const void *const *v_caches,
                        const int64_t *n_kv, int64_t nseq, int kv_f16, int64_t n_head, int64_t n_head_kv,
                        int64_t head_dim, float scale, tk_pool *pool);
/// tk_attention_decode that also warms the next layer's caches (k_next[s], v_next[s]: the same
/// sequences' caches one layer on, holding n_kv[s] - 1 positions; NULL entries or arrays: none):
/// their rows are prefetched into L2 while this layer's attention runs, so the next layer's
/// attention finds them in L2 or L3 instead of memory (the AVX-512 kernel; the AVX2 one does not
/// warm, which measured slower on Zen 3). Results are those of tk_attention_decode.
int tk_attention_decode_warm(float *out, const float *q, const void *const *k_caches, const void *const *v_caches,
                             const void *const *k_next, const void *const *v_next, const int64_t *n_kv, int64_t nseq,
                             int kv_f16, int64_t n_head, int64_t n_head_kv, int64_t head_dim, float scale, tk_pool *pool);

// ---- f16 / bf16 conversion ----
float tk_f16_to_f32(uint16_t h);
uint16_t tk_f32_to_f16(float f);
void tk_f16_to_f32_row(const uint16_t *src, float *dst, int64_t n);
void tk_f32_to_f16_row(const float *src, uint16_t *dst, int64_t n);
/// x[i] rounded to the nearest f16 value (ties to even), kept as f32; in place.
void tk_round_f16_row(float *x, int64_t n);
float tk_bf16_to_f32(uint16_t h);
/// Round to nearest even, NaN kept quiet (as ggml_compute_fp32_to_bf16).
uint16_t tk_f32_to_bf16(float f);
void tk_bf16_to_f32_row(const uint16_t *src, float *dst, int64_t n);
void tk_f32_to_bf16_row(const float *src, uint16_t *dst, int64_t n);


// ---- training kernels: forward + backward pairs (grad_ops.c, grad_attention.c) ----
// Backward kernels ADD into gradient buffers. Row work is split over `pool` (may be NULL).
/// RMSNorm of ntok rows of n: y = x * rstd * w, as tk_rmsnorm; also writes rstd (ntok), the
/// inverse root-mean-square the backward needs.
void tk_rmsnorm_fwd(float *y, float *rstd, const float *x, const float *w, int64_t ntok, int64_t n, float eps,
                    tk_pool *pool);
/// Backward of tk_rmsnorm_fwd: dx += dL/dx, dw += dL/dw (either may be NULL).
void tk_rmsnorm_bwd(float *dx, float *dw, const float *dy, const float *x, const float *w, const float *rstd,
                    int64_t ntok, int64_t n, tk_pool *pool);
/// y = x * sigmoid(x).
void tk_silu_fwd(float *y, const float *x, int64_t n);
/// dx += dy * silu'(x).
void tk_silu_bwd(float *dx, const float *dy, const float *x, int64_t n);
/// tk_rope on nrows rows of (nheads, head_dim), row r at position sign·positions[r], with cos/sin
/// computed once per distinct position; rows split over `pool`.
void tk_rope_rows(float *x, const int64_t *positions, int64_t nrows, int64_t nheads, int64_t head_dim, int64_t n_rot,
                  float freq_base, float freq_scale, const float *freq_factors, int neox, int sign, tk_pool *pool);
/// out = silu(gate) * up (as tk_swiglu, with a vectorized exp).
void tk_swiglu_fwd(float *out, const float *gate, const float *up, int64_t n);
/// Backward of tk_swiglu (out = silu(gate) * up): dgate += ..., dup += ... (either may be NULL).
void tk_swiglu_bwd(float *dgate, float *dup, const float *dy, const float *gate, const float *up, int64_t n);
/// Softmax cross-entropy of logits (nrows, V) against targets; rows whose target equals
/// ignore_index are skipped. Writes lse (nrows) and row_loss (nrows, 0 when ignored), sets
/// *nvalid, and returns the sum of the valid rows' losses (in double, rows in order).
/// Targets other than ignore_index must be in 0 ..< V (the caller checks).
double tk_cross_entropy_fwd(const float *logits, const int32_t *targets, int32_t ignore_index, int64_t nrows,
                            int64_t V, float *lse, float *row_loss, int64_t *nvalid, tk_pool *pool);
/// dlogits += scale * (softmax(logits) - onehot(target)) on valid rows (scale = dL / nvalid for a mean).
/// overwrite != 0: dlogits = that instead (0 on ignored rows), for a buffer with undefined contents.
void tk_cross_entropy_bwd(float *dlogits, const float *logits, const int32_t *targets, int32_t ignore_index,
                          const float *lse, int64_t nrows, int64_t V, float scale, int overwrite, tk_pool *pool);
/// dX(ntok, cols) += dY(ntok, rows) · W(rows, cols), W in any supported type, dequantized block
/// by block (the input gradient of tk_matmul_exact; W itself is frozen). Returns 0, or -1 for an
/// unsupported type.
int tk_matmul_exact_backward_x(const void *W, int type, int64_t rows, int64_t cols, const float *dY, int64_t ntok,
                               float *dX, tk_pool *pool);
/// Causal grouped-query attention over B sequences of T tokens: q (B, T, H, Dh), k, v
/// (B, T, Hkv, Dh) -> out (B, T, H, Dh); lse (B, H, T) receives each query's log-sum-exp of
/// scaled scores. Query head h reads KV head h / (H / Hkv). With P > 0, k and v hold P prefix rows
/// before the T rows of each sequence ((B, P+T, Hkv, Dh)) and query t attends keys 0 ... P+t.
void tk_attention_train_fwd(float *out, float *lse, const float *q, const float *k, const float *v,
                            int64_t B, int64_t T, int64_t P, int64_t H, int64_t Hkv, int64_t Dh, float scale, tk_pool *pool);
/// Backward of tk_attention_train_fwd: dq, dk, dv (not NULL) += gradients, recomputing the
/// probabilities from q, k and lse; out is the forward's output.
void tk_attention_train_bwd(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int64_t B, int64_t T, int64_t P,
                            int64_t H, int64_t Hkv, int64_t Dh, float scale, tk_pool *pool);
/// y[i] = a[i] * b[i].
void tk_mul(float *y, const float *a, const float *b, int64_t n);
/// y[i] += a[i] * b[i].
void tk_mul_acc(float *y, const float *a, const float *b, int64_t n);
/// y[i] += alpha * x[i].
void tk_axpy(float *y, float alpha, const float *x, int64_t n);
/// x[i] *= alpha.
void tk_scale(float *x, float alpha, int64_t n);
/// dst (cols, rows) = transpose of src (rows, cols).
void tk_transpose(float *dst, const float *src, int64_t rows, int64_t cols);
/// Sum of x[i]^2 in double.
double tk_sum_squares(const float *x, int64_t n);
/// One AdamW update of n elements in torch.optim.AdamW's order: p *= decay_mul (1 - lr*wd);
/// m = lerp(m, g, beta1_w = 1 - beta1); v = v*beta2 + one_minus_beta2*g*g;
/// p -= step_size * m / (sqrt(v)/bc2_sqrt + eps), step_size = lr / (1 - beta1^t).
void tk_adamw_step(float *p, const float *g, float *m, float *v, int64_t n, float decay_mul, float beta1_w,
                   float beta2, float one_minus_beta2, float step_size, float bc2_sqrt, float eps);
/// One SGD update as torch.optim.SGD: d = g + wd*p; with momentum, buf = d on the first step,
/// else buf*momentum + (1-dampening)*d, and d = nesterov ? d + momentum*buf : buf; p -= lr*d.
void tk_sgd_step(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                 float weight_decay, int nesterov, int first);

// ---- training: elementwise ops and optimizer updates over the pool (grad_elementwise.c) ----
// Same results as the one-thread kernels above for any pool (elementwise). Small n runs inline.
void tk_add_pool(float *y, const float *x, int64_t n, tk_pool *pool);                 // y += x
void tk_add3_pool(float *y, const float *a, const float *b, int64_t n, tk_pool *pool); // y = a + b
void tk_scale_pool(float *x, float alpha, int64_t n, tk_pool *pool);
void tk_axpy_pool(float *y, float alpha, const float *x, int64_t n, tk_pool *pool);
void tk_mul_pool(float *y, const float *a, const float *b, int64_t n, tk_pool *pool);
void tk_mul_acc_pool(float *y, const float *a, const float *b, int64_t n, tk_pool *pool);
void tk_silu_fwd_pool(float *y, const float *x, int64_t n, tk_pool *pool);
void tk_silu_bwd_pool(float *dx, const float *dy, const float *x, int64_t n, tk_pool *pool);
void tk_swiglu_fwd_pool(float *out, const float *gate, const float *up, int64_t n, tk_pool *pool);
/// tk_swiglu_bwd over the pool; overwrite bit 0 (dgate) / bit 1 (dup): write instead of add.
void tk_swiglu_bwd_pool(float *dgate, float *dup, const float *dy, const float *gate, const float *up, int64_t n,
                        int overwrite, tk_pool *pool);
void tk_adamw_step_pool(float *p, const float *g, float *m, float *v, int64_t n, float decay_mul, float beta1_w,
                        float beta2, float one_minus_beta2, float step_size, float bc2_sqrt, float eps, tk_pool *pool);
/// Sum of x[i]^2 in double: fixed chunks of 65536 elements summed in order, then the chunk sums in
/// order, so the result is the same for every pool size.
double tk_sum_squares_pool(const float *x, int64_t n, tk_pool *pool);

#ifdef __cplusplus
}
#endif
#endif
