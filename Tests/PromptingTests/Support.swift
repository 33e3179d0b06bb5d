// Support.swift: the default model loaded once for PromptingTests (never downloads; XCTSkip when absent).
import Evaluation
import Foundation
import Loading
import XCTest
@_exported import TestSupport

/// One loaded model shared by the model tests (loading maps the file once).
enum SharedModel {
    private static var cached: LoadedModel?
    static func load() throws -> LoadedModel {
        if let c = cached { return c }
        let m = try ModelLoader.load(try TestAssets.defaultModelPath(), threads: 2)
        cached = m
        return m
    }

    static func evalModel() throws -> EvalModel {
        let m = try load()
        return try EvalModel(name: m.name, model: m.model, tokenizer: m.tokenizer, chatTemplateSource: m.chatTemplate)
    }
}
