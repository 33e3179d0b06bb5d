// SFTFormat.swift: turns one record into tokens and a loss mask, in the layouts TRL's SFTTrainer
// reads (https://huggingface.co/docs/trl/dataset_formats):
//   {"text": ...}                      language modelling: every token is in the loss;
//   {"prompt": ..., "completion": ...} the prompt is masked out (prompt masking), the completion
//                                      and an end token are in the loss; prompt/completion may
//                                      also be message lists (conversational prompt-completion);
//   {"messages": [{"role","content"}]} rendered through the model's chat template; only assistant
//                                      turns are in the loss, their end-of-turn token included;
//   {"input": ..., "target": ...}      Tailor's task sets: a user turn (optionally through an
//                                      instruction template with {input}) and an assistant turn;
//                                      also question/answer, text/label, instruction/output ...
//                                      (the names `tailor eval` reads, see ExampleFields).
// Field names can be remapped (FieldMapping). Assistant spans are found by rendering the
// conversation incrementally (prefix with add_generation_prompt, then with the turn), and each
// segment is tokenized on its own, which is also how a prompt is tokenized at inference.
import Evaluation
import Foundation
import Tokenizers

/// Which fields hold what (defaults: TRL's names plus Tailor's input/target).
public struct FieldMapping: Codable, Equatable, Sendable {
    public var text = "text", prompt = "prompt", completion = "completion", messages = "messages", input = "input", target = "target"
    public init() {}

    /// Parses "prompt=question,completion=answer" (layout field = file field).
    public init(parsing spec: String) throws {
        for pair in spec.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[1].isEmpty else { throw DataError("field mapping '\(pair)' is not NAME=FIELD") }
            switch kv[0] {
            case "text": text = kv[1]
            case "prompt": prompt = kv[1]
            case "completion": completion = kv[1]
            case "messages": messages = kv[1]
            case "input": input = kv[1]
            case "target": target = kv[1]
            default: throw DataError("unknown field '\(kv[0])' in mapping (use text, prompt, completion, messages, input, target)")
            }
        }
    }
}

/// A data problem that is not tied to a line.
public struct DataError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}

/// One tokenized training example.
public struct TokenizedExample: Codable, Equatable, Sendable {
    public var tokens: [Int32]
    /// True where the token is a prediction target (in the loss).
    public var inLoss: [Bool]
    /// Where it came from ("FILE:LINE").
    public var origin: String
    public init(tokens: [Int32], inLoss: [Bool], origin: String) { self.tokens = tokens; self.inLoss = inLoss; self.origin = origin }
    public var lossTokenCount: Int { inLoss.dropFirst().filter { $0 }.count }
}

/// Renders and tokenizes records for supervised fine-tuning.
public struct SFTFormatter {
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate?
    public var fields = FieldMapping()
    /// For input/target records: the user turn, with "{input}" replaced (nil: the input as is).
    public var instruction: String?
    /// Mask the prompt out of the loss (TRL's completion_only_loss); false trains on all tokens.
    public var completionOnlyLoss = true

    public init(tokenizer: Tokenizer, chatTemplate: ChatTemplate?) {
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
    }

    var bosText: String? { tokenizer.bosID.flatMap { tokenizer.tokenText($0) } }
    var eosText: String? { tokenizer.eosID.flatMap { tokenizer.tokenText($0) } }
    var endID: Int32? { tokenizer.eosID ?? tokenizer.eotID }

    /// The user turn for an input.
    public func userText(input: String) -> String {
        instruction.map { $0.replacingOccurrences(of: "{input}", with: input) } ?? input
    }

    /// The prompt text a model is given at inference for an input/target example (what the
    /// training prefix is): the chat template with a generation prompt, or the plain user text.
    public func inferencePrompt(input: String) throws -> String {
        guard let t = chatTemplate else { return userText(input: input) }
        return try t.render(messages: [ChatMessage(role: "user", content: userText(input: input))], addGenerationPrompt: true,
                            bosToken: bosText, eosToken: eosText)
    }

    /// Tokens and loss mask of one record; throws a message naming the field at fault.
    public func format(_ fields_: [String: JSONValue]) throws -> (tokens: [Int32], inLoss: [Bool]) {
        let f = fields
        func string(_ key: String) throws -> String {
            guard case .string(let s) = fields_[key] else {
                throw DataError(fields_[key] == nil ? "field '\(key)' is missing" : "field '\(key)' is not a string (found \(fields_[key]!.kind))")
            }
            return s
        }
        if let m = fields_[f.messages] {
            return try chat(try messages(m, field: f.messages))
        }
        if fields_[f.prompt] != nil || fields_[f.completion] != nil {
            if case .array = fields_[f.prompt], case .array = fields_[f.completion] {
                return try chat(try messages(fields_[f.prompt]!, field: f.prompt) + messages(fields_[f.completion]!, field: f.completion))
            }
            return plain(prompt: try string(f.prompt), completion: try string(f.completion))
        }
        // Task-set layouts (input/target and the other names `ExampleFields` knows: question/answer,
        // text/label, instruction/output ...), read exactly as `tailor eval` reads them. A lone
        // `text` stays language modelling.
        let taskFields = ExampleFields(input: f.input == "input" ? nil : f.input, target: f.target == "target" ? nil : f.target, labels: nil)
        let hasTarget = taskFields.target.contains { fields_[$0] != nil }
        if hasTarget || fields_[taskFields.input[0]] != nil {
            let example: TaskExample
            do { example = try JSONL.example(from: JSONLRecord(line: 0, raw: "", fields: fields_), file: "", fields: taskFields) } catch let e as JSONLError {
                throw DataError(e.message)
            }
            let input = example.input, target = example.target
            if chatTemplate != nil {
                return try chat([ChatMessage(role: "user", content: userText(input: input)), ChatMessage(role: "assistant", content: target)])
            }
            return plain(prompt: userText(input: input) + "\n", completion: target)
        }
        if fields_[f.text] != nil {
            let t = tokenizer.encode(try string(f.text), addSpecial: true, parseSpecial: false) + (endID.map { [$0] } ?? [])
            return (t, Array(repeating: true, count: t.count))
        }
        throw DataError("no known layout: expected field '\(f.text)', '\(f.prompt)'+'\(f.completion)', '\(f.messages)' or '\(f.input)'+'\(f.target)'")
    }

    func plain(prompt: String, completion: String) -> (tokens: [Int32], inLoss: [Bool]) {
        let p = tokenizer.encode(prompt, addSpecial: true, parseSpecial: false)
        let c = tokenizer.encode(completion, addSpecial: false, parseSpecial: false) + (endID.map { [$0] } ?? [])
        return (p + c, Array(repeating: !completionOnlyLoss, count: p.count) + Array(repeating: true, count: c.count))
    }

    func messages(_ v: JSONValue, field: String) throws -> [ChatMessage] {
        guard case .array(let items) = v else { throw DataError("field '\(field)' is not an array (found \(v.kind))") }
        return try items.enumerated().map { i, item in
            guard case .object(let o) = item, case .string(let role)? = o["role"] else {
                throw DataError("field '\(field)' item \(i) has no string 'role'")
            }
            guard case .string(let content)? = o["content"] else { throw DataError("field '\(field)' item \(i) has no string 'content'") }
            return ChatMessage(role: role, content: content)
        }
    }

    /// Chat rendering with loss on assistant turns only (end-of-turn token included).
    func chat(_ msgs: [ChatMessage]) throws -> (tokens: [Int32], inLoss: [Bool]) {
        guard let t = chatTemplate else { throw DataError("messages need a chat template, and the model has none") }
        guard msgs.contains(where: { $0.role == "assistant" }) else { throw DataError("conversation has no assistant turn") }
        func render(_ m: ArraySlice<ChatMessage>, gen: Bool) throws -> [UInt8] {
            Array(try t.render(messages: Array(m), addGenerationPrompt: gen, bosToken: bosText, eosToken: eosText).utf8)
        }
        let full = try render(msgs[...], gen: false)
        var spans: [(Int, Int)] = []   // byte ranges of assistant turns in `full`
        for (i, m) in msgs.enumerated() where m.role == "assistant" {
            let before = try render(msgs[..<i], gen: true), with = try render(msgs[...i], gen: false)
            guard with.starts(with: before), full.starts(with: with), before.count >= (spans.last?.1 ?? 0) else {
                throw DataError("the chat template does not render this conversation incrementally; cannot find assistant turns")
            }
            spans.append((before.count, with.count))
        }
        var tokens: [Int32] = [], mask: [Bool] = []
        var pos = 0
        func add(_ a: Int, _ b: Int, loss: Bool) {
            guard b > a else { return }
            let piece = String(decoding: full[a..<b], as: UTF8.self)
            let ids = tokenizer.encode(piece, addSpecial: tokens.isEmpty, parseSpecial: true)
            tokens += ids
            mask += Array(repeating: loss, count: ids.count)
        }
        for (a, b) in spans {
            add(pos, a, loss: !completionOnlyLoss)
            add(a, b, loss: true)
            pos = b
        }
        add(pos, full.count, loss: !completionOnlyLoss)
        return (tokens, mask)
    }
}
