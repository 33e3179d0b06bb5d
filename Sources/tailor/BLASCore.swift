// BLASCore.swift: OpenBLAS picks its kernels from CPUID when it loads; on CPUs it does not know
// (virtualized "Intel Xeon Processor" models report family 6 with an unknown model) it falls back
// to the generic Prescott (SSE3) kernels, 2-3x slower for the f32 GEMMs of the BERT encoder.
// Commands that run the encoder call `BLASCore.ensureFastKernels()` first: when
// $OPENBLAS_CORETYPE is unset, BLAS reports Prescott and the CPU has AVX2/FMA, the process
// re-executes itself once with OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2).
// TAILOR_NO_BLAS_REEXEC=1 turns this off.
import CKernels
import Foundation

enum BLASCore {
    static func ensureFastKernels() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["TAILOR_NO_BLAS_REEXEC"] == nil, env["TAILOR_BLAS_REEXEC"] == nil,
              let name = tk_blas_core_name().map({ String(cString: $0) }), name.lowercased() == "prescott" else { return }
        let f = tk_cpu_features()
        guard f & 1 != 0 else { return }
        setenv("OPENBLAS_CORETYPE", f & 2 != 0 ? "SkylakeX" : "Haswell", 1)
        setenv("TAILOR_BLAS_REEXEC", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returned: it failed; carry on with the slow kernels.
    }
}
