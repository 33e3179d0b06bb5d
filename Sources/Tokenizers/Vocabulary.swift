// Vocabulary.swift: token texts (raw bytes), scores, attributes and the exact byte lookup shared
// by every tokenizer family; plus the GGUF token-type codes and llama.cpp's token attributes.

/// `tokenizer.ggml.token_type` codes (llama.cpp's llama_token_type).
public enum TokenType: Int32, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

/// Per-token attributes (llama.cpp's llama_token_attr bits).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let unknown = TokenAttributes(rawValue: 1 << 0)
    public static let unused = TokenAttributes(rawValue: 1 << 1)
    public static let normal = TokenAttributes(rawValue: 1 << 2)
    public static let control = TokenAttributes(rawValue: 1 << 3)
    public static let userDefined = TokenAttributes(rawValue: 1 << 4)
    public static let byte = TokenAttributes(rawValue: 1 << 5)
    public static let normalized = TokenAttributes(rawValue: 1 << 6)
    public static let lstrip = TokenAttributes(rawValue: 1 << 7)
    public static let rstrip = TokenAttributes(rawValue: 1 << 8)
    public static let singleWord = TokenAttributes(rawValue: 1 << 9)

    init(type: Int32) {
        switch TokenType(rawValue: type) {
        case .unknown: self = .unknown
        case .unused: self = .unused
        case .normal: self = .normal
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .byte: self = .byte
        default: self = []
        }
    }
}

struct Vocabulary: Sendable {
    var texts: [[UInt8]]
    var scores: [Float]
    var attrs: [TokenAttributes]
    var table: ByteTable
    var maxTokenLength: Int

    init(tokens: [String], scores: [Float]?, types: [Int32]?) {
        var texts: [[UInt8]] = []
        texts.reserveCapacity(tokens.count)
        var table = ByteTable(capacity: tokens.count)
        var maxLen = 0
        for (i, t) in tokens.enumerated() {
            var b = Array(t.utf8)
            if b.isEmpty { b = Array("[EMPTY_\(i)]".utf8) }
            table.set(b, Int32(i))
            maxLen = max(maxLen, b.count)
            texts.append(b)
        }
        self.texts = texts
        self.table = table
        self.maxTokenLength = maxLen
        self.scores = scores ?? [Float](repeating: 0, count: tokens.count)
        self.attrs = types.map { $0.map(TokenAttributes.init(type:)) }
            ?? [TokenAttributes](repeating: .normal, count: tokens.count)
    }

    var count: Int { texts.count }

    @inline(__always) func find(_ p: UnsafeBufferPointer<UInt8>) -> Int32? { table.find(p) }
    func find(_ b: [UInt8]) -> Int32? { table.find(b) }
    func find(_ b: ArraySlice<UInt8>) -> Int32? { table.find(b) }
    func find(_ s: String) -> Int32? { table.find(Array(s.utf8)) }

    func has(_ id: Int32, _ a: TokenAttributes) -> Bool { !attrs[Int(id)].isDisjoint(with: a) }

    /// SentencePiece byte token: "<0xXX>", else the single byte itself (llama.cpp byte_to_token).
    func spmByteToken(_ b: UInt8) -> Int32? {
        let hex = Array("0123456789ABCDEF".utf8)
        let key: [UInt8] = [0x3C, 0x30, 0x78, hex[Int(b >> 4)], hex[Int(b & 15)], 0x3E]
        return find(key) ?? find([b])
    }
}

/// A minimal binary min-heap.
struct BinaryHeap<Element> {
    private var items: [Element] = []
    private let less: (Element, Element) -> Bool

    init(less: @escaping (Element, Element) -> Bool) { self.less = less }

    var isEmpty: Bool { items.isEmpty }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !less(items[i], items[p]) { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            let n = items.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && less(items[l], items[m]) { m = l }
                if r < n && less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
