// TestModel.swift: finds the default model file for integration tests (never downloads).
import Foundation
import XCTest

enum TestModel {
    /// Repo root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sharedTestdata = root.deletingLastPathComponent().appendingPathComponent("shared/testdata")
    static let fixtures = root.appendingPathComponent("Tests/Fixtures")

    /// The default model: $TAILOR_TEST_MODEL, the Tailor cache, or XCTSkip.
    static func defaultModelPath() throws -> String {
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
