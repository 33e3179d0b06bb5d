// BLASKernels.swift: makes sure OpenBLAS runs the kernels the CPU can. OpenBLAS releases that
// predate a CPU model fall back to SSE3 "Prescott" kernels (seen with Debian's 0.3.21 on newer
// Xeons: f32 GEMM several times slower). OpenBLAS reads OPENBLAS_CORETYPE only when it loads, so
// the fix is to set it and re-execute the program once. A value the user set is never changed;
// TAILOR_NO_BLAS_REEXEC=1 turns this off.
import CKernels
#if canImport(Glibc)
import Glibc
#endif

public enum BLASKernels {
    /// The BLAS kernel family in use.
    public static var coreName: String { String(cString: tk_blas_corename()) }

    /// Re-executes the current program with OPENBLAS_CORETYPE set when OpenBLAS picked its
    /// fallback kernels on a CPU with AVX2 or AVX-512. Returns if nothing needs doing (or exec fails).
    public static func reexecIfFallback() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, getenv("TAILOR_NO_BLAS_REEXEC") == nil,
              let core = tk_blas_recommended_coretype() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")  // exec failed: carry on with what we have
        #endif
    }
}
