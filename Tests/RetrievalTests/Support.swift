// Support.swift: where RetrievalTests find fixtures and the pulled minilm model.
import Foundation
import Retrieval
import Tensor
import XCTest
@_exported import TestSupport

enum TestPaths {
    static let fixtures = TestAssets.fixtures.appendingPathComponent("retrieval")

    nonisolated(unsafe) static var cachedEmbedder: SentenceEmbedder?

    static func embedder() throws -> SentenceEmbedder {
        if let e = cachedEmbedder { return e }
        let e = try SentenceEmbedder(folder: try TestAssets.minilmFolder(), name: "minilm", pool: ThreadPool(threads: 2))
        cachedEmbedder = e
        return e
    }
}

struct MiniLMFixture: Decodable {
    var texts: [String]
    var tokens: [String: [[Int32]]]
    var embeddings: [[Float]]

    static func load() throws -> MiniLMFixture {
        try JSONDecoder().decode(MiniLMFixture.self, from: Data(contentsOf: TestPaths.fixtures.appendingPathComponent("minilm.json")))
    }
}
