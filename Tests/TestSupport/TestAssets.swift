// TestAssets.swift: where every test target finds the repository's fixtures and datasets, and the
// pulled models (never downloads: a missing model is an XCTSkip naming the command that pulls it).
import Foundation
import XCTest

public enum TestAssets {
    /// The package root, from this file's path (Tests/TestSupport/TestAssets.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let fixtures = root.appendingPathComponent("Tests/Fixtures")
    public static let datasets = root.appendingPathComponent("datasets")
    /// The team's shared test data (../shared/testdata; TAILOR_TESTDATA overrides).
    public static var sharedTestdata: URL {
        if let d = ProcessInfo.processInfo.environment["TAILOR_TESTDATA"] { return URL(fileURLWithPath: d) }
        return root.deletingLastPathComponent().appendingPathComponent("shared/testdata")
    }

    /// Tailor's cache: $TAILOR_HOME or ~/.cache/tailor.
    static var home: URL {
        ProcessInfo.processInfo.environment["TAILOR_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tailor")
    }

    /// The default model (SmolLM2-135M-Instruct Q4_1): $TAILOR_TEST_MODEL or the Tailor cache, if present.
    public static var defaultModel: String? {
        var candidates: [String] = []
        if let p = ProcessInfo.processInfo.environment["TAILOR_TEST_MODEL"] { candidates.append(p) }
        candidates.append(home.appendingPathComponent("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path)
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The default model's path, or XCTSkip.
    public static func defaultModelPath() throws -> String {
        guard let p = defaultModel else {
            throw XCTSkip("default model not found (run `tailor pull smollm2-135m-instruct` or set TAILOR_TEST_MODEL)")
        }
        return p
    }

    /// The all-MiniLM-L6-v2 folder: $TAILOR_TEST_MINILM or the Tailor cache, or XCTSkip.
    public static func minilmFolder() throws -> URL {
        if let p = ProcessInfo.processInfo.environment["TAILOR_TEST_MINILM"] { return URL(fileURLWithPath: p) }
        let dir = home.appendingPathComponent("models/minilm/all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("minilm not found (run `tailor pull minilm` or set TAILOR_TEST_MINILM)")
        }
        return dir
    }
}

/// Largest absolute elementwise difference of two equally long vectors.
public func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
