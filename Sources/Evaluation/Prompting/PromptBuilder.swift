// PromptBuilder.swift: builds the text of one prompt (the user message) for a task example:
// instruction, allowed answers, solved examples ("shots"), the input, and for chain of thought
// the request to reason and end with an answer line. The layout, with K shots:
//
//     {instruction} Answer with one of: a, b, c.
//
//     {Input}: peach
//     {Answer}: drupe
//
//     {Input}: lemon
//     {Answer}:
//
// Zero-shot is the same with no shots. Each part is a `PromptTemplate`, so callers may reword it.

/// Builds prompts for one task.
public struct PromptBuilder: Sendable {
    public var card: TaskCard
    /// The header: `{instruction}` and `{choices}` (the allowed-answer sentence, or empty).
    public var header: PromptTemplate
    /// One solved example: `{input_label}`, `{input}`, `{answer_label}`, `{answer}`.
    public var shot: PromptTemplate
    /// The question: `{input_label}`, `{input}`, `{answer_label}`.
    public var query: PromptTemplate
    /// Appended to the question for chain of thought: `{answer_label}`.
    public var reasoningRequest: PromptTemplate

    public init(card: TaskCard) {
        self.card = card
        // swiftlint:disable force_try
        header = try! PromptTemplate("{instruction}{choices}")
        shot = try! PromptTemplate("{input_label}: {input}\n{answer_label}: {answer}")
        query = try! PromptTemplate("{input_label}: {input}\n{answer_label}:")
        reasoningRequest = try! PromptTemplate(
            "Think step by step in two or three short sentences, then give the final answer on a last line starting with \"{answer_label}:\".")
        // swiftlint:enable force_try
    }

    /// The prompt for `example` after `shots`, in `mode`.
    public func prompt(for example: TaskExample, shots: [TaskExample], mode: PromptMode) throws -> String {
        var choices = ""
        if let labels = card.labels, !labels.isEmpty {
            choices = " Answer with one of: " + labels.joined(separator: ", ") + "."
        }
        var blocks = [try header.render(["instruction": card.instruction, "choices": choices])]
        for s in shots {
            blocks.append(try shot.render(["input_label": card.inputLabel, "input": s.input,
                                           "answer_label": card.answerLabel, "answer": s.target]))
        }
        if mode.usesReasoning {
            blocks.append(try reasoningRequest.render(["answer_label": card.answerLabel]))
            blocks.append(try PromptTemplate("{input_label}: {input}").render(["input_label": card.inputLabel, "input": example.input]))
        } else {
            blocks.append(try query.render(["input_label": card.inputLabel, "input": example.input, "answer_label": card.answerLabel]))
        }
        return blocks.joined(separator: "\n\n")
    }

    /// The extractor that parses a reply to a prompt in `mode`.
    public func extractor(for mode: PromptMode) -> AnswerExtractor {
        var steps: [AnswerExtractor.Step] = []
        let label = NSRegularExpression.escapedPattern(for: card.answerLabel)
        if mode.usesReasoning {
            steps.append(.lastMatch(pattern: "(?i)" + label + "\\s*:\\s*(.+)"))
        } else {
            steps.append(.firstMatch(pattern: "(?i)^\\s*" + label + "\\s*:\\s*(.*)"))   // an echoed "Answer:" prefix
        }
        if let p = card.answerPattern { steps.append(.firstMatch(pattern: p)) }
        if let labels = card.labels, !labels.isEmpty {
            steps.append(.choice(labels: labels, preferLast: mode.usesReasoning))
        } else {
            steps.append(.firstLine)
        }
        return AnswerExtractor(steps)
    }
}

import Foundation
