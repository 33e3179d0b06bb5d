// SeededRNG.swift: the tests' deterministic random numbers: the product's SplitMix64 plus the
// two normal-ish draws the tests use.
import Foundation
import Generation

public typealias SeededRNG = SplitMix64

extension SplitMix64 {
    /// Standard normal (Box-Muller).
    public mutating func gauss() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self), u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    public mutating func normals(_ n: Int, std: Float = 1) -> [Float] { (0..<n).map { _ in gauss() * std } }

    /// Roughly normal and bounded to ±3.5 (sum of four uniforms): sane values for quantized blocks.
    public mutating func boundedGauss() -> Float {
        var s: Float = 0
        for _ in 0..<4 { s += Float.random(in: -1...1, using: &self) }
        return s * 0.866
    }
}
