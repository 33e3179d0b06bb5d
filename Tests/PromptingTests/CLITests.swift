// CLITests.swift: the prompting commands end to end through the built `tailor` binary:
// `template render` byte-identical to jinja2 (Tests/Fixtures/chat-templates/), `eval` JSON and
// its --adapter refusal, `chat --messages` against `generate` on the same rendered prompt.
import Foundation
import Tokenizers
import XCTest

final class PromptingCLITests: XCTestCase {
    struct Result { var stdout: Data; var stderr: String; var status: Int32 }

    func tailor(_ args: [String]) throws -> Result {
        var dir = Bundle.main.bundleURL
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dir = b.bundleURL.deletingLastPathComponent() }
        let p = Process()
        p.executableURL = dir.appendingPathComponent("tailor")
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        return Result(stdout: o, stderr: String(decoding: errBox.data, as: UTF8.self), status: p.terminationStatus)
    }

    let dir = TestAssets.fixtures.appendingPathComponent("chat-templates")

    func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Writes the conversation (messages, tools, documents, extra variables) as one JSON object,
    /// keeping every key order (templates' tojson output depends on it).
    func messagesFile(_ conv: JinjaValue, templateExtra: JinjaValue?) throws -> URL {
        var parts: [String] = []
        for key in ["messages", "tools", "documents"] {
            if let v = conv[key] { parts.append("\(quote(key)): \(encode(v))") }
        }
        for src in [templateExtra, conv["extra"]] { for (k, v) in src?.dictValue?.pairs ?? [] { parts.append("\(quote(k)): \(encode(v))") } }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-msgs-\(UUID().uuidString).json")
        try Data(("{" + parts.joined(separator: ", ") + "}").utf8).write(to: url)
        return url
    }

    func quote(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }

    /// JSON text of a parsed JSON value, in its original key order.
    func encode(_ v: JinjaValue) -> String {
        switch v {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .string(let s): return quote(s)
        case .list(let l): return "[" + l.map(encode).joined(separator: ", ") + "]"
        case .dict(let d): return "{" + d.pairs.map { "\(quote($0.0)): \(encode($0.1))" }.joined(separator: ", ") + "}"
        default: return "null"
        }
    }

    func jinjaJSON(_ name: String) throws -> JinjaValue {
        try JinjaValue(jsonData: Data(contentsOf: dir.appendingPathComponent(name)))
    }

    func testTemplateRenderIsByteIdenticalToJinja2() throws {
        let summary = try json(dir.appendingPathComponent("conversations.json"))
        let ordered = try jinjaJSON("conversations.json")
        let templates = try XCTUnwrap(summary["templates"] as? [String: [String: Any]])
        var checked = 0, errors = 0
        for (name, settings) in templates.sorted(by: { $0.key < $1.key }) {
            let path = TestAssets.root.appendingPathComponent(settings["path"] as! String).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path) else { continue }   // ../shared may be absent on CI
            let expected = try json(dir.appendingPathComponent("expected/\(name).json"))
            for c in try XCTUnwrap(expected["cases"] as? [[String: Any]]) {
                let convName = c["conversation"] as! String, agp = c["add_generation_prompt"] as! Bool
                let file = try messagesFile(try XCTUnwrap(ordered["conversations"]?[convName]),
                                            templateExtra: ordered["templates"]?[name]?["extra"])
                defer { try? FileManager.default.removeItem(at: file) }
                var args = ["template", "render", "--template", path, "--messages", file.path, "--now", "2024-07-26T12:00:00"]
                if agp { args.append("--add-generation-prompt") }
                if let b = settings["bos_token"] as? String { args += ["--bos", b] }
                if let e = settings["eos_token"] as? String { args += ["--eos", e] }
                let r = try tailor(args)
                let label = "\(name) / \(convName) / agp=\(agp)"
                if let want = c["output"] as? String {
                    XCTAssertEqual(r.status, 0, "\(label): \(r.stderr)")
                    XCTAssertEqual(r.stdout, Data(want.utf8), label)
                } else {
                    XCTAssertEqual(r.status, 1, label)
                    XCTAssertTrue(r.stdout.isEmpty && r.stderr.hasPrefix("error: "), "\(label): \(r.stderr)")
                    errors += 1
                }
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 22, "at least SmolLM2's template (committed) is checked")
        XCTAssertGreaterThan(errors, 0, "cases where jinja2 raises fail here too")
    }

    func testTemplateRenderFromModelUsesItsSpecialTokens() throws {
        let model = try TestAssets.defaultModelPath()
        let conv = try XCTUnwrap(try jinjaJSON("conversations.json")["conversations"]?["unicode"])
        let expected = try json(dir.appendingPathComponent("expected/smollm2.json"))
        let want = try XCTUnwrap((expected["cases"] as? [[String: Any]])?.first {
            $0["conversation"] as? String == "unicode" && $0["add_generation_prompt"] as? Bool == true
        }?["output"] as? String)
        let file = try messagesFile(conv, templateExtra: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try tailor(["template", "render", "-m", model, "--messages", file.path, "--add-generation-prompt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(String(decoding: r.stdout, as: UTF8.self), want)
        let bad = try tailor(["template", "render", "-m", model, "--messages", "/nonexistent.json"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("/nonexistent.json"), bad.stderr)
        let both = try tailor(["template", "render", "-m", model, "--template", "x.jinja", "--messages", file.path])
        XCTAssertNotEqual(both.status, 0)
    }

    func testEvalJSONAndMissingAdapter() throws {
        let model = try TestAssets.defaultModelPath()
        let data = TestAssets.datasets.appendingPathComponent("fruit/fruit.test.jsonl").path
        let refused = try tailor(["eval", "-m", model, "--data", data, "--adapter", "/tmp/no-such-adapter-dir"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("/tmp/no-such-adapter-dir"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        let badMode = try tailor(["eval", "-m", model, "--data", data, "--prompt", "few:zero"])
        XCTAssertNotEqual(badMode.status, 0)
        XCTAssertTrue(badMode.stderr.contains("few:zero"), badMode.stderr)
        let r = try tailor(["eval", "-m", model, "--data", data, "--limit", "1", "--prompt", "zero", "--prompt", "label", "--json", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        XCTAssertEqual(obj["task"] as? String, "fruit")
        XCTAssertEqual((obj["runs"] as? [[String: Any]])?.map { $0["mode"] as? String }, ["zero", "label"])
    }

    func testChatOneTurnEqualsGenerateOnTheRenderedPrompt() throws {
        let model = try TestAssets.defaultModelPath()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-chat-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"[{"role": "user", "content": "Name one fruit. Answer with one word."}]"#.utf8).write(to: file)
        let chat = try tailor(["chat", "-m", model, "--messages", file.path, "--temp", "0", "-n", "24"])
        XCTAssertEqual(chat.status, 0, chat.stderr)
        let rendered = try tailor(["template", "render", "-m", model, "--messages", file.path, "--add-generation-prompt"])
        let gen = try tailor(["generate", "-m", model, "--temp", "0", "-n", "24", "--json", "-p", String(decoding: rendered.stdout, as: UTF8.self)])
        XCTAssertEqual(gen.status, 0, gen.stderr)
        let g = try XCTUnwrap(try JSONSerialization.jsonObject(with: gen.stdout) as? [String: Any])
        XCTAssertEqual(String(decoding: chat.stdout, as: UTF8.self), (g["text"] as! String) + "\n")
        if g["stop_reason"] as? String == "eos" {
            XCTAssertFalse(String(decoding: chat.stdout, as: UTF8.self).contains("<|im_end|>"), "stops at end of turn")
        }
    }
}

/// `tailor models` lists pulled folder models (sentence-transformers) beside GGUF files.
final class ModelsListingCLITests: XCTestCase {
    func testListsFolderModels() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let folder = home.appendingPathComponent("models/minilm/all-MiniLM-L6-v2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"model_type": "bert", "hidden_size": 4}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
        // 71 elements in 10 tensors (Tests/Fixtures/safetensors, written by safetensors' Python API)
        try FileManager.default.copyItem(at: TestAssets.fixtures.appendingPathComponent("safetensors/python.safetensors"),
                                         to: folder.appendingPathComponent("model.safetensors"))
        var dir = Bundle.main.bundleURL
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dir = b.bundleURL.deletingLastPathComponent() }
        let p = Process()
        p.executableURL = dir.appendingPathComponent("tailor")
        p.arguments = ["models", "--json"]
        p.environment = ProcessInfo.processInfo.environment.merging(["TAILOR_HOME": home.path]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let row = try XCTUnwrap(rows.first { $0["name"] as? String == "minilm" }, "\(rows)")
        XCTAssertEqual(row["architecture"] as? String, "bert")
        XCTAssertEqual(row["parameters"] as? Int, 71)
        XCTAssertEqual(row["path"] as? String, folder.path)
    }
}
