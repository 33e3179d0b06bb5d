// Embed.swift: `tailor embed`: sentence embeddings of texts (arguments) or of a JSONL field
// (--input/--field/--output: each input line is written back with an "embedding" array added).
import ArgumentParser
import Evaluation
import Foundation
import Loading
import Models
import Retrieval
import Tensor

/// Options shared by every command that embeds text.
struct EmbedderOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "An embedding model: a catalog name (minilm), a sentence-transformers folder, or an LLM (.gguf or catalog name: mean-pooled hidden states).")
    var model: String = "minilm"
    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?
    @Option(name: .long, help: "Texts per forward pass.")
    var batchSize: Int = 32

    func validate() throws {
        if let t = threads, t < 1 || t > 256 { throw ValidationError("--threads must be between 1 and 256") }
        if batchSize < 1 || batchSize > 4096 { throw ValidationError("--batch-size must be between 1 and 4096") }
    }

    /// Resolves the model (catalog name or path) and loads the embedder.
    func load() throws -> Embedder {
        let e = try EmbedderLocator.load(model, threads: threads ?? ThreadPool.defaultThreadCount)
        (e as? SentenceEmbedder)?.batchSize = batchSize
        return e
    }
}

/// Finds a sentence-transformers folder by catalog name or path.
enum EmbedderLocator {
    /// A sentence-transformers folder (URL, name), or nil when `spec` names a GGUF language model.
    static func folder(_ spec: String, home: TailorHome = .current) throws -> (URL, String)? {
        var isDir: ObjCBool = false
        let catalog = try Catalog.load(home: home)
        // a folder that happens to share a catalog name ("minilm" in the working directory) but
        // holds no model is not taken for the model
        let shadowed = !spec.contains("/") && catalog.entry(named: spec) != nil
            && !FileManager.default.fileExists(atPath: spec + "/config.json")
        if !shadowed, FileManager.default.fileExists(atPath: spec, isDirectory: &isDir) {
            guard isDir.boolValue else {
                guard spec.hasSuffix(".gguf") else {
                    throw ValidationError("\(spec) is neither a sentence-transformers folder (config.json, model.safetensors, tokenizer.json) nor a .gguf file")
                }
                return nil
            }
            return (URL(fileURLWithPath: spec), URL(fileURLWithPath: spec).lastPathComponent)
        }
        guard let e = catalog.entry(named: spec) else { throw LoadError.notFound(spec, known: catalog.entries.map(\.name)) }
        guard e.isFolder else { return nil }
        let p = home.path(for: e)
        guard FileManager.default.fileExists(atPath: p.path) else { throw LoadError.notPulled(name: e.name, path: p.path) }
        return (p, e.name)
    }

    static func load(_ spec: String, threads: Int) throws -> Embedder {
        guard let (url, name) = try folder(spec) else {
            let loaded = try ModelLoader.load(spec, threads: threads)
            guard let llama = loaded.model as? LlamaModel else {
                throw ValidationError("\(spec): \(loaded.model.architecture) cannot serve as an embedder")
            }
            return LanguageModelEmbedder(model: llama, tokenizer: loaded.tokenizer, name: loaded.name)
        }
        return try SentenceEmbedder(folder: url, name: name, pool: ThreadPool(threads: threads))
    }
}

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed texts with a sentence embedding model (one vector per text).",
        discussion: "tailor embed -m minilm \"first text\" \"second\"   |   tailor embed --input in.jsonl --field text --output out.jsonl")

    @OptionGroup var embedder: EmbedderOptions
    @Flag(help: "Print JSON: model, dimension and one embedding per text.") var json = false
    @Option(help: "A JSONL file whose lines hold the text in --field.") var input: String?
    @Option(help: "The field of each --input line to embed.") var field: String = "text"
    @Option(help: "Where to write the --input lines with an added \"embedding\" (written atomically).") var output: String?
    @Flag(name: .shortAndLong, help: "No progress on stderr.") var quiet = false
    @Argument(help: "Texts to embed.") var texts: [String] = []

    func validate() throws {
        if input == nil && texts.isEmpty { throw ValidationError("give texts to embed, or --input FILE.jsonl") }
        if input != nil && !texts.isEmpty { throw ValidationError("give either texts or --input, not both") }
        if input != nil && output == nil { throw ValidationError("--input needs --output FILE.jsonl") }
    }

    func run() throws {
        try reportingErrors {
            let model = try embedder.load()
            if let input, let output {
                try embedFile(model, input: input, output: output)
                return
            }
            let vectors = try model.embed(texts)
            if json {
                let obj: [String: Any] = ["model": model.identity, "dimension": model.dimension,
                                          "embeddings": vectors.map { $0.map(Double.init) }]
                print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
            } else {
                for v in vectors { print(v.map { String(format: "%.6f", $0) }.joined(separator: " ")) }
            }
        }
    }

    private func embedFile(_ model: Embedder, input: String, output: String) throws {
        let records = try JSONL.readRecords(at: input)
        let texts: [String] = try records.map { r in
            guard let v = r.fields[field] else { throw JSONLError(file: input, line: r.line, message: "field '\(field)' is missing") }
            guard case .string(let s) = v else { throw JSONLError(file: input, line: r.line, message: "field '\(field)' is not a string (found \(v.kind))") }
            return s
        }
        var bar = ProgressBar(enabled: !quiet)
        var vectors: [[Float]] = []
        for start in stride(from: 0, to: texts.count, by: 256) {
            vectors += try model.embed(Array(texts[start..<min(texts.count, start + 256)]))
            bar.update(done: vectors.count, total: texts.count, label: "embed", unit: "texts")
        }
        bar.finish()
        var out = Data()
        for (r, v) in zip(records, vectors) {
            guard var obj = (try? JSONSerialization.jsonObject(with: Data(r.raw.utf8))) as? [String: Any] else {
                throw JSONLError(file: input, line: r.line, message: "not a JSON object")
            }
            obj["embedding"] = v.map(Double.init)
            out.append(try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]))
            out.append(0x0A)
        }
        try AtomicFile.write(out, to: URL(fileURLWithPath: output))
        if !quiet { printError("wrote \(records.count) embeddings of \(model.dimension) dims to \(output)") }
    }
}
