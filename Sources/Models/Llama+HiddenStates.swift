// Llama+HiddenStates.swift: the last layer's hidden states after the final RMSNorm, one row per
// token, for using a causal LM as an embedder (mean-pooled by the Retrieval layer). Runs the
// normal forward pass chunk by chunk on a fresh f32 cache and reads the residual stream from
// the scratch buffer before the output projection (which is only computed for the last row).
extension LlamaModel {
    /// Hidden states (T, D) of `tokens` after the output norm, from position 0.
    public func hiddenStates(_ tokens: [Int32]) throws -> [Float] {
        let D = config.dim
        guard !tokens.isEmpty else { return [] }
        let cache = makeCache(capacity: tokens.count, precision: .f32)
        var out = [Float](repeating: 0, count: tokens.count * D)
        var start = 0
        while start < tokens.count {
            let n = min(Scratch.chunk, tokens.count - start)
            _ = try forward(Array(tokens[start..<(start + n)]), cache: cache, allLogits: false)
            out.withUnsafeMutableBufferPointer { o in outputNorm(scratch.x, tokens: n, into: o.baseAddress! + start * D) }
            start += n
        }
        return out
    }
}
