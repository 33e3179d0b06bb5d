// LLMEmbedderTests.swift: the default LLM as an embedder (mean-pooled final hidden states)
// against llama.cpp's embedding mode with mean pooling (scripts/make_llm_embedding_fixture.py).
import Foundation
import Loading
import Models
import Retrieval
import XCTest

final class LLMEmbedderTests: XCTestCase {
    func testMatchesLlamaCppMeanPooling() throws {
        struct Fx: Decodable { var texts: [String]; var embeddings: [[Float]] }
        let fx = try JSONDecoder().decode(Fx.self, from: Data(contentsOf: TestPaths.fixtures.appendingPathComponent("smollm2-embeddings.json")))
        let env = ProcessInfo.processInfo.environment
        let home = env["TAILOR_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tailor")
        let path = home.appendingPathComponent("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("default model not pulled") }
        let loaded = try ModelLoader.load(path, threads: 2)
        let llama = try XCTUnwrap(loaded.model as? LlamaModel)
        llama.activations = .f32
        let e = LanguageModelEmbedder(model: llama, tokenizer: loaded.tokenizer, name: "smollm2")
        XCTAssertEqual(e.dimension, 576)
        let got = try e.embed(fx.texts)
        for (i, (g, w)) in zip(got, fx.embeddings).enumerated() {
            let c = Vectors.cosine(g, w)
            print("llm embedder vs llama.cpp, text \(i): cosine \(c)")
            XCTAssertGreaterThan(c, 0.99, "text \(i)")
        }
        // Unrelated texts are further apart than a text and itself embedded again.
        XCTAssertLessThan(Vectors.dot(got[0], got[1]), Vectors.dot(got[0], try e.embed([fx.texts[0]])[0]))
    }
}
