// GGUFBridgeTests.swift: GGUFFile.makeTokenizer() on hand-made GGUF files: missing and mistyped
// tokenizer keys give one-line errors naming the key.
import Foundation
import XCTest
import Formats
import Loading
@testable import Tokenizers

final class GGUFBridgeTests: XCTestCase {
    enum V { case str(String), strs([String]), u32(UInt32) }

    /// Writes a tensor-less GGUF v3 file with the given metadata.
    func writeGGUF(_ kv: [(String, V)]) throws -> String {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); d.append(contentsOf: Array(s.utf8)) }
        d.append(contentsOf: Array("GGUF".utf8))
        u32(3); u64(0); u64(UInt64(kv.count))
        for (k, v) in kv {
            str(k)
            switch v {
            case let .str(s): u32(8); str(s)
            case let .strs(a): u32(9); u32(8); u64(UInt64(a.count)); a.forEach(str)
            case let .u32(x): u32(4); u32(x)
            }
        }
        let path = NSTemporaryDirectory() + "tailor-tok-\(UUID().uuidString).gguf"
        try d.write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func error(_ kv: [(String, V)]) throws -> TokenizerError? {
        let f = try GGUFFile(path: try writeGGUF(kv))
        do { _ = try f.makeTokenizer(); return nil } catch let e as TokenizerError { return e }
    }

    func testMissingAndMistypedKeys() throws {
        XCTAssertEqual(try error([("general.architecture", .str("llama"))]), .missingKey("tokenizer.ggml.model"))
        XCTAssertEqual(try error([("tokenizer.ggml.model", .str("gpt2"))]), .missingKey("tokenizer.ggml.tokens"))
        XCTAssertEqual(try error([("tokenizer.ggml.model", .str("gpt2")), ("tokenizer.ggml.tokens", .strs(["a", "b"]))]),
                       .missingKey("tokenizer.ggml.merges"))
        XCTAssertEqual(try error([("tokenizer.ggml.model", .u32(1))]),
                       .invalidValue(key: "tokenizer.ggml.model", message: "unexpected value type"))
        XCTAssertEqual(try error([("tokenizer.ggml.model", .str("llama")), ("tokenizer.ggml.tokens", .strs(["a"])),
                                  ("tokenizer.ggml.bos_token_id", .str("1"))]),
                       .invalidValue(key: "tokenizer.ggml.bos_token_id", message: "unexpected value type"))
        XCTAssertEqual(try error([("tokenizer.ggml.model", .str("rwkv")), ("tokenizer.ggml.tokens", .strs(["a"]))]),
                       .unsupported(key: "tokenizer.ggml.model", value: "rwkv"))
    }

    func testMinimalSentencePieceFile() throws {
        let f = try GGUFFile(path: try writeGGUF([("tokenizer.ggml.model", .str("llama")),
                                                  ("tokenizer.ggml.tokens", .strs(["<unk>", "<s>", "</s>", "▁a", "b"])),
                                                  ("tokenizer.ggml.bos_token_id", .u32(1))]))
        let t = try f.makeTokenizer()
        XCTAssertEqual(t.encode("a b"), [1, 3, 0, 4])      // no "▁" piece and no byte tokens -> <unk>
        XCTAssertTrue(t.isEndOfGeneration(2))
    }
}
