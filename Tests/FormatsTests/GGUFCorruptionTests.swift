// GGUFCorruptionTests.swift: truncated and bit-flipped copies of real GGUF files must give a
// one-line FormatError, never a crash.
import Foundation
import XCTest
@testable import Formats
import TestSupport

final class GGUFCorruptionTests: XCTestCase {
    static let vocabDir = TestAssets.sharedTestdata.appendingPathComponent("llama-vocab")
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-gguf-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    func realFile() -> URL { Self.vocabDir.appendingPathComponent("ggml-vocab-gpt-2.gguf") }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let u = tmp.appendingPathComponent(name)
        try Data(bytes).write(to: u)
        return u.path
    }

    /// Parses `path`; returns the error (nil if it parsed).
    func parse(_ path: String) -> FormatError? {
        do { _ = try GGUFFile(path: path); return nil } catch let e as FormatError { return e } catch {
            XCTFail("non-format error \(error)"); return nil
        }
    }

    func testRealFileParses() throws {
        let f = try GGUFFile(path: realFile().path)
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.string("tokenizer.ggml.model"), "gpt2")
        XCTAssertGreaterThan(f.strings("tokenizer.ggml.tokens")?.count ?? 0, 50000)
    }

    func testEveryTruncationFails() throws {
        let bytes = [UInt8](try Data(contentsOf: realFile()))
        let f = try GGUFFile(path: realFile().path)
        // the file is exactly used up to the end of its last tensor or metadata; every shorter prefix must fail
        let needed = f.tensors.map { $0.fileOffset + $0.byteCount }.max() ?? 0
        var cuts = Array(0..<40) + stride(from: 40, to: bytes.count, by: max(1, bytes.count / 80)).map { $0 }
        cuts.append(bytes.count - 1)
        for cut in cuts where cut < bytes.count {
            let p = try write(Array(bytes[0..<cut]), "trunc.gguf")
            let err = parse(p)
            if cut < max(needed, f.headerByteCount) {
                XCTAssertNotNil(err, "truncation at \(cut) of \(bytes.count) parsed")
            }
            if let err { XCTAssertFalse(err.description.contains("\n"), "multi-line error: \(err)") }
        }
    }

    func testStructuralBitFlipsFail() throws {
        let bytes = [UInt8](try Data(contentsOf: realFile()))
        // magic, version, tensor count, kv count, first key length: high bits make them impossible
        let cases: [(Int, UInt8, String)] = [(0, 0x01, "magic"), (3, 0x80, "magic"), (4, 0x04, "version"),
                                             (15, 0x40, "tensor count"), (23, 0x40, "kv count"), (31, 0x40, "key length"),
                                             (29, 0x10, "key length")]
        for (offset, bit, what) in cases {
            var b = bytes
            b[offset] ^= bit
            let p = try write(b, "flip.gguf")
            XCTAssertNotNil(parse(p), "flipping \(what) at byte \(offset) was not detected")
        }
    }

    func testRandomBitFlipsNeverCrash() throws {
        let bytes = [UInt8](try Data(contentsOf: realFile()))
        var rng = SystemRandomNumberGenerator()
        var detected = 0
        for i in 0..<120 {
            var b = bytes
            // flips concentrated in the first 64 KB (header, counts, lengths, type tags)
            let pos = i < 80 ? Int.random(in: 0..<min(65536, b.count), using: &rng) : Int.random(in: 0..<b.count, using: &rng)
            b[pos] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            let p = try write(b, "rand.gguf")
            if parse(p) != nil { detected += 1 }
        }
        XCTAssertGreaterThan(detected, 0)
    }

    func testNotGGUFAndMissing() throws {
        let p = try write(Array("hello, this is not a model file at all".utf8), "text.gguf")
        XCTAssertEqual(parse(p)?.description.contains("bad magic"), true)
        XCTAssertEqual(parse(tmp.appendingPathComponent("absent.gguf").path)?.description.contains("No such file"), true)
        let empty = try write([], "empty.gguf")
        XCTAssertNotNil(parse(empty))
    }

    func testUnknownTensorTypeAndOffsetPastEnd() throws {
        // A minimal valid GGUF with one tensor, then corrupted type and offset.
        func make(type: UInt32, offset: UInt64, dims: [UInt64] = [32]) -> [UInt8] {
            var b: [UInt8] = []
            func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
            func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
            func str(_ s: String) { u64(UInt64(s.utf8.count)); b += Array(s.utf8) }
            u32(0x4655_4747); u32(3); u64(1); u64(1)
            str("general.architecture"); u32(8); str("llama")
            str("t"); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
            while b.count % 32 != 0 { b.append(0) }
            b += [UInt8](repeating: 0, count: 128)
            return b
        }
        XCTAssertNil(parse(try write(make(type: 0, offset: 0), "ok.gguf")))
        XCTAssertEqual(parse(try write(make(type: 99, offset: 0), "type.gguf"))?.description.contains("unknown type 99"), true)
        XCTAssertEqual(parse(try write(make(type: 0, offset: 1 << 40), "off.gguf"))?.description.contains("past the end"), true)
        XCTAssertEqual(parse(try write(make(type: 0, offset: 0, dims: [64]), "trunc.gguf"))?.description.contains("truncated"), true)
        XCTAssertEqual(parse(try write(make(type: 2, offset: 0, dims: [33]), "blocks.gguf"))?.description.contains("whole number"), true)
    }
}
