// LlamaCppFixtureTests.swift: reference vectors recorded from llama.cpp (see
// scripts/make_tokenizer_fixtures.py): tricky texts with and without special-token handling,
// detokenization, special ids and end-of-generation sets, for the shared vocab files and for the
// default model's vocab re-labelled with many `tokenizer.ggml.pre` values (one per pre-tokenizer).
import Foundation
import XCTest
import Formats
import Loading
@testable import Tokenizers

final class LlamaCppFixtureTests: XCTestCase {
    struct Fixture: Decodable {
        struct Meta: Decodable {
            let bos: Int32?, eos: Int32?, eot: Int32?, sep: Int32?, pad: Int32?, nl: Int32?
            let add_bos: Bool, add_eos: Bool, add_sep: Bool
            let eog: [Int32]
        }
        struct Case: Decodable {
            let text: String, add_special: Bool, parse_special: Bool, ids: [Int32]
            let detok: String?
            let detok_hex: String?
        }
        struct Vocab: Decodable {
            let base: String
            let overrides: [String: Override]
            let meta: Meta
            let cases: [Case]
        }
        enum Override: Decodable {
            case string(String), bool(Bool)
            init(from d: Decoder) throws {
                let c = try d.singleValueContainer()
                if let b = try? c.decode(Bool.self) { self = .bool(b) } else { self = .string(try c.decode(String.self)) }
            }
        }
        let tool: String
        let vocabs: [Vocab]
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    func testAgainstLlamaCppFixtures() throws {
        // TAILOR_TOKENIZER_FIXTURE points at another file of the same format (e.g. a bigger fuzz run).
        let url = ProcessInfo.processInfo.environment["TAILOR_TOKENIZER_FIXTURE"].map { URL(fileURLWithPath: $0) }
            ?? TestAssets.fixtures.appendingPathComponent("tokenizers").appendingPathComponent("llamacpp-vectors.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        var cache: [String: TokenizerMetadata] = [:]
        var report: [String] = []
        for v in fixture.vocabs {
            let path = v.base == "default-model" ? TestAssets.defaultModel
                : TestAssets.sharedTestdata.appendingPathComponent("llama-vocab").appendingPathComponent(v.base).path
            guard let path, FileManager.default.fileExists(atPath: path) else { report.append("\(v.base): skipped"); continue }
            if cache[path] == nil { cache[path] = try TokenizerMetadata(gguf: GGUFFile(path: path)) }
            var m = cache[path]!
            for (k, o) in v.overrides {
                switch (k, o) {
                case let ("tokenizer.ggml.pre", .string(s)): m.pre = s
                case let ("tokenizer.ggml.add_space_prefix", .bool(b)): m.addSpacePrefix = b
                case let ("tokenizer.ggml.add_bos_token", .bool(b)): m.addBOS = b
                case let ("tokenizer.ggml.add_eos_token", .bool(b)): m.addEOS = b
                case let ("tokenizer.ggml.normalizer.lowercase", .bool(b)): m.lowercase = b
                default: XCTFail("unknown override \(k)")
                }
            }
            let label = v.base + (v.overrides.isEmpty ? "" : " \(v.overrides.keys.sorted().map { k in "\(k)=\(v.overrides[k]!)" })")
            let t = try Tokenizer(metadata: m)
            XCTAssertEqual(t.bosID, v.meta.bos, "\(label) bos")
            XCTAssertEqual(t.eosID, v.meta.eos, "\(label) eos")
            // llama.cpp picks the EOT token in hash-map order when several candidates exist (SmolLM2:
            // <|endoftext|> and <|im_end|>); Tailor picks by a fixed priority. Both must be EOG.
            if t.eotID != v.meta.eot {
                XCTAssertTrue(t.eotID.map(t.isEndOfGeneration) ?? false, "\(label) eot")
                XCTAssertTrue(v.meta.eot.map(t.isEndOfGeneration) ?? false, "\(label) eot")
            }
            XCTAssertEqual(t.separatorID, v.meta.sep, "\(label) sep")
            XCTAssertEqual(t.paddingID, v.meta.pad, "\(label) pad")
            XCTAssertEqual(t.newlineID, v.meta.nl, "\(label) newline")
            XCTAssertEqual(t.addBOS, v.meta.add_bos, "\(label) add_bos")
            XCTAssertEqual(t.addEOS, v.meta.add_eos, "\(label) add_eos")
            XCTAssertEqual(t.addSEP, v.meta.add_sep, "\(label) add_sep")
            XCTAssertEqual(t.endOfGenerationIDs, Set(v.meta.eog), "\(label) eog")
            var ok = 0
            for c in v.cases {
                let got = t.encode(c.text, addSpecial: c.add_special, parseSpecial: c.parse_special)
                var good = got == c.ids
                if !good {
                    XCTFail("\(label): \(c.text.debugDescription) special=\(c.add_special)/\(c.parse_special)\n  expected \(c.ids)\n  got      \(got)")
                }
                if let h = c.detok_hex ?? c.detok.map({ Self.hex(Array($0.utf8)) }) {
                    let d = Self.hex(Array(t.decode(c.ids, cleanSpaces: true).utf8))
                    if d != h {
                        good = false
                        XCTFail("\(label): detokenize \(c.ids) expected \(h) got \(d)")
                    }
                }
                if good { ok += 1 }
            }
            report.append("\(label): \(ok)/\(v.cases.count)")
        }
        print("llama.cpp fixtures (\(fixture.tool)):\n  " + report.joined(separator: "\n  "))
    }
}
