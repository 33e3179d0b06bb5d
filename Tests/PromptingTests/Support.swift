// Support.swift: paths and the model for PromptingTests (never downloads; XCTSkip when absent).
import Evaluation
import Foundation
import Loading
import XCTest

enum TestPaths {
    /// The project root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/Fixtures")
    static let datasets = root.appendingPathComponent("datasets")

    /// The default model: $TAILOR_TEST_MODEL, the Tailor cache, or XCTSkip.
    static func modelPath() throws -> String {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let p = env["TAILOR_TEST_MODEL"] { candidates.append(p) }
        let home = env["TAILOR_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tailor")
        candidates.append(home.appendingPathComponent("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path)
        for c in candidates where FileManager.default.fileExists(atPath: c) { return c }
        throw XCTSkip("default model not found (run `tailor pull smollm2-135m-instruct` or set TAILOR_TEST_MODEL)")
    }
}

/// One loaded model shared by the model tests (loading maps the file once).
enum SharedModel {
    private static var cached: LoadedModel?
    static func load() throws -> LoadedModel {
        if let c = cached { return c }
        let m = try ModelLoader.load(try TestPaths.modelPath(), threads: 2)
        cached = m
        return m
    }

    static func evalModel() throws -> EvalModel {
        let m = try load()
        return try EvalModel(name: m.name, model: m.model, tokenizer: m.tokenizer, chatTemplateSource: m.chatTemplate)
    }
}
