// blas.c: the only place BLAS is called. OpenBLAS (cblas.h) on Linux, Accelerate on macOS.
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
