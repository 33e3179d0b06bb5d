// ThreadPool.swift: Swift handle on the C kernels' persistent worker pool (tk_pool).
import CKernels

/// A pool of persistent worker threads used by the kernels; the calling thread is worker 0.
public final class ThreadPool: @unchecked Sendable {
    public let raw: OpaquePointer?
    public let threadCount: Int

    /// Creates a pool of `threads` workers (1 runs everything inline).
    public init(threads: Int) {
        let n = max(1, threads)
        threadCount = n
        raw = tk_pool_create(Int32(n))
    }

    deinit { tk_pool_destroy(raw) }

    /// Cores available to this process.
    public static var defaultThreadCount: Int {
        ProcessInfoCores.count
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ProcessInfoCores {
    static var count: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? min(Int(n), 64) : 1
    }
}
