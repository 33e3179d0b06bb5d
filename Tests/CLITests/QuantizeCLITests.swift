// QuantizeCLITests.swift: `tailor quantize` end to end: the tiny mixed-type model requantized to
// q8_0 loads and generates, and bad requests fail with one-line errors (logit accuracy of
// requantized models: ModelsTests/QuantizedModelTests).
import Foundation
import XCTest

final class QuantizeCLITests: XCTestCase {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-quant-\(getpid())")
    override func setUpWithError() throws { try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func testQuantizeWritesALoadableModel() throws {
        let src = TestAssets.fixtures.appendingPathComponent("models/tiny-llama.gguf").path
        let out = tmp.appendingPathComponent("tiny-q8_0.gguf").path
        let r = try CLI.run(["quantize", src, out, "--type", "q8_0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("converted"), r.stdout)
        let g = try CLI.run(["generate", "-m", out, "-p", "hello", "-n", "3", "--temp", "0", "--ignore-eos", "--json"])
        XCTAssertEqual(g.status, 0, g.stderr)
        let obj = try JSONSerialization.jsonObject(with: Data(g.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((obj["tokens"] as? [Int])?.count, 3)
    }

    func testKQuantMixtureWritesALoadableModel() throws {
        // tiny-llama's rows are 64 long except ffn_down (256): llama.cpp's fallbacks and mixture rules apply;
        // the expected types are what llama_model_quantize (llama-cpp-python 0.3.36, Q4_K_M) picks for this file
        let src = TestAssets.fixtures.appendingPathComponent("models/tiny-llama.gguf").path
        let out = tmp.appendingPathComponent("tiny-q4_k_m.gguf").path
        let r = try CLI.run(["quantize", src, out, "--type", "q4_k_m", "--verbose"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for line in ["blk.0.ffn_down.weight\tQ4_K", "blk.1.ffn_down.weight\tQ6_K", "blk.0.attn_q.weight\tQ5_0",
                     "blk.0.attn_v.weight\tQ5_0", "blk.1.attn_v.weight\tQ8_0", "output.weight\tQ8_0",
                     "token_embd.weight\tQ5_0", "output_norm.weight\tF32"] {
            XCTAssertTrue(r.stdout.contains(line), "\(line) in \(r.stdout)")
        }
        let g = try CLI.run(["generate", "-m", out, "-p", "hello", "-n", "3", "--temp", "0", "--ignore-eos", "--json"])
        XCTAssertEqual(g.status, 0, g.stderr)
    }

    func testBadRequests() throws {
        let src = TestAssets.fixtures.appendingPathComponent("models/tiny-llama.gguf").path
        let r = try CLI.run(["quantize", src, tmp.appendingPathComponent("x.gguf").path, "--type", "iq2_xxs"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--type"), r.stderr)
        let r2 = try CLI.run(["quantize", "/nonexistent.gguf", tmp.appendingPathComponent("y.gguf").path, "--type", "q8_0"])
        XCTAssertNotEqual(r2.status, 0)
        XCTAssertEqual(r2.stderr.split(separator: "\n").count, 1, r2.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("y.gguf").path))
    }
}
