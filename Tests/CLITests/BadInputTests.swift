// BadInputTests.swift: every kind of bad input gets a one-line error naming the problem and a
// non-zero exit, never a crash.
import Foundation
import XCTest

final class BadInputTests: XCTestCase {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-cli-\(getpid())")

    override func setUpWithError() throws { try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let u = tmp.appendingPathComponent(name)
        try Data(bytes).write(to: u)
        return u.path
    }

    func assertOneLineError(_ r: CLIResult, contains needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "exit status", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(needle), "stderr '\(r.stderr)' lacks '\(needle)'", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Crash") || r.stderr.contains("Fatal"), file: file, line: line)
    }

    func testMissingFile() throws {
        assertOneLineError(try CLI.run(["generate", "-m", "/nonexistent/model.gguf", "-p", "hi"]), contains: "/nonexistent/model.gguf")
    }

    func testUnknownCatalogName() throws {
        assertOneLineError(try CLI.run(["generate", "-m", "no-such-model", "-p", "hi"]), contains: "no-such-model")
    }

    func testNotGGUF() throws {
        let p = try file("notes.gguf", Array("just some text, not a model".utf8))
        assertOneLineError(try CLI.run(["generate", "-m", p, "-p", "hi"]), contains: "bad magic")
    }

    func testUnsupportedArchitecture() throws {
        let p = try file("arch.gguf", TinyGGUF.make(architecture: "mamba"))
        assertOneLineError(try CLI.run(["generate", "-m", p, "-p", "hi"]), contains: "unsupported architecture 'mamba'")
    }

    func testUnsupportedQuantType() throws {
        let p = try file("iq.gguf", TinyGGUF.make(architecture: "llama", tensorType: 16)) // IQ2_XXS
        assertOneLineError(try CLI.run(["generate", "-m", p, "-p", "hi"]), contains: "IQ2_XXS")
    }

    func testEmptyPrompt() throws {
        let m = try TestAssets.defaultModelPath()
        assertOneLineError(try CLI.run(["generate", "-m", m, "-p", ""]), contains: "empty")
    }

    func testPromptLongerThanContext() throws {
        let m = try TestAssets.defaultModelPath()
        let long = String(repeating: "word ", count: 9000)  // > 8192 tokens
        assertOneLineError(try CLI.run(["generate", "-m", m, "-p", long, "-n", "1"]), contains: "context")
    }

    func testBenchBadBatchAndShortPrompt() throws {
        let bad = try CLI.run(["bench", "--batch", "4,abc"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--batch: 'abc'"), bad.stderr)
        // the smallest prompt the bench accepts also feeds its batched runs (it crashed at 8-10)
        let m = try TestAssets.defaultModelPath()
        let r = try CLI.run(["bench", "-m", m, "--threads", "1", "--runs", "1", "--prompt-tokens", "8", "--decode-tokens", "2",
                             "--batch", "4", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"sequences\" : 4"), r.stdout)
    }

    func testBadFlag() throws {
        let r = try CLI.run(["generate", "--temp", "-1", "-p", "x"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--temp"))
    }
}
