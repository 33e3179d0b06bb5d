// GGMLType.swift: the element/block types of ggml (GGUF tensor types), with block geometry.
// Type ids are ggml's; the table covers every id ggml defines, so a reader can name a type even
// where Tailor cannot compute with it (`isSupported`).

/// A ggml tensor element type. Raw values are ggml's `enum ggml_type` ids.
public enum GGMLType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22
    case iq4_xs = 23, i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39

    /// Elements per block and bytes per block.
    public var blockGeometry: (elements: Int, bytes: Int) {
        switch self {
        case .f32: (1, 4)
        case .f16, .bf16, .i16: (1, 2)
        case .q4_0: (32, 18)
        case .q4_1: (32, 20)
        case .q5_0: (32, 22)
        case .q5_1: (32, 24)
        case .q8_0: (32, 34)
        case .q8_1: (32, 36)
        case .q2_K: (256, 84)
        case .q3_K: (256, 110)
        case .q4_K: (256, 144)
        case .q5_K: (256, 176)
        case .q6_K: (256, 210)
        case .q8_K: (256, 292)
        case .iq2_xxs: (256, 66)
        case .iq2_xs: (256, 74)
        case .iq3_xxs: (256, 98)
        case .iq1_s: (256, 50)
        case .iq4_nl: (32, 18)
        case .iq3_s: (256, 110)
        case .iq2_s: (256, 82)
        case .iq4_xs: (256, 136)
        case .i8: (1, 1)
        case .i32: (1, 4)
        case .i64, .f64: (1, 8)
        case .iq1_m: (256, 56)
        case .tq1_0: (256, 54)
        case .tq2_0: (256, 66)
        case .mxfp4: (32, 17)
        }
    }

    public var blockElements: Int { blockGeometry.elements }
    public var blockBytes: Int { blockGeometry.bytes }

    /// Bytes taken by `count` elements, or nil if `count` is not a whole number of blocks.
    public func byteCount(elements count: Int) -> Int? {
        let (e, b) = blockGeometry
        guard count >= 0, count % e == 0 else { return nil }
        let (r, o) = (count / e).multipliedReportingOverflow(by: b)
        return o ? nil : r
    }

    /// True if the kernels can dequantize and multiply this type.
    public var isSupported: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: true
        default: false
        }
    }

    /// True for block-quantized types (not plain floats or integers).
    public var isQuantized: Bool { blockElements > 1 }

    /// ggml's name for the type, e.g. "Q4_1", "F16".
    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        case .iq2_xxs: "IQ2_XXS"
        case .iq2_xs: "IQ2_XS"
        case .iq3_xxs: "IQ3_XXS"
        case .iq1_s: "IQ1_S"
        case .iq4_nl: "IQ4_NL"
        case .iq3_s: "IQ3_S"
        case .iq2_s: "IQ2_S"
        case .iq4_xs: "IQ4_XS"
        case .i8: "I8"
        case .i16: "I16"
        case .i32: "I32"
        case .i64: "I64"
        case .f64: "F64"
        case .iq1_m: "IQ1_M"
        case .bf16: "BF16"
        case .tq1_0: "TQ1_0"
        case .tq2_0: "TQ2_0"
        case .mxfp4: "MXFP4"
        }
    }

    public var description: String { name }

    /// Parses a type name such as "q4_1" or "Q6_K" (case-insensitive).
    public init?(name: String) {
        guard let t = GGMLType.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = t
    }
}
