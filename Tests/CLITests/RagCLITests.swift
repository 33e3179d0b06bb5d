// RagCLITests.swift: `tailor embed` and `tailor rag` end to end on the shipped RAG dataset
// (needs the pulled minilm model; skipped without it), and their bad-input messages.
import Foundation
import XCTest

final class RagCLITests: XCTestCase {
    func minilm() throws -> String { try TestAssets.minilmFolder().path }

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

    /// Deleting files leaves tombstones in the graph (below the 20% auto-compaction threshold);
    /// `rag compact` rebuilds it without them, and search still returns what exact search does.
    func testCompactDropsDeletedNodes() throws {
        let m = try minilm()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compact-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: TestAssets.datasets.appendingPathComponent("rag/corpus"), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.path + ".sqlite"
        defer { try? FileManager.default.removeItem(atPath: db) }
        XCTAssertEqual(try CLI.run(["rag", "index", dir.path, "--db", db, "-m", m, "--chunk", "recursive:64", "-q"]).status, 0)
        let nothing = try CLI.run(["rag", "compact", "--db", db])
        XCTAssertTrue(nothing.stdout.contains("none deleted; nothing to do"), nothing.stdout)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        try FileManager.default.removeItem(at: dir.appendingPathComponent(files[0]))
        let re = try CLI.run(["rag", "index", dir.path, "--db", db, "-m", m, "--chunk", "recursive:64", "-q"])
        XCTAssertTrue(re.stdout.contains("1 removed"), re.stdout)
        let c = try CLI.run(["rag", "compact", "--db", db])
        XCTAssertEqual(c.status, 0, c.stderr)
        // "DB: N nodes -> M (D deleted removed)" with M = N - D > 0
        let nums = c.stdout.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.suffix(3)
        XCTAssertEqual(nums.count, 3, c.stdout)
        let (before, after, dead) = (nums[nums.startIndex], nums[nums.startIndex + 1], nums[nums.startIndex + 2])
        XCTAssertGreaterThan(dead, 0, c.stdout)
        XCTAssertEqual(after, before - dead, c.stdout)
        XCTAssertTrue(try CLI.run(["rag", "compact", "--db", db]).stdout.contains("none deleted"))
        for q in ["rock pools at the seashore", "how bread rises", "stars at night"] {
            func ids(_ extra: [String]) throws -> [String] {
                let r = try CLI.run(["rag", "search", q, "--db", db, "-m", m, "-k", "3", "--mode", "vector", "--json"] + extra)
                XCTAssertEqual(r.status, 0, r.stderr)
                let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
                return try XCTUnwrap(o["results"] as? [[String: Any]]).map { "\($0["source"] ?? "")#\($0["chunk_id"] ?? "")" }
            }
            let hnsw = try ids([]), exact = try ids(["--exact"])
            XCTAssertEqual(hnsw, exact, q)
            XCTAssertFalse(hnsw.contains { $0.contains(files[0]) }, "a deleted file's chunk came back")
        }
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
