// FineTuneMethodsCLITests.swift: `tailor finetune --method M` for every parameter-efficient method
// on the tiny Llama (a few steps), then `tailor generate --adapter` with the result (the first
// word of the output is checked against the adapter's own greedy choice being deterministic:
// two runs give the same tokens), `tailor merge` for the mergeable ones, and --help lists
// every method's options.
import Foundation
import XCTest

final class FineTuneMethodsCLITests: XCTestCase {
    static let tiny = TestAssets.fixtures.appendingPathComponent("models/tiny-llama.gguf").path

    func testEveryMethodTrainsGeneratesAndMerges() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ft-methods-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let data = (0..<8).map { "{\"prompt\": \"fruit \($0) is\", \"completion\": \"\($0 % 2 == 0 ? " apple" : " berry")\"}" }.joined(separator: "\n")
        try data.write(toFile: dir + "/train.jsonl", atomically: true, encoding: .utf8)
        for m in ["dora", "ia3", "prompt", "prefix", "adapter"] {
            let out = dir + "/" + m
            let r = try CLI.run(["finetune", "-m", Self.tiny, "--data", dir + "/train.jsonl", "--method", m, "--out", out, "--epochs", "1",
                                 "--batch", "4", "--virtual-tokens", "3", "--lr", "1e-2"])
            XCTAssertEqual(r.status, 0, "\(m): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(m): ") && r.stderr.contains("trainable parameters"), r.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/final/adapter_config.json"), m)
            let gen = ["generate", "-m", Self.tiny, "--adapter", out + "/final", "-p", "fruit 3 is", "-n", "4", "--temp", "0", "--json"]
            let g1 = try CLI.run(gen), g2 = try CLI.run(gen)
            XCTAssertEqual(g1.status, 0, "\(m): \(g1.stderr)")
            let tokens = { (s: String) in (try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?["tokens"] as? [Int] }
            XCTAssertEqual(try tokens(g1.stdout)?.count, 4, "\(m): \(g1.stdout)")
            XCTAssertEqual(try tokens(g1.stdout), try tokens(g2.stdout), m)
            let merge = try CLI.run(["merge", "-m", Self.tiny, "--adapter", out + "/final", "-o", out + "/merged.gguf", "--type", "f32"])
            if ["dora", "ia3"].contains(m) {
                XCTAssertEqual(merge.status, 0, "\(m): \(merge.stderr)")
                // The merged model generates what the adapter generated.
                let g3 = try CLI.run(["generate", "-m", out + "/merged.gguf", "-p", "fruit 3 is", "-n", "4", "--temp", "0", "--json"])
                XCTAssertEqual(try tokens(g3.stdout), try tokens(g1.stdout), m)
            } else {
                XCTAssertNotEqual(merge.status, 0, m)
                XCTAssertTrue(merge.stderr.contains("cannot be merged"), merge.stderr)
            }
        }
    }

    func testHelpListsEveryMethodAndItsOptions() throws {
        let r = try CLI.run(["finetune", "--help"])
        for s in ["prompt", "prefix", "adapter", "ia3", "dora", "lora", "full", "--virtual-tokens", "--init-text", "--prefix-hidden",
                  "--reduction-factor", "--placement", "--ia3-targets", "--ia3-feedforward", "--rank"] {
            XCTAssertTrue(r.stdout.contains(s), "help lacks \(s)")
        }
    }
}
