// GraphHooks.swift: the hook points a training graph offers to adapters, so no adapter code lives
// in the model file. A hook sees (and may replace) values at fixed places of the forward pass:
//   - virtualTokens: rows prepended to every sequence's input embeddings (prompt tuning); the
//     graph runs on N + T positions and drops the virtual rows before the output head;
//   - attentionPrefix: per layer, P extra key/value rows (already "rotated": no RoPE is applied)
//     that every query attends to (prefix tuning); real tokens then sit at positions P ... P+T−1,
//     as in transformers with a P-token past_key_values (what PEFT does) and as with a KV cache
//     pre-filled with the prefix;
//   - attentionOutput / mlpOutput: each sublayer's output before its residual add (bottleneck
//     adapters).
// Linear layers (LoRA, DoRA, IA3's k/v/down_proj scaling) are wrapped through mapLinearLayers.
// Every method has a default that changes nothing.
import Tensor

/// Something that attaches to a LlamaTrainingGraph's hook points.
public protocol GraphHook: AnyObject {
    /// (N, D) rows to place before every sequence's input embeddings, or nil.
    func virtualTokens(tape: Tape) -> Variable?
    /// Layer `layer`'s prefix keys and values, each (P, Hkv·Dh), or nil.
    func attentionPrefix(layer: Int, tape: Tape) -> (keys: Variable, values: Variable)?
    /// The attention sublayer's output (rows, D) of layer `layer`, before the residual add.
    func attentionOutput(layer: Int, _ h: Variable, tape: Tape) -> Variable
    /// The MLP sublayer's output (rows, D) of layer `layer`, before the residual add.
    func mlpOutput(layer: Int, _ h: Variable, tape: Tape) -> Variable
}

public extension GraphHook {
    func virtualTokens(tape: Tape) -> Variable? { nil }
    func attentionPrefix(layer: Int, tape: Tape) -> (keys: Variable, values: Variable)? { nil }
    func attentionOutput(layer: Int, _ h: Variable, tape: Tape) -> Variable { h }
    func mlpOutput(layer: Int, _ h: Variable, tape: Tape) -> Variable { h }
}
