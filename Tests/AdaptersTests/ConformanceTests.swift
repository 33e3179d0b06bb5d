// ConformanceTests.swift: ONE battery that every registered adapter method runs (LoRA included):
// init equals the base (where defined), disabled equals the base exactly, only adapter
// parameters get gradients and change, save → load gives identical outputs, merge == unmerged
// and unmerge restores the base weights (mergeable methods), the trainable-parameter count
// equals PEFT's for the same config on the same model (Tests/Fixtures/adapters/methods/counts.json,
// scripts/make_peft_methods_fixtures.py; bottleneck adapters: Houlsby's 2·m·d + d + m per adapter),
// and a few AdamW steps lower the loss on a tiny task.
import Foundation
import XCTest
import NN
import Tensor
@testable import Adapters
@testable import Training

struct MethodCase {
    var name: String, method: String
    var options = AdapterOptions()
    var initEqualsBase = true
    /// PEFT's count key in counts.json, or an independent formula's value.
    var peftKey: String?
    var expectedCount: Int?
    var roundTripTolerance: Float = 1e-5
}

final class ConformanceTests: XCTestCase {
    static let all7 = LoRAConfig.defaultTargets

    static var cases: [MethodCase] {
        var lora = AdapterOptions(); lora.lora = LoRAConfig(rank: 4, alpha: 8, targetModules: all7)
        var prompt = AdapterOptions(); prompt.virtualTokens = 5
        var prefix = AdapterOptions(); prefix.virtualTokens = 4
        var prefixMLP = prefix; prefixMLP.prefixHidden = 32
        var houlsby = AdapterOptions(); houlsby.reductionFactor = 16
        var pfeiffer = houlsby; pfeiffer.placement = "pfeiffer"
        let L = 2, D = 64, d = 4, perAdapter = 2 * D * d + d + D
        return [
            MethodCase(name: "lora", method: "lora", options: lora, peftKey: "lora"),
            MethodCase(name: "dora", method: "dora", options: lora, peftKey: "dora"),
            MethodCase(name: "ia3", method: "ia3", peftKey: "ia3"),
            MethodCase(name: "prompt", method: "prompt", options: prompt, initEqualsBase: false, peftKey: "prompt"),
            MethodCase(name: "prefix", method: "prefix", options: prefix, initEqualsBase: false, peftKey: "prefix"),
            MethodCase(name: "prefix_mlp", method: "prefix", options: prefixMLP, initEqualsBase: false, peftKey: "prefix_mlp", roundTripTolerance: 1e-4),
            MethodCase(name: "adapter houlsby", method: "adapter", options: houlsby, expectedCount: L * 2 * perAdapter),
            MethodCase(name: "adapter pfeiffer", method: "adapter", options: pfeiffer, expectedCount: L * perAdapter),
        ]
    }

    func testEveryRegisteredMethodIsCovered() {
        XCTAssertEqual(Set(Self.cases.map(\.method)), Set(AdapterRegistry.names))
    }

    func testBattery() throws {
        let counts = try Fixture.json("methods/counts.json")
        let tokens: [Int32] = [5, 17, 200, 33, 64, 150, 297, 7, 88, 120]
        for c in Self.cases {
            try runBattery(c, counts: counts, tokens: tokens)
        }
    }

    func runBattery(_ c: MethodCase, counts: [String: Any], tokens: [Int32]) throws {
        let (g, cfg, _) = try Fixture.tinyGraph(base: .trainable)
        let ctx = AdapterContext(graphConfig: cfg, ggufOrder: true)
        let base = try Fixture.logits(g, tokens)
        let snapshot = g.namedParameters().map { ($0.name, $0.parameter.value.array) }
        let a = try AdapterRegistry.attach(c.method, options: c.options, to: g, context: ctx, random: RandomState(seed: 3))
        let adapterIDs = Set(a.namedParameters.map { ObjectIdentifier($0.parameter) })

        // Parameter count vs PEFT (or the independent formula); nothing else trains.
        let expected = c.peftKey.map { (counts[$0] as! NSNumber).intValue } ?? c.expectedCount!
        XCTAssertEqual(a.trainableCount, expected, "\(c.name): trainable parameters vs PEFT")
        let otherTrainable = g.namedParameters().filter { !$0.parameter.isFrozen && !adapterIDs.contains(ObjectIdentifier($0.parameter)) }
        XCTAssertTrue(otherTrainable.isEmpty, "\(c.name): base parameters left trainable: \(otherTrainable.map(\.name).prefix(3))")

        if c.initEqualsBase { XCTAssertLessThan(maxAbsDiff(try Fixture.logits(g, tokens), base), 1e-5, "\(c.name): init == base") }
        // Give the adapter a visible effect.
        let rng = RandomState(seed: 9)
        for (_, p) in a.namedParameters { for i in 0..<p.count { p.value.pointer[i] += (rng.uniform() - 0.5) * 0.6 } }
        let adapted = try Fixture.logits(g, tokens)
        XCTAssertGreaterThan(maxAbsDiff(adapted, base), 1e-2, "\(c.name): adapter has an effect")

        a.isEnabled = false
        XCTAssertEqual(maxAbsDiff(try Fixture.logits(g, tokens), base), 0, "\(c.name): disabled == base exactly")
        a.isEnabled = true

        // Save -> load into a fresh graph.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("conf-\(c.method)-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try a.save(to: dir, context: ctx)
        let (g2, _, _) = try Fixture.tinyGraph(base: .trainable)
        let b = try AdapterRegistry.load(dir, into: g2, context: ctx)
        XCTAssertEqual(b.method, c.method)
        XCTAssertLessThan(maxAbsDiff(try Fixture.logits(g2, tokens), adapted), c.roundTripTolerance, "\(c.name): save -> load")

        if let m = a as? MergeableAdapter {
            try m.merge()
            XCTAssertLessThan(maxAbsDiff(try Fixture.logits(g, tokens), adapted), 2e-4, "\(c.name): merged == unmerged")
            try m.unmerge()
            XCTAssertLessThan(maxAbsDiff(try Fixture.logits(g, tokens), adapted), 2e-4, "\(c.name): unmerged again")
            for ((n, v), (_, p)) in zip(snapshot, g.namedParameters().filter { !adapterIDs.contains(ObjectIdentifier($0.parameter)) }) {
                XCTAssertLessThan(maxAbsDiff(p.value.array, v), 1e-5, "\(c.name): unmerge restores \(n)")
            }
        }

        // Gradients reach only the adapter; a few steps lower the loss; the base does not move.
        let before = g.namedParameters().map { ($0.name, $0.parameter.value.array) }
        let seq: [Int32] = (0..<12).map { Int32(($0 * 7) % 23 + 3) }
        let inputs = Array(seq.dropLast()), targets = Array(seq.dropFirst())
        let opt = AdamW(parameters: a.namedParameters.map(\.parameter), learningRate: 3e-2)
        var losses: [Float] = []
        for step in 0..<8 {
            let tape = Tape(pool: nil)
            let loss = try g.loss(tokens: inputs, targets: targets, batch: 1, tape: tape)
            tape.backward(from: loss)
            losses.append(loss.value.pointer[0])
            if step == 0 {
                for (n, p) in g.namedParameters() where !adapterIDs.contains(ObjectIdentifier(p)) {
                    XCTAssertTrue(p.grad.map { $0.array.allSatisfy { $0 == 0 } } ?? true, "\(c.name): base \(n) got a gradient")
                }
                for (n, p) in a.namedParameters {
                    XCTAssertTrue(p.grad?.array.contains { $0 != 0 } ?? false, "\(c.name): \(n) got no gradient")
                }
            }
            opt.step()
            for (_, p) in a.namedParameters { p.zeroGradient() }
        }
        XCTAssertLessThan(losses.last!, losses.first! - 0.05, "\(c.name): training lowers the loss \(losses)")
        for ((n, v), (_, p)) in zip(before, g.namedParameters()) where !adapterIDs.contains(ObjectIdentifier(p)) {
            XCTAssertEqual(maxAbsDiff(p.value.array, v), 0, "\(c.name): base \(n) changed")
        }
        print(String(format: "conformance %@: %d trainable (PEFT/formula %d), loss %.3f -> %.3f", c.name, a.trainableCount, expected,
                     losses.first!, losses.last!))
    }
}
