// TestSupport.swift: shared helpers for the tokenizer tests: reading llama.cpp's vocab test
// vectors (paths and the default model come from the TestSupport target).
import Foundation
import XCTest
@_exported import TestSupport
import Loading
@testable import Tokenizers

/// One llama.cpp test-tokenizer-0 case.
struct VocabVector {
    let input: String
    let expected: [Int32]
}

enum VocabVectors {
    /// All `*.gguf` files in the llama-vocab folder that have `.inp`/`.out` companions.
    static func files() throws -> [URL] {
        let dir = TestAssets.sharedTestdata.appendingPathComponent("llama-vocab")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        return names.filter { $0.hasSuffix(".gguf") && names.contains($0 + ".inp") && names.contains($0 + ".out") }
            .sorted().map { dir.appendingPathComponent($0) }
    }

    /// Reads X.gguf.inp / X.gguf.out exactly like llama.cpp's test-tokenizer-0 read_tests.
    static func read(_ gguf: URL) throws -> [VocabVector] {
        let inp = try Data(contentsOf: URL(fileURLWithPath: gguf.path + ".inp"))
        let out = try String(contentsOfFile: gguf.path + ".out", encoding: .utf8)
        let raw = [UInt8](inp)
        let sep = Array("\n__ggml_vocab_test__\n".utf8)
        var inputs: [String] = []
        var pos = 0
        while pos < raw.count {
            var next: Int? = nil
            var i = pos
            while i + sep.count <= raw.count {
                if raw[i] == sep[0] && Array(raw[i..<(i + sep.count)]) == sep { next = i; break }
                i += 1
            }
            guard let n = next else { inputs.append(String(decoding: raw[pos...], as: UTF8.self)); break }
            inputs.append(String(decoding: raw[pos..<n], as: UTF8.self))
            pos = n + sep.count
        }
        var lines = out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard lines.count == inputs.count else {
            throw NSError(domain: "VocabVectors", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "\(gguf.lastPathComponent): \(inputs.count) inputs but \(lines.count) output lines"])
        }
        return zip(inputs, lines).map { i, l in
            VocabVector(input: i, expected: l.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) })
        }
    }
}
