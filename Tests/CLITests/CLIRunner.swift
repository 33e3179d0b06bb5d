// CLIRunner.swift: runs the built `tailor` binary and captures stdout, stderr and the exit code.
import Foundation
import XCTest
@_exported import TestSupport

struct CLIResult {
    var stdout: String
    var stderr: String
    var status: Int32
}

enum CLI {
    /// The tailor binary next to the test bundle.
    static var binary: URL {
        var dir = Bundle.main.bundleURL
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dir = b.bundleURL.deletingLastPathComponent() }
        return dir.appendingPathComponent("tailor")
    }

    static func run(_ args: [String], env: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // read both pipes concurrently so a full pipe never blocks the child
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return CLIResult(stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
                         status: p.terminationStatus)
    }
}

/// A minimal GGUF file builder for bad-input tests.
struct TinyGGUF {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func str(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }

    /// One string key `general.architecture` and one 1-D tensor of `type` named `name`.
    static func make(architecture: String, tensorType: UInt32 = 0, tensorName: String = "token_embd.weight", elements: UInt64 = 256) -> [UInt8] {
        var g = TinyGGUF()
        g.u32(0x4655_4747); g.u32(3); g.u64(1); g.u64(1)
        g.str("general.architecture"); g.u32(8); g.str(architecture)
        g.str(tensorName); g.u32(1); g.u64(elements); g.u32(tensorType); g.u64(0)
        while g.bytes.count % 32 != 0 { g.bytes.append(0) }
        g.bytes += [UInt8](repeating: 0, count: 4096)
        return g.bytes
    }
}
