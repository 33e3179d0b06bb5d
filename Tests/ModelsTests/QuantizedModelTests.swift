// QuantizedModelTests.swift: the tiny mixed-type model requantized by ModelQuantizer to f16,
// q8_0, q5_1 and q4_1 keeps its logits close to the float64 reference of the original, with the
// error growing as bits shrink.
import Foundation
import XCTest
@testable import Loading
import Models
import Tensor
import TestSupport

final class QuantizedModelTests: XCTestCase {
    struct Ref: Decodable { struct M: Decodable { let logits: [[Double]] }; let prompt_ids: [Int32]; let models: [String: M] }

    func testRequantizedLogitsTrackReference() throws {
        let dir = TestAssets.fixtures.appendingPathComponent("models")
        let ref = try JSONDecoder().decode(Ref.self, from: Data(contentsOf: dir.appendingPathComponent("tiny-models-f64.json")))
        let want = ref.models["tiny-llama"]!.logits
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-q-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        var errors: [(GGMLType, Double)] = []
        for type in [GGMLType.f16, .q8_0, .q5_1, .q4_1] {
            let out = tmp.appendingPathComponent("\(type.name).gguf").path
            let s = try ModelQuantizer.quantize(input: dir.appendingPathComponent("tiny-llama.gguf").path, output: out, type: type)
            XCTAssertGreaterThan(s.converted, 10)
            let loaded = try ModelLoader.load(out, threads: 1)
            XCTAssertTrue(loaded.file.tensors.filter { $0.dims.count == 2 }.allSatisfy { $0.type == type })
            loaded.model.activations = .f32
            let V = loaded.model.vocabularySize
            let got = try loaded.model.forward(ref.prompt_ids, cache: loaded.model.makeCache(capacity: 16, precision: .f32), allLogits: true)
            var worst = 0.0
            for (t, row) in want.enumerated() { for (i, w) in row.enumerated() { worst = max(worst, abs(Double(got[t * V + i]) - w)) } }
            errors.append((type, worst))
        }
        // the source mixes F32/F16/Q8_0/Q4_0/Q4_1 (and K-quant ffn_down): f16 and q8_0 add little
        XCTAssertLessThan(errors[0].1, 0.02, "f16")
        XCTAssertLessThan(errors[1].1, 0.05, "q8_0")
        XCTAssertLessThan(errors[3].1, 1.0, "q4_1")
        XCTAssertLessThanOrEqual(errors[0].1, errors[3].1, "more bits, less error: \(errors)")
        print("requantized tiny-llama max logit error vs float64: \(errors.map { "\($0.0.name) \($0.1)" })")
    }
}
