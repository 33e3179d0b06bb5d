// GraphGenerate.swift: generation with an adapter that cannot be merged into the weights (prompt
// tuning, prefix tuning, bottleneck adapters). It runs through the training graph with the
// adapter attached at its hook points, without a tape and without a KV cache: every new token
// recomputes the whole sequence (O(T²) per token), fine for short answers on small models but
// far slower than the inference model. Sampling uses the same Sampler as `tailor generate`.
import Adapters
import Foundation
import Generation
import Loading
import Models
import Tensor
import Training

enum GraphGenerate {
    /// Generates up to `maxTokens` after `prompt`, calling `emit` with each new piece of text.
    static func run(loaded: LoadedModel, adapter dir: String, prompt: [Int32], maxTokens: Int, sampling: SamplingConfig,
                    stop: [String], ignoreEOS: Bool, emit: (String) -> Void) throws -> [Int32] {
        let weights = GGUFWeights(file: loaded.file)
        let config = try AdapterLoading.config(of: loaded.file, weights: weights)
        let graph = try LlamaTrainingGraph(config: config, weights: weights, base: .frozen)
        _ = try AdapterRegistry.load(dir, into: graph, context: AdapterContext(graphConfig: config, ggufOrder: true))
        var sampler = Sampler(sampling)
        var tokens = prompt, out: [Int32] = []
        let V = config.vocabSize
        var text = ""
        for _ in 0..<maxTokens {
            let logits = try graph.logits(tokens: tokens, batch: 1, tape: Tape(pool: loaded.pool, recording: false))
            let last = Array(UnsafeBufferPointer(start: logits.value.pointer + (tokens.count - 1) * logits.shape[1], count: V))
            let t = sampler.sample(last, history: tokens)
            if !ignoreEOS, loaded.tokenizer.isEndOfGeneration(t) { break }
            tokens.append(t); out.append(t)
            let now = loaded.tokenizer.decode(out)
            emit(String(now.dropFirst(text.count))); text = now
            if stop.contains(where: { text.contains($0) }) { break }
        }
        return out
    }
}
