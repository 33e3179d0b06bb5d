// QuantizationPlan.swift: which type each tensor gets in `tailor quantize`, following llama.cpp's
// llama-quantize (src/llama-quant.cpp: tensor_allows_quantization, llama_tensor_get_type_impl
// and tensor_type_fallback) for the recipes Tailor offers:
// - a pure type (llama-quantize --pure): every quantizable weight gets it;
// - a llama.cpp K mixture (Q3_K_S/M/L, Q4_K_S/M, Q5_K_S/M): the output (or the tied token
//   embedding) goes to Q6_K, and attn_v / ffn_down / attn_output of chosen layers get more bits.
// Then, for K-quants, rows that are not a multiple of 256 fall back as llama.cpp does: Q2_K/Q3_K
// -> Q4_0, Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, and to F16 if still not a whole number of
// blocks. (llama.cpp refuses such tensors for the non-K types; Tailor keeps them unchanged.)
// Limits: the importance-matrix (IQ*) recipes and llama.cpp's Q2_K/Q2_K_S mixtures are not offered.
import Tensor

/// A `tailor quantize --type` choice.
public struct QuantizationRecipe: Sendable, Equatable {
    public enum Mixture: String, Sendable, CaseIterable {
        case q3_k_s, q3_k_m, q3_k_l, q4_k_s, q4_k_m, q5_k_s, q5_k_m
    }

    /// The default tensor type.
    public let type: GGMLType
    /// nil for a pure recipe.
    public let mixture: Mixture?

    public init(pure type: GGMLType) { self.type = type; mixture = nil }

    public init(_ mixture: Mixture) {
        self.mixture = mixture
        switch mixture {
        case .q3_k_s, .q3_k_m, .q3_k_l: type = .q3_K
        case .q4_k_s, .q4_k_m: type = .q4_K
        case .q5_k_s, .q5_k_m: type = .q5_K
        }
    }

    /// Parses a `--type` value: a type name of ModelQuantizer.targets or a mixture name.
    public init?(name: String) {
        let n = name.lowercased()
        if let m = Mixture(rawValue: n) { self.init(m); return }
        guard let t = GGMLType(name: n), ModelQuantizer.targets.contains(t) else { return nil }
        self.init(pure: t)
    }

    public var name: String { mixture?.rawValue ?? type.name.lowercased() }

    /// All accepted `--type` names.
    public static var names: [String] {
        ModelQuantizer.targets.map { $0.name.lowercased() } + Mixture.allCases.map(\.rawValue)
    }

    /// llama.cpp's `llama_ftype`, written to general.file_type.
    public var fileType: UInt32 {
        switch mixture {
        case nil: ModelQuantizer.fileType(type)
        case .q3_k_s: 11
        case .q3_k_m: 12
        case .q3_k_l: 13
        case .q4_k_s: 14
        case .q4_k_m: 15
        case .q5_k_s: 16
        case .q5_k_m: 17
        }
    }
}

public enum QuantizationPlan {
    /// The hyperparameters llama.cpp's rules look at.
    public struct ModelInfo: Sendable {
        public var arch: String
        public var layers: Int
        public var experts: Int
        public var heads: Int
        public var kvHeads: Int
        public init(arch: String, layers: Int, experts: Int = 0, heads: Int = 0, kvHeads: Int = 0) {
            (self.arch, self.layers, self.experts, self.heads, self.kvHeads) = (arch, layers, experts, heads, kvHeads)
        }
    }

    enum Category { case tokenEmbd, attnQ, attnV, attnK, attnQKV, attnKVB, attnOutput, ffnUp, ffnGate, ffnDown, output, other }

    static func category(_ name: String) -> Category {
        if name == "output.weight" { return .output }
        if name == "token_embd.weight" || name == "per_layer_token_embd.weight" { return .tokenEmbd }
        if name.contains("attn_qkv.weight") { return .attnQKV }
        if name.contains("attn_kv_b.weight") { return .attnKVB }
        if name.contains("attn_v.weight") { return .attnV }
        if name.contains("attn_k.weight") { return .attnK }
        if name.contains("attn_q.weight") { return .attnQ }
        if name.contains("attn_output.weight") { return .attnOutput }
        if name.contains("ffn_up") { return .ffnUp }
        if name.contains("ffn_gate") { return .ffnGate }
        if name.contains("ffn_down") { return .ffnDown }
        return .other
    }

    /// llama.cpp's tensor_allows_quantization (for quantize_output_tensor = true). `dims`:
    /// ggml order (row length first).
    static func allowsQuantization(_ name: String, dims: [Int]) -> Bool {
        // ggml_n_dims: trailing dimensions of 1 do not count
        guard (dims.lastIndex { $0 > 1 } ?? 0) >= 1, name.hasSuffix("weight") else { return false }
        let excluded = [
            "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
            "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight",
            "indexer.q_proj.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
            "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
            "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
            "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
            "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd",
            "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
        ]
        if excluded.contains(where: { name.contains($0) }) { return false }
        return name != "position_embd.weight" && name != "token_types.weight"
    }

    /// llama.cpp's tensor_type_fallback; nil when the row fits no block of the type (Tailor then
    /// keeps the tensor as it is).
    static func fallback(_ t: GGMLType, cols: Int) -> GGMLType? {
        if cols % t.blockElements == 0 { return t }
        let f: GGMLType
        switch t {
        case .q2_K, .q3_K: f = .q4_0
        case .q4_K: f = .q5_0
        case .q5_K: f = .q5_1
        case .q6_K: f = .q8_0
        default: return nil
        }
        return cols % f.blockElements == 0 ? f : .f16
    }

    /// The output type of each tensor (name, ggml dims, current type), in the given order.
    public static func types(for tensors: [(name: String, dims: [Int], type: GGMLType)], model: ModelInfo,
                             recipe: QuantizationRecipe) -> [GGMLType] {
        let cats = tensors.map { category($0.name) }
        let tied = !cats.contains(.output)
        let nAttnV = cats.filter { $0 == .attnV || $0 == .attnQKV || $0 == .attnKVB }.count
        var iAttnV = 0, iFFNDown = 0
        var result = tensors.map(\.type)
        // llama.cpp walks the tensors sorted by layer number, then name; its counters follow that order
        func layer(_ name: String) -> Int {
            guard name.hasPrefix("blk.") else { return -1 }
            return Int(name.dropFirst(4).prefix { $0.isNumber }) ?? -1
        }
        let order = tensors.indices.sorted {
            let (a, b) = (layer(tensors[$0].name), layer(tensors[$1].name))
            return a != b ? a < b : Array(tensors[$0].name.utf8).lexicographicallyPrecedes(Array(tensors[$1].name.utf8))
        }
        for i in order {
            let (name, dims, _) = tensors[i]
            guard allowsQuantization(name, dims: dims) else { continue }
            var t = recipe.type
            guard recipe.type.isQuantized else { result[i] = t; continue }
            if let mix = recipe.mixture {
                t = mixtureType(t, name: name, cols: dims[0], category: cats[i], tied: tied, mix: mix, model: model,
                                iAttnV: &iAttnV, nAttnV: nAttnV, iFFNDown: &iFFNDown)
            }
            if let f = fallback(t, cols: dims[0]) { result[i] = f }
        }
        return result
    }

    // llama_tensor_get_type_impl, restricted to the K mixtures Tailor offers.
    static func mixtureType(_ defaultType: GGMLType, name: String, cols: Int, category cat: Category, tied: Bool,
                            mix: QuantizationRecipe.Mixture, model: ModelInfo,
                            iAttnV: inout Int, nAttnV: Int, iFFNDown: inout Int) -> GGMLType {
        var t = defaultType
        let falcon = model.arch == "falcon"
        func useMoreBits(_ i: Int, _ n: Int) -> Bool { i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2 }
        if cat == .output || (tied && cat == .tokenEmbd) {
            if falcon || cols % t.blockElements != 0 { t = .q8_0 } else if t != .q8_0 { t = .q6_K }
        } else if cat == .tokenEmbd {
            // no rule for the K mixtures
        } else if cat == .attnV || cat == .attnQKV || cat == .attnKVB {
            switch mix {
            case .q3_k_m: t = iAttnV < 2 ? .q5_K : .q4_K
            case .q3_k_l: t = .q5_K
            case .q4_k_m, .q5_k_m: if useMoreBits(iAttnV, nAttnV) { t = .q6_K }
            case .q4_k_s: if iAttnV < 4 { t = .q5_K }
            default: break
            }
            // LLM_TYPE_70B (llama with 80 layers): attn_v is 8x smaller than attn_q there
            if model.arch == "llama" && model.layers == 80 && (t == .q3_K || t == .q4_K) { t = .q5_K }
            if model.experts == 8 { t = .q8_0 }
            iAttnV += 1
        } else if cat == .attnK {
            if model.experts == 8 { t = .q8_0 }
        } else if cat == .ffnDown {
            var i = iFFNDown, n = model.layers
            if model.experts > 1, let l = Int(name.split(separator: ".").dropFirst().first ?? "") { i = l; n = model.layers }
            switch mix {
            case .q3_k_m: t = i < n / 16 ? .q5_K : (!falcon || useMoreBits(i, n)) ? .q4_K : .q3_K
            case .q3_k_l: t = falcon ? .q4_K : .q5_K
            case .q4_k_m:
                if falcon { t = i < n / 16 ? .q6_K : useMoreBits(i, n) ? .q5_K : .q4_K } else if useMoreBits(i, n) { t = .q6_K }
            case .q5_k_m: if useMoreBits(i, n) { t = .q6_K }
            case .q4_k_s: if !falcon && i < n / 8 { t = .q5_K }
            default: break
            }
            iFFNDown += 1
        } else if cat == .attnOutput {
            if !falcon {
                if model.experts == 8 {
                    if [.q3_k_s, .q3_k_m, .q4_k_s, .q4_k_m].contains(mix) { t = .q5_K }
                } else if mix == .q3_k_m { t = .q4_K } else if mix == .q3_k_l { t = .q5_K }
            } else if mix == .q3_k_l { t = .q4_K }
        }
        return t
    }
}
