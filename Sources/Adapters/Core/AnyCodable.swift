// AnyCodable.swift: a small JSON value for writing adapter_config.json files whose keys differ
// per method (literals: "x", 3, true, nil via .null).
import Foundation

/// A JSON value.
public enum AnyCodable: Codable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
                        ExpressibleByFloatLiteral {
    case string(String), int(Int), double(Double), bool(Bool), strings([String]), null

    public init(stringLiteral v: String) { self = .string(v) }
    public init(integerLiteral v: Int) { self = .int(v) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
    public init(floatLiteral v: Double) { self = .double(v) }

    public func encode(to e: Encoder) throws {
        var c = e.singleValueContainer()
        switch self {
        case .string(let v): try c.encode(v)
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .strings(let v): try c.encode(v)
        case .null: try c.encodeNil()
        }
    }

    public init(from d: Decoder) throws {
        let c = try d.singleValueContainer()
        if c.decodeNil() { self = .null } else if let v = try? c.decode(Bool.self) { self = .bool(v) } else if let v = try? c.decode(Int.self) { self = .int(v) }
        else if let v = try? c.decode(Double.self) { self = .double(v) } else if let v = try? c.decode(String.self) { self = .string(v) }
        else { self = .strings(try c.decode([String].self)) }
    }
}
