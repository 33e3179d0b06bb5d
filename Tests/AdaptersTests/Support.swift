// Support.swift: shared helpers for AdaptersTests: fixture paths, the tiny Llama GGUF as a
// training graph, and logit comparison.
import Foundation
import XCTest
@_exported import TestSupport
import Formats
import Loading
import Models
import Tensor
@testable import Training

enum Fixture {
    static let root = TestAssets.fixtures
    static let adapters = root.appendingPathComponent("adapters")
    static let tinyLlama = root.appendingPathComponent("models/tiny-llama.gguf").path

    static func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: adapters.appendingPathComponent(name))) as! [String: Any]
    }

    static func floats(_ obj: [String: Any], _ key: String) -> [Float] { (obj[key] as! [NSNumber]).map { $0.floatValue } }

    /// The tiny Llama as a graph (base frozen in its stored types) and its config.
    static func tinyGraph(base: LlamaTrainingGraph.BaseWeights = .frozen) throws -> (LlamaTrainingGraph, LlamaConfig, GGUFFile) {
        let file = try GGUFFile(path: tinyLlama)
        let w = GGUFWeights(file: file)
        let c = try LlamaConfig(architecture: "llama", source: w, ropeNeox: false, embeddingRows: try w.matrix("token_embd.weight").rows)
        return (try LlamaTrainingGraph(config: c, weights: w, base: base), c, file)
    }

    static func logits(_ g: LlamaTrainingGraph, _ tokens: [Int32]) throws -> [Float] {
        try g.logits(tokens: tokens, batch: 1, tape: Tape(pool: nil, recording: false)).value.array
    }
}
