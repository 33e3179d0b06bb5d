// blas.c: the only place BLAS is called. OpenBLAS (cblas.h) on Linux, Accelerate on macOS.
// tk_sgemm is one single-threaded BLAS call; tk_sgemm_pool runs single-threaded BLAS calls on slices
// of the output over Tailor's own pool, so one set of threads does all the work (OpenBLAS's
// server threads otherwise spin-yield beside the pool's on a small machine: measured ~30% of a
// training step in sched_yield on 2 cores).
#include "ckernels.h"
#include <strings.h>
#ifdef __APPLE__
#define ACCELERATE_NEW_LAPACK
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

void tk_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
              float *C, int64_t ldc) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

#if !defined(__APPLE__)
void openblas_set_num_threads(int);
// Tailor's own pool does all the threading (tk_sgemm_pool and the kernels), so OpenBLAS runs
// single-threaded for the whole process, and BLAS calls inside pool tasks need no guard.
// (Lowering and restoring its thread count around each pooled section, as before, woke its
// worker threads on every restore; they spun in sched_yield beside the pool: a third of the
// CPU samples of an F16 prompt at --threads 1.)
__attribute__((constructor)) static void tk_blas_one_thread(void) { openblas_set_num_threads(1); }
#endif

typedef struct {
    int ta, tb, split_n; int64_t m, n, k; float alpha, beta;
    const float *A, *B; float *C; int64_t lda, ldb, ldc;
} sgemm_ctx;

// Slice ith of nth of C: a block of columns (split_n) or of rows, on 16-element boundaries.
static void sgemm_task(void *vc, int ith, int nth) {
    const sgemm_ctx *c = vc;
    const int64_t total = c->split_n ? c->n : c->m, units = (total + 15) / 16;
    int64_t lo = units * ith / nth * 16, hi = units * (ith + 1) / nth * 16;
    if (hi > total) hi = total;
    if (hi <= lo) return;
    if (c->split_n) {  // columns lo..hi of op(B): B (k, n) -> B + lo; Bᵀ with B (n, k) -> B + lo·ldb
        const float *B = c->tb ? c->B + lo * c->ldb : c->B + lo;
        tk_sgemm(c->ta, c->tb, c->m, hi - lo, c->k, c->alpha, c->A, c->lda, B, c->ldb, c->beta, c->C + lo, c->ldc);
    } else {           // rows lo..hi of op(A): A (m, k) -> A + lo·lda; Aᵀ with A (k, m) -> A + lo
        const float *A = c->ta ? c->A + lo : c->A + lo * c->lda;
        tk_sgemm(c->ta, c->tb, hi - lo, c->n, c->k, c->alpha, A, c->lda, c->B, c->ldb, c->beta, c->C + lo * c->ldc, c->ldc);
    }
}

void tk_sgemm_pool(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
                   const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
                   float *C, int64_t ldc, tk_pool *pool) {
    if (!pool) { tk_sgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc); return; }
    // Each slice packs its part of the split operand and all of the other: split the larger side.
    sgemm_ctx c = { transA, transB, n > m, m, n, k, alpha, beta, A, B, C, lda, ldb, ldc };
    if (tk_pool_size(pool) <= 1 || m * n * k < (int64_t)64 * 64 * 64 || (c.split_n ? n : m) < 32)
        sgemm_task(&c, 0, 1);
    else
        tk_pool_run(pool, sgemm_task, &c);
}

const char *tk_blas_corename(void) {
#ifdef __APPLE__
    return "Accelerate";
#else
    return openblas_get_corename();
#endif
}

const char *tk_blas_recommended_coretype(void) {
#if defined(__x86_64__) && !defined(__APPLE__)
    // OpenBLAS builds that predate a CPU model fall back to the SSE3 "Prescott" kernels, several
    // times slower than the AVX-512/AVX2 ones the CPU runs.
    const char *core = openblas_get_corename();
    if (!core || strcasecmp(core, "prescott") != 0) return NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) return "SKYLAKEX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "HASWELL";
#endif
    return NULL;
}
