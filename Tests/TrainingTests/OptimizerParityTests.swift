// OptimizerParityTests.swift: AdamW, SGD (momentum, Nesterov, dampening, weight decay), the warmup
// schedules and global-norm clipping against torch.optim / transformers over several steps
// (Tests/Fixtures/training/optim.safetensors, made by scripts/make_optim_fixture.py), plus
// gradient accumulation and frozen-parameter handling. Tolerance: parameters within 2e-6 of
// PyTorch's (values O(1); both sides f32, differing only in rounding order).
import Foundation
import XCTest
import Formats
import NN
import Tensor
import TestSupport

final class OptimizerParityTests: XCTestCase {
    static let path = TestAssets.fixtures.appendingPathComponent("training/optim.safetensors").path

    struct Scenario: Decodable {
        let opt: String, lr: Float, schedule: String, warmup: Int, total: Int, clip: Float?
        let betas: [Float]?, eps: Float?, weight_decay: Float
        let momentum: Float?, dampening: Float?, nesterov: Bool?
    }

    func testOptimizersMatchTorch() throws {
        let f = try SafetensorsFile(path: Self.path)
        let scenarios = try JSONDecoder().decode([String: Scenario].self, from: Data(f.metadata["scenarios"]!.utf8))
        let steps = Int(f.metadata["steps"]!)!
        XCTAssertEqual(scenarios.count, 5)
        var worst: Float = 0
        for (name, s) in scenarios.sorted(by: { $0.key < $1.key }) {
            let params = try (0..<2).map { i -> Parameter in
                let info = try XCTUnwrap(f.tensorInfo("\(name).init.p\(i)"))
                return Parameter(shape: info.shape, values: try f.floats(info.name))
            }
            let opt: Optimizer = s.opt == "adamw"
                ? AdamW(parameters: params, learningRate: s.lr, beta1: s.betas![0], beta2: s.betas![1], eps: s.eps!,
                        weightDecay: s.weight_decay)
                : SGD(parameters: params, learningRate: s.lr, momentum: s.momentum!, dampening: s.dampening!,
                      weightDecay: s.weight_decay, nesterov: s.nesterov!)
            let schedule: LearningRateSchedule = switch s.schedule {
            case "linear": .linear(warmup: s.warmup, total: s.total)
            case "cosine": .cosine(warmup: s.warmup, total: s.total)
            default: .constant(warmup: s.warmup)
            }
            let lrs = try f.floats("\(name).lr"), norms = s.clip != nil ? try f.floats("\(name).norm") : []
            for step in 0..<steps {
                for (i, p) in params.enumerated() {
                    p.gradientBuffer().assign(FloatTensor(shape: p.shape, values: try f.floats("\(name).grad.\(step).p\(i)")))
                }
                if let clip = s.clip {
                    let n = clipGradientNorm(params, maxNorm: clip)
                    XCTAssertEqual(n, norms[step], accuracy: 1e-5 * norms[step], "\(name) step \(step): norm")
                }
                opt.learningRate = schedule.learningRate(base: s.lr, step: step)
                XCTAssertEqual(opt.learningRate, lrs[step], accuracy: 3e-7 * max(lrs[step], 1e-3), "\(name) step \(step): lr")
                opt.step()
                for (i, p) in params.enumerated() {
                    let ref = try f.floats("\(name).after.\(step).p\(i)")
                    let err = zip(p.value.array, ref).map { abs($0 - $1) }.max()!
                    worst = max(worst, err)
                    XCTAssertLessThan(err, 2e-6, "\(name) step \(step) p\(i)")
                }
            }
            XCTAssertEqual(opt.stepCount, steps)
        }
        print(String(format: "optimizer parity: worst parameter difference %.2e over %d steps", worst, steps))
    }

    func testSchedulesMatchTransformers() throws {
        let f = try SafetensorsFile(path: Self.path)
        let cases: [(String, LearningRateSchedule)] = [
            ("linear_w3_t20", .linear(warmup: 3, total: 20)), ("cosine_w5_t30", .cosine(warmup: 5, total: 30)),
            ("cosine_w0_t12_c1.5", .cosine(warmup: 0, total: 12, cycles: 1.5)), ("constant_w4", .constant(warmup: 4)),
        ]
        for (key, schedule) in cases {
            let ref = try f.floats("schedule.\(key)")
            for (step, m) in ref.enumerated() {
                XCTAssertEqual(schedule.multiplier(step: step), Double(m), accuracy: 1e-7, "\(key) step \(step)")
            }
        }
    }

    func testClipLeavesSmallGradientsAndFrozenAlone() {
        let a = Parameter(shape: [2], values: [0, 0]), b = Parameter(shape: [1], values: [0], frozen: true)
        a.gradientBuffer().assign(FloatTensor(shape: [2], values: [0.3, 0.4]))
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 0.5, accuracy: 1e-7)
        XCTAssertEqual(a.grad!.array, [0.3, 0.4])
        XCTAssertEqual(clipGradientNorm([a], maxNorm: 0.25), 0.5, accuracy: 1e-7)
        XCTAssertEqual(a.grad!.array[0], 0.15, accuracy: 1e-6)
        XCTAssertNil(b.grad)
    }

    func testFrozenAndGradlessParametersAreSkipped() {
        let a = Parameter(shape: [2], values: [1, 2]), frozen = Parameter(shape: [2], values: [3, 4], frozen: true)
        let noGrad = Parameter(shape: [1], values: [5])
        a.gradientBuffer().assign(FloatTensor(shape: [2], values: [1, 1]))
        let opt = AdamW(parameters: [a, frozen, noGrad], learningRate: 0.1, weightDecay: 0.5)
        opt.step()
        XCTAssertEqual(frozen.value.array, [3, 4])
        XCTAssertEqual(noGrad.value.array, [5])
        XCTAssertNotEqual(a.value.array, [1, 2])
    }

    /// Two half-batches with loss scaled by 1/2 give the gradient of the mean of their losses.
    func testGradientAccumulation() throws {
        var acc = GradientAccumulation(steps: 2)
        let w = Parameter(shape: [3, 4], values: (0..<12).map { Float($0) * 0.1 - 0.5 })
        let xs: [[Float]] = [(0..<8).map { Float($0) * 0.3 }, (0..<8).map { 1 - Float($0) * 0.2 }]
        let targets: [[Int32]] = [[2, 0], [1, -100]]
        var stepped: [Bool] = []
        for k in 0..<2 {
            let t = Tape(pool: nil)
            let loss = try t.crossEntropy(t.linear(Variable(shape: [2, 4], values: xs[k]), w), targets: targets[k])
            t.backward(from: t.scale(loss, by: acc.lossScale))
            stepped.append(acc.advance())
        }
        XCTAssertEqual(stepped, [false, true])
        XCTAssertEqual(acc.pending, 0)
        let accumulated = w.grad!.array
        w.zeroGradient()
        let t = Tape(pool: nil)
        let l0 = try t.crossEntropy(t.linear(Variable(shape: [2, 4], values: xs[0]), w), targets: targets[0])
        let l1 = try t.crossEntropy(t.linear(Variable(shape: [2, 4], values: xs[1]), w), targets: targets[1])
        t.backward(from: t.scale(t.add(l0, l1), by: 0.5))
        for (a, b) in zip(accumulated, w.grad!.array) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
}
