// Support.swift: where RetrievalTests find fixtures and the pulled minilm model.
import Foundation
import Retrieval
import Tensor
import XCTest

enum TestPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/Fixtures/retrieval")

    /// The minilm folder: $TAILOR_TEST_MINILM, or the Tailor cache, or XCTSkip.
    static func minilmFolder() throws -> URL {
        let env = ProcessInfo.processInfo.environment
        if let p = env["TAILOR_TEST_MINILM"] { return URL(fileURLWithPath: p) }
        let home = env["TAILOR_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tailor")
        let dir = home.appendingPathComponent("models/minilm/all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("minilm not found (run `tailor pull minilm` or set TAILOR_TEST_MINILM)")
        }
        return dir
    }

    nonisolated(unsafe) static var cachedEmbedder: SentenceEmbedder?

    static func embedder() throws -> SentenceEmbedder {
        if let e = cachedEmbedder { return e }
        let e = try SentenceEmbedder(folder: try minilmFolder(), name: "minilm", pool: ThreadPool(threads: 2))
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
