// RagCLITests.swift: `tailor embed` and `tailor rag` end to end on the shipped RAG dataset
// (needs the pulled minilm model; skipped without it), and their bad-input messages.
import Foundation
import XCTest

final class RagCLITests: XCTestCase {
    func minilm() throws -> String {
        let env = ProcessInfo.processInfo.environment
        let home = env["TAILOR_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/tailor")
        let p = home.appendingPathComponent("models/minilm/all-MiniLM-L6-v2").path
        guard FileManager.default.fileExists(atPath: p + "/model.safetensors") else { throw XCTSkip("minilm not pulled") }
        return p
    }

    func testEmbedJSONAndFileMode() throws {
        let m = try minilm()
        let r = try CLI.run(["embed", "-m", m, "--json", "a cat", "a kitten"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(o["dimension"] as? Int, 384)
        XCTAssertEqual((o["embeddings"] as? [[Double]])?.count, 2)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
        try Data("{\"id\": 1, \"body\": \"hello\"}\n{\"id\": 2, \"body\": \"world\"}\n".utf8).write(to: input)
        let f = try CLI.run(["embed", "-m", m, "--input", input.path, "--field", "body", "--output", output.path, "-q"])
        XCTAssertEqual(f.status, 0, f.stderr)
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[1].contains("\"id\":2") && lines[1].contains("\"embedding\":["))

        try Data("{\"id\": 1, \"body\": \"ok\"}\n{\"id\": 2}\n".utf8).write(to: input)
        let bad = try CLI.run(["embed", "-m", m, "--input", input.path, "--field", "body", "--output", output.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("in.jsonl:2: field 'body' is missing"), bad.stderr)
    }

    func testIndexSearchEval() throws {
        let m = try minilm()
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("rag-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: db) }
        let corpus = TestAssets.datasets.appendingPathComponent("rag/corpus").path
        let ix = try CLI.run(["rag", "index", corpus, "--db", db, "-m", m, "--chunk", "recursive:64", "-q"])
        XCTAssertEqual(ix.status, 0, ix.stderr)
        XCTAssertTrue(ix.stdout.contains("30 added"), ix.stdout)
        let again = try CLI.run(["rag", "index", corpus, "--db", db, "-m", m, "--chunk", "recursive:64", "-q"])
        XCTAssertTrue(again.stdout.contains("0 added, 0 updated, 30 unchanged"), again.stdout)

        let s = try CLI.run(["rag", "search", "rock pools at the seashore", "--db", db, "-m", m, "-k", "2", "--json"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any])
        let first = try XCTUnwrap((o["results"] as? [[String: Any]])?.first)
        XCTAssertTrue((first["source"] as? String)?.hasSuffix("tide-pools.html") == true, "\(first)")

        let qa = TestAssets.datasets.appendingPathComponent("rag/qa.jsonl").path
        let e = try CLI.run(["rag", "eval", "--db", db, "-m", m, "--qa", qa, "-k", "3", "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let ev = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        for mode in try XCTUnwrap(ev["modes"] as? [[String: Any]]) {
            XCTAssertGreaterThan(mode["recall"] as? Double ?? 0, 0.9, "\(mode)")
        }
        XCTAssertGreaterThanOrEqual(ev["hnsw_recall_at_10"] as? Double ?? 0, 0.95)
    }

    func testBadInputMessages() throws {
        let missing = try CLI.run(["rag", "search", "q", "--db", "/nonexistent/x.sqlite"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no such index"), missing.stderr)
        let mode = try CLI.run(["rag", "search", "q", "--db", "x", "--mode", "fuzzy"])
        XCTAssertTrue(mode.stderr.contains("--mode must be vector, bm25 or hybrid"), mode.stderr)
        let chunk = try CLI.run(["rag", "index", "x", "--db", "y", "--chunk", "pages"])
        XCTAssertTrue(chunk.stderr.contains("unknown strategy 'pages'"), chunk.stderr)
    }
}
