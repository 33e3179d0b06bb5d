// GradCheckSupport.swift: central finite differences against a tape's VJPs, plus seeded random
// tensors. The scalar probed is L = Σ r ⊙ f(inputs) with a fixed random r, summed in double;
// dL/dinput from the tape is compared with (L(x+h) − L(x−h)) / 2h element by element.
import Foundation
import XCTest
import NN
import Tensor
@_exported import TestSupport

struct GradCheckResult {
    var worst: Double = 0       // max |fd − analytic| / scale over checked elements
    var checked = 0
}

enum GradCheck {
    /// Checks the VJPs of `f` w.r.t. each of `inputs` (Variables with requiresGrad) at up to
    /// `samples` elements per input. scale = max(max |analytic grad| of that input, 1e-2).
    static func run(_ name: String, inputs: [Variable], pool: ThreadPool?, h: Float = 1e-2, samples: Int = 24,
                    seed: UInt64 = 7, f: (Tape) throws -> Variable) throws -> GradCheckResult {
        var rng = SeededRNG(seed: seed)
        let tape = Tape(pool: pool)
        let y = try f(tape)
        let r = FloatTensor(shape: y.shape, values: rng.normals(y.count))
        for x in inputs { x.clearGradient() }
        tape.backward(from: y, seed: r)
        func probe() throws -> Double {
            let t = Tape(pool: pool, recording: false)
            let v = try f(t).value
            var s = 0.0
            for i in 0..<v.count { s += Double(v.pointer[i]) * Double(r.pointer[i]) }
            return s
        }
        var result = GradCheckResult()
        for (k, x) in inputs.enumerated() {
            let g = try XCTUnwrap(x.grad, "\(name): input \(k) got no gradient")
            var scale: Double = 1e-2
            for i in 0..<g.count { scale = max(scale, Double(abs(g.pointer[i]))) }
            var idx = Set([0, x.count - 1])
            while idx.count < min(samples, x.count) { idx.insert(Int.random(in: 0..<x.count, using: &rng)) }
            for i in idx.sorted() {
                let old = x.value.pointer[i]
                x.value.pointer[i] = old + h
                let lp = try probe()
                x.value.pointer[i] = old - h
                let lm = try probe()
                x.value.pointer[i] = old
                let fd = (lp - lm) / (2 * Double(h))
                let err = abs(fd - Double(g.pointer[i])) / scale
                result.worst = max(result.worst, err)
                result.checked += 1
            }
        }
        return result
    }
}
