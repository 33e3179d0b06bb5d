// EvalModel.swift: the model side of an evaluation: network, tokenizer and chat template, and
// how a prompt becomes tokens. With a chat template (instruct models) the prompt is the content of
// one user message (after an optional system message), rendered with add_generation_prompt as
// transformers' apply_chat_template does; without one, the prompt is used as raw text.
// BOS is added by the tokenizer only when the model's metadata asks for it and the rendered text
// does not already start with it (templates that write `{{ bos_token }}` themselves).
import Foundation
import Models
import Tokenizers

/// A model ready for evaluation.
public final class EvalModel {
    public let name: String
    public let model: LanguageModel
    public let tokenizer: Tokenizer
    /// The compiled chat template, nil for base models without one.
    public let chatTemplate: ChatTemplate?

    /// - Parameter chatTemplateSource: the model's `tokenizer.chat_template`, if any.
    public init(name: String, model: LanguageModel, tokenizer: Tokenizer, chatTemplateSource: String?) throws {
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        chatTemplate = try chatTemplateSource.map { try ChatTemplate(source: $0) }
    }

    /// The special-token texts templates read as `bos_token` / `eos_token`.
    public var bosText: String? { tokenizer.bosID.flatMap { tokenizer.tokenText($0) } }
    public var eosText: String? { tokenizer.eosID.flatMap { tokenizer.tokenText($0) } }

    /// The text the model sees for `prompt` (chat-formatted when the model has a template).
    public func render(userPrompt prompt: String, system: String? = nil) throws -> String {
        guard let chatTemplate else { return prompt }
        var messages: [ChatMessage] = []
        if let system { messages.append(ChatMessage(role: "system", content: system)) }
        messages.append(ChatMessage(role: "user", content: prompt))
        return try chatTemplate.render(messages: messages, addGenerationPrompt: true, bosToken: bosText, eosToken: eosText)
    }

    /// Tokens of already-rendered text (special-token text parsed as special tokens).
    public func tokens(ofRendered text: String) -> [Int32] {
        let startsWithBOS = bosText.map { !$0.isEmpty && text.hasPrefix($0) } ?? false
        return tokenizer.encode(text, addSpecial: !startsWithBOS, parseSpecial: true)
    }
}
