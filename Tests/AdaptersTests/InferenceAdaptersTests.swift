// InferenceAdaptersTests.swift: adapters that do not fold into the weights, run on the fast
// inference model (KV cache) through its hook points, as `tailor generate/eval/chat --adapter` run
// them. Prompt and prefix tuning: PEFT-written folders, logits against PeftModel's (fixtures from
// scripts/make_peft_methods_fixtures.py). Bottleneck adapters (no PEFT): against the training
// graph, which the conformance battery checks. Incremental decoding through the cache must give
// the same last-position logits as one pass, and a cache truncated back to a mark keeps the prefix.
import Foundation
import XCTest
import Loading
import Models
import Tensor
@testable import Adapters
@testable import Training

final class InferenceAdaptersTests: XCTestCase {
    func inferenceModel() throws -> LlamaModel {
        let loaded = try ModelLoader.load(Fixture.tinyLlama, threads: 1)
        let model = try XCTUnwrap(loaded.model as? LlamaModel)
        model.activations = .f32
        return model
    }

    func attach(_ folder: String, to model: LlamaModel) throws -> LanguageModel {
        let (g, c, _) = try Fixture.tinyGraph()
        return try InferenceAdapters.attach(folder, to: model, graph: g, context: AdapterContext(graphConfig: c, ggufOrder: true))
    }

    func testPromptAndPrefixTuningMatchPeftModel() throws {
        for method in ["prompt", "prefix"] {
            let ref = try Fixture.json("methods/\(method)_logits.json")
            let tokens = (ref["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
            let model = try attach(Fixture.adapters.appendingPathComponent("methods/\(method)").path, to: try inferenceModel())
            XCTAssertTrue(model is PrefixedLanguageModel)
            let cache = model.makeCache(capacity: tokens.count, precision: .f32)
            XCTAssertGreaterThan(cache.count, 0, "the cache starts with the adapter's rows")
            let logits = try model.forward(tokens, cache: cache, allLogits: true)
            let expected = Fixture.floats(ref, "adapted_logits")
            let d = maxAbsDiff(logits, expected)
            let base = try inferenceModel().forward(tokens, cache: try inferenceModel().makeCache(capacity: tokens.count, precision: .f32), allLogits: true)
            let effect = maxAbsDiff(base, expected)
            print(String(format: "%@ on the inference model: max |Tailor − PeftModel| %.2e (adapter effect %.2f)", method, d, effect))
            XCTAssertLessThan(d, 1e-3)
            XCTAssertGreaterThan(effect, 100 * d, "the fixture adapter must change the output")
        }
    }

    func testBottleneckHookMatchesTrainingGraph() throws {
        let (g, c, _) = try Fixture.tinyGraph()
        let a = try BottleneckAdapter.apply(reductionFactor: 4, placement: "houlsby", to: g, random: RandomState(seed: 3))
        let rng = RandomState(seed: 9)
        for (_, p) in a.namedParameters {   // up = 0 at init: give every parameter a visible value
            p.value.assign(FloatTensor(shape: p.shape, values: (0..<p.count).map { _ in (rng.uniform() * 2 - 1) * 0.3 }))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bottleneck-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try a.save(to: dir, context: AdapterContext(graphConfig: c, ggufOrder: true))
        let tokens: [Int32] = [5, 17, 200, 33, 64, 150, 297, 7]
        let expected = try Fixture.logits(g, tokens)
        let model = try attach(dir, to: try inferenceModel())
        let logits = try model.forward(tokens, cache: model.makeCache(capacity: tokens.count, precision: .f32), allLogits: true)
        let d = maxAbsDiff(logits, expected)
        a.isEnabled = false
        let effect = maxAbsDiff(try Fixture.logits(g, tokens), expected)
        print(String(format: "bottleneck hook: max |inference − graph| %.2e (adapter effect %.2f)", d, effect))
        XCTAssertLessThan(d, 1e-3)
        XCTAssertGreaterThan(effect, 100 * d)
    }

    func testIncrementalDecodeAndTruncateKeepThePrefix() throws {
        let ref = try Fixture.json("methods/prompt_logits.json")
        let tokens = (ref["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
        let model = try attach(Fixture.adapters.appendingPathComponent("methods/prompt").path, to: try inferenceModel())
        let V = model.vocabularySize
        let full = try model.forward(tokens, cache: model.makeCache(capacity: tokens.count, precision: .f32), allLogits: true)
        let cache = model.makeCache(capacity: tokens.count + 4, precision: .f32)
        _ = try model.forward(Array(tokens.prefix(4)), cache: cache, allLogits: false)
        let mark = cache.count
        _ = try model.forward([9, 9, 9], cache: cache, allLogits: false)     // a detour, then back to the mark
        cache.truncate(to: mark)
        var last: [Float] = []
        for t in tokens.dropFirst(4) { last = try model.forward([t], cache: cache, allLogits: false) }
        XCTAssertLessThan(maxAbsDiff(last, Array(full[(tokens.count - 1) * V ..< tokens.count * V])), 1e-4)
    }

    /// Prefixes initialized from a text's keys/values (Li & Liang) make the model continue as if
    /// the text came first: graph and inference model both equal the base model on text + input.
    func testPrefixInitializedFromTextActsAsThatText() throws {
        let (g, c, _) = try Fixture.tinyGraph()
        let a = try PrefixTuningAdapter.apply(virtualTokens: 4, hidden: 0, to: g, random: RandomState(seed: 1))
        let text: [Int32] = [12, 250, 31, 77], rest: [Int32] = [5, 17, 200, 33, 64]
        let model = try inferenceModel()
        let rows = try InferenceAdapters.tokenRows(text, model: model)
        try a.initialize(keys: rows.keys, values: rows.values)
        let V = c.vocabSize
        let whole = try model.forward(text + rest, cache: model.makeCache(capacity: 9, precision: .f32), allLogits: true)
        let expected = Array(whole[text.count * V ..< (text.count + rest.count) * V])
        let viaGraph = try Fixture.logits(g, rest)
        let prefixed = PrefixedLanguageModel(base: model, prefix: a.cacheRows())
        let viaCache = try prefixed.forward(rest, cache: prefixed.makeCache(capacity: rest.count, precision: .f32), allLogits: true)
        print(String(format: "prefix from text: graph %.2e, inference %.2e from the base model on text + input",
                     maxAbsDiff(viaGraph, expected), maxAbsDiff(viaCache, expected)))
        XCTAssertLessThan(maxAbsDiff(viaGraph, expected), 1e-3)
        XCTAssertLessThan(maxAbsDiff(viaCache, expected), 1e-4)
    }
}
