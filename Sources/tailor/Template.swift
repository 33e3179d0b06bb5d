// Template.swift: `tailor template render`: render a chat template (a model's, or a .jinja file)
// for the messages in a JSON file and print exactly the rendered text, with no newline added, so
// scripts and tests can compare bytes. The JSON file holds a list of messages, or an object with
// "messages" and optionally "tools", "documents" and any other template variables
// (e.g. "date_string"). With -m, bos_token/eos_token default to the model's special tokens.
import ArgumentParser
import Formats
import Foundation
import Loading
import Tokenizers

struct Template: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat templates.", subcommands: [Render.self])

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a chat template's rendering of a conversation, byte for byte.")

        @Option(name: [.customShort("m"), .long], help: "A catalog name or .gguf path whose tokenizer.chat_template to use.")
        var model: String?
        @Option(name: .long, help: "A Jinja chat-template file instead of a model's.") var template: String?
        @Option(name: .long, help: "A JSON file (or inline JSON): a list of messages, or {\"messages\": [...], \"tools\": [...], ...}.") var messages: String
        @Flag(name: .customLong("add-generation-prompt"), help: "End with the assistant turn's opening.") var addGenerationPrompt = false
        @Option(name: .long, help: "The bos_token variable (default: the model's, or undefined).") var bos: String?
        @Option(name: .long, help: "The eos_token variable (default: the model's, or undefined).") var eos: String?
        @Option(name: .long, help: "The time strftime_now reads, YYYY-MM-DDTHH:MM:SS in UTC (default: now, local time).") var now: String?

        func validate() throws {
            guard (model == nil) != (template == nil) else { throw ValidationError("give exactly one of -m MODEL and --template FILE") }
            if let now, Render.parseDate(now) == nil { throw ValidationError("--now must look like 2024-07-26T12:00:00 (got '\(now)')") }
        }

        func run() throws {
            try reportingErrors {
                var source: String
                var bosText = bos, eosText = eos
                if let template {
                    guard let d = FileManager.default.contents(atPath: template) else { throw CLIError("\(template): no such file") }
                    source = String(decoding: d, as: UTF8.self)
                } else {
                    let url = try ModelLoader.resolve(model!)
                    let file = try GGUFFile(path: url.path)
                    guard let s = file.string("tokenizer.chat_template") else {
                        throw CLIError("\(url.path): the model has no chat template (tokenizer.chat_template)")
                    }
                    source = s
                    let tok = try file.makeTokenizer()
                    if bosText == nil { bosText = tok.bosID.flatMap { tok.tokenText($0) } }
                    if eosText == nil { eosText = tok.eosID.flatMap { tok.tokenText($0) } }
                }
                let conv = try Render.readConversation(messages)
                let compiled = try ChatTemplate(source: source)
                let date = now.flatMap(Render.parseDate)
                let out = try compiled.render(messages: conv.messages, addGenerationPrompt: addGenerationPrompt,
                                              bosToken: bosText, eosToken: eosText, tools: conv.tools, documents: conv.documents,
                                              extra: conv.extra, now: date ?? Date(),
                                              timeZone: date == nil ? .current : TimeZone(identifier: "UTC")!)
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }

        struct Conversation {
            var messages: JinjaValue
            var tools: JinjaValue?
            var documents: JinjaValue?
            var extra: [String: JinjaValue] = [:]
        }

        /// Reads the messages file (see the file header), or the JSON itself when the argument is
        /// not a file and starts with `[` or `{`; errors name the file (or "--messages") and the field.
        static func readConversation(_ arg: String) throws -> Conversation {
            let inline = !FileManager.default.fileExists(atPath: arg) && ["[", "{"].contains(arg.trimmingCharacters(in: .whitespacesAndNewlines).first.map(String.init))
            let path = inline ? "--messages" : arg
            guard let data = inline ? Data(arg.utf8) : FileManager.default.contents(atPath: arg) else {
                throw CLIError("\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file")")
            }
            let value: JinjaValue
            do { value = try JinjaValue(jsonData: data) } catch { throw CLIError("\(path): invalid JSON (\(error))") }
            if case .list = value { return Conversation(messages: value) }
            guard let d = value.dictValue else { throw CLIError("\(path): expected a list of messages or an object with \"messages\"") }
            guard let m = d["messages"], case .list = m else { throw CLIError("\(path): field 'messages' is missing or not a list") }
            var c = Conversation(messages: m, tools: d["tools"], documents: d["documents"])
            for (k, v) in d.pairs where !["messages", "tools", "documents"].contains(k) { c.extra[k] = v }
            return c
        }

        static func parseDate(_ s: String) -> Date? {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
            return f.date(from: s)
        }
    }
}
