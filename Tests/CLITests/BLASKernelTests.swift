// BLASKernelTests.swift: the CLI never runs OpenBLAS's SSE3 fallback kernels on a CPU with
// AVX2/AVX-512 (it re-executes itself with OPENBLAS_CORETYPE set), and never overrides a
// user's OPENBLAS_CORETYPE.
import Foundation
import XCTest

final class BLASKernelTests: XCTestCase {
    func lastCore(_ r: CLIResult) -> String? {
        r.stderr.split(separator: "\n").last { $0.hasPrefix("Core:") }.map { String($0.dropFirst(5)).trimmingCharacters(in: .whitespaces) }
    }

    func testFastKernelsChosenAndUserChoiceKept() throws {
        #if os(Linux) && arch(x86_64)
        let r = try CLI.run(["models", "--catalog"], env: ["OPENBLAS_VERBOSE": "2"])
        XCTAssertEqual(r.status, 0)
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if cpu.contains(" avx2 ") || cpu.contains(" avx512f ") {
            XCTAssertNotEqual(lastCore(r)?.lowercased(), "prescott", r.stderr)
        }
        let forced = try CLI.run(["models", "--catalog"], env: ["OPENBLAS_VERBOSE": "2", "OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertEqual(lastCore(forced)?.lowercased(), "prescott", forced.stderr)
        #else
        throw XCTSkip("OpenBLAS on x86-64 Linux only")
        #endif
    }
}
