// Chat.swift: `tailor chat`: an interactive chat REPL on a model's chat template: the reply
// streams as it is generated and stops at the end-of-turn token; line editing with history
// (arrows, Ctrl-A/E/U, Ctrl-C clears, Ctrl-D quits) on a terminal; commands /system TEXT, /reset,
// /save FILE, /help, /quit. `--messages FILE.json` runs one turn non-interactively and prints the
// reply. The whole conversation is re-rendered each turn, but the KV cache is kept between turns:
// only tokens after the prefix shared with the previous turn are prefilled
// (ConversationGenerator; --no-reuse prefills everything each turn).
import ArgumentParser
import Evaluation
import Foundation
import Generation
import Loading
import Tokenizers
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Chat with a model (REPL, or one turn with --messages).")

    @OptionGroup var model: ModelOptions
    @Option(name: .long, help: "Run one turn on this conversation (JSON, as for `tailor template render`) and print the reply.")
    var messages: String?
    @Option(name: .long, help: "A system message to start with.") var system: String?
    @Option(name: .short, help: "Maximum tokens per reply.") var n = 512
    @Option(help: "Temperature; 0 is greedy.") var temp: Float = 0.7
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "An adapter folder (any method), as for `tailor generate`.") var adapter: String?
    @Flag(name: .customLong("no-reuse"), help: "Prefill the whole conversation each turn instead of reusing the KV cache.") var noReuse = false

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be >= 1") }
        guard temp >= 0 else { throw ValidationError("--temp must be >= 0") }
    }

    func run() throws {
        try reportingErrors {
            let loaded = try AdapterLoading.load(model.model, threads: model.threads, adapter: adapter)
            model.configure(loaded.model)
            guard let source = loaded.chatTemplate else { throw CLIError("\(loaded.name): the model has no chat template; use `tailor generate`") }
            let session = ChatSession(loaded: loaded, template: try ChatTemplate(source: source), maxTokens: n,
                                      sampling: temp == 0 ? .greedy : SamplingConfig(temperature: temp, seed: seed), reuse: !noReuse)
            if let messages {
                let conv = try Template.Render.readConversation(messages)
                let reply = try session.reply(to: conv.messages, tools: conv.tools) { FileHandle.standardOutput.write(Data($0.utf8)) }
                _ = reply
                say("")
                return
            }
            if let system { session.history.append(("system", system)) }
            try session.repl()
        }
    }
}

/// A conversation with a loaded model.
final class ChatSession {
    let loaded: LoadedModel
    let template: ChatTemplate
    let maxTokens: Int
    var sampling: SamplingConfig
    var history: [(role: String, content: String)] = []
    var turn: UInt64 = 0
    let generator: ConversationGenerator

    init(loaded: LoadedModel, template: ChatTemplate, maxTokens: Int, sampling: SamplingConfig, reuse: Bool = true) {
        self.loaded = loaded; self.template = template; self.maxTokens = maxTokens; self.sampling = sampling
        let tok = loaded.tokenizer
        generator = ConversationGenerator(model: loaded.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs,
                                          reuse: reuse)
    }

    var messagesValue: JinjaValue {
        .list(history.map { ChatMessage(role: $0.role, content: $0.content).jinjaValue })
    }

    /// Generates the assistant's reply to `messages`, streaming it to `onText`; stops at end-of-turn.
    func reply(to messages: JinjaValue, tools: JinjaValue? = nil, onText: (String) -> Void) throws -> String {
        let tok = loaded.tokenizer
        let bos = tok.bosID.flatMap { tok.tokenText($0) }, eos = tok.eosID.flatMap { tok.tokenText($0) }
        let text = try template.render(messages: messages, addGenerationPrompt: true, bosToken: bos, eosToken: eos, tools: tools)
        let startsWithBOS = bos.map { !$0.isEmpty && text.hasPrefix($0) } ?? false
        let ids = tok.encode(text, addSpecial: !startsWithBOS, parseSpecial: true)
        let room = loaded.model.contextLength - ids.count
        guard room > 0 else { throw GenerationError.promptTooLong(tokens: ids.count, context: loaded.model.contextLength) }
        var s = sampling
        s.seed = sampling.seed &+ turn
        turn += 1
        let r = try generator.generate(ids, options: GenerationOptions(maxTokens: min(maxTokens, room), sampling: s), onText: onText)
        return r.text
    }

    func repl() throws {
        let editor = LineEditor()
        say("tailor chat: \(loaded.name). /system TEXT, /reset, /save FILE, /quit; Ctrl-D quits.")
        while let line = editor.read(prompt: "> ") {
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            if input.hasPrefix("/") {
                if try !command(input) { break }
                continue
            }
            history.append(("user", line))
            do {
                let text = try reply(to: messagesValue) { t in FileHandle.standardOutput.write(Data(t.utf8)) }
                say("")
                history.append(("assistant", text))
            } catch {
                history.removeLast()
                printError("error: \(error) (try /reset)")
            }
        }
    }

    /// Runs a slash command; false to quit.
    func command(_ input: String) throws -> Bool {
        let (cmd, arg) = input.firstIndex(of: " ").map { (String(input[..<$0]), input[$0...].trimmingCharacters(in: .whitespaces)) } ?? (input, "")
        switch cmd {
        case "/quit", "/exit": return false
        case "/reset":
            history.removeAll { $0.role != "system" }
            say("(conversation cleared)")
        case "/system":
            history.removeAll { $0.role == "system" }
            if !arg.isEmpty { history.insert(("system", arg), at: 0) }
            say(arg.isEmpty ? "(system message removed)" : "(system message set)")
        case "/save":
            guard !arg.isEmpty else { printError("usage: /save FILE"); return true }
            let list = history.map { ["role": $0.role, "content": $0.content] }
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            do {
                try AtomicFile.write(try enc.encode(list) + Data("\n".utf8), to: URL(fileURLWithPath: arg))
                say("(saved \(history.count) messages to \(arg))")
            } catch { printError("error: \(error)") }
        case "/help":
            say("/system TEXT  set the system message\n/reset        clear the conversation\n/save FILE    save it as JSON\n/quit         leave")
        default: printError("unknown command \(cmd) (/help lists them)")
        }
        return true
    }
}

/// Reads lines with editing and history on a terminal (raw mode), or plain lines otherwise.
final class LineEditor {
    private(set) var history: [String] = []
    let interactive = isatty(0) == 1 && isatty(1) == 1

    /// The next line, or nil at end of input (Ctrl-D on an empty line).
    func read(prompt: String) -> String? {
        guard interactive else {
            guard let l = readLine(strippingNewline: true) else { return nil }
            return l
        }
        var saved = termios()
        tcgetattr(0, &saved)
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON)
        tcsetattr(0, TCSANOW, &raw)
        defer { tcsetattr(0, TCSANOW, &saved) }
        var buf: [Character] = [], cursor = 0, index = history.count
        var scratch: [Character] = []
        func redraw() {
            let s = "\r\u{1B}[2K" + prompt + String(buf) + (cursor < buf.count ? "\u{1B}[\(buf.count - cursor)D" : "")
            FileHandle.standardOutput.write(Data(s.utf8))
        }
        redraw()
        var pending: [UInt8] = []
        while true {
            var byte: UInt8 = 0
            guard Glibc_read(&byte) else { return nil }
            switch byte {
            case 10, 13:
                FileHandle.standardOutput.write(Data("\n".utf8))
                let line = String(buf)
                if !line.trimmingCharacters(in: .whitespaces).isEmpty, history.last != line { history.append(line) }
                return line
            case 4: if buf.isEmpty { FileHandle.standardOutput.write(Data("\n".utf8)); return nil }
            case 3: buf = []; cursor = 0; FileHandle.standardOutput.write(Data("^C\n".utf8))
            case 1: cursor = 0
            case 5: cursor = buf.count
            case 21: buf.removeFirst(cursor); cursor = 0
            case 127, 8: if cursor > 0 { buf.remove(at: cursor - 1); cursor -= 1 }
            case 27:
                var a: UInt8 = 0, b: UInt8 = 0
                guard Glibc_read(&a), Glibc_read(&b), a == 91 else { break }
                switch b {
                case 65 where index > 0:                       // up
                    if index == history.count { scratch = buf }
                    index -= 1; buf = Array(history[index]); cursor = buf.count
                case 66 where index < history.count:           // down
                    index += 1; buf = index == history.count ? scratch : Array(history[index]); cursor = buf.count
                case 67: cursor = min(buf.count, cursor + 1)
                case 68: cursor = max(0, cursor - 1)
                default: break
                }
            default:
                pending.append(byte)
                if let s = String(validating: pending) {      // a complete UTF-8 character
                    buf.insert(contentsOf: Array(s), at: cursor); cursor += s.count; pending = []
                } else if pending.count >= 4 { pending = [] }
            }
            redraw()
        }
    }

    private func Glibc_read(_ b: inout UInt8) -> Bool { Foundation.read(0, &b, 1) == 1 }
}

private extension String {
    init?(validating bytes: [UInt8]) {
        guard let s = String(bytes: bytes, encoding: .utf8) else { return nil }
        self = s
    }
}

/// Writes a line to stdout unbuffered, so it interleaves correctly with streamed replies.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
