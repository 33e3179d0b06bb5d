// RagAsk.swift: `tailor rag ask "question" --db FILE -m MODEL`: retrieve k chunks, put them as
// numbered sources into a prompt rendered by the model's chat template, stream the answer, then
// list the sources (path + snippet). --show-prompt prints what was sent to the model.
import ArgumentParser
import Foundation
import Generation
import Loading
import Models
import Retrieval
import Tokenizers

struct RagAsk: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ask", abstract: "Answer a question from an index, with numbered sources.")

    @Argument(help: "The question.") var question: String
    @OptionGroup var store: RagStoreOptions
    @Option(name: [.customShort("m"), .long], help: "The language model: a catalog name or a .gguf path.") var model: String = defaultModelName
    @Option(help: "The embedding model the index was built with.") var embedder: String = "minilm"
    @Option(name: .shortAndLong, help: "Sources to retrieve.") var k: Int = 4
    @Option(help: "vector, bm25 or hybrid.") var mode: String = "hybrid"
    @Option(name: .short, help: "Maximum tokens to generate.") var n = 256
    @Option(help: "Temperature; 0 is greedy.") var temp: Float = 0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(help: "Print the prompt sent to the model (on stderr) before the answer.") var showPrompt = false

    func validate() throws {
        guard SearchMode(rawValue: mode) != nil else { throw ValidationError("--mode must be vector, bm25 or hybrid") }
        guard k >= 1, k <= 20 else { throw ValidationError("-k must be between 1 and 20") }
        guard !question.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("the question is empty") }
    }

    func run() throws {
        try reportingErrors {
            let emb = try EmbedderLocator.load(embedder, threads: threads ?? 2)
            let searcher = try Searcher(store: try store.open(mustExist: true), embedder: emb)
            let sources = try searcher.search(question, k: k, mode: SearchMode(rawValue: mode)!)
            let loaded = try ModelLoader.load(model, threads: threads)
            let tok = loaded.tokenizer
            let prompt = try Self.prompt(question: question, sources: sources, template: loaded.chatTemplate,
                                         bos: tok.bosID.map { String(decoding: tok.tokenPiece($0), as: UTF8.self) })
            if showPrompt { printError("---- prompt ----\n\(prompt)\n---- end of prompt ----") }
            let ids = tok.encode(prompt, addSpecial: loaded.chatTemplate == nil, parseSpecial: true)
            let gen = Generator(model: loaded.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs)
            let options = GenerationOptions(maxTokens: n, sampling: SamplingConfig(temperature: temp, seed: seed))
            let out = FileHandle.standardOutput
            _ = try gen.generate(ids, options: options) { out.write(Data($0.utf8)) }
            print("\n\nSources:")
            for s in sources {
                let h = s.chunk.headingPath.isEmpty ? "" : " › " + s.chunk.headingPath.joined(separator: " › ")
                print("[\(s.rank)] \(displayPath(s.chunk.source))\(h)")
                print("    " + snippet(s.chunk.text, 120))
            }
        }
    }

    static let instruction = "Answer the question using only the numbered sources. Cite the sources you use like [1]. "
        + "If the sources do not contain the answer, say that you do not know."

    /// The chat prompt: instruction, numbered sources, question (plain text without a template).
    static func prompt(question: String, sources: [SearchResult], template: String?, bos: String?) throws -> String {
        var body = "Sources:\n"
        for s in sources {
            let h = s.chunk.headingPath.isEmpty ? "" : " (" + s.chunk.headingPath.joined(separator: " › ") + ")"
            body += "[\(s.rank)] \(displayPath(s.chunk.source))\(h)\n\(s.chunk.text)\n\n"
        }
        body += "Question: \(question)"
        guard let template else { return "\(instruction)\n\n\(body)\n\nAnswer:" }
        let t = try ChatTemplate(source: template)
        return try t.render(messages: [ChatMessage(role: "system", content: instruction), ChatMessage(role: "user", content: body)],
                            addGenerationPrompt: true, bosToken: bos)
    }
}
