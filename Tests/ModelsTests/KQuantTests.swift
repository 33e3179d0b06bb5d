// KQuantTests.swift: `tailor quantize` to the K-quants against llama.cpp's llama_model_quantize
// (Tests/Fixtures/kquants, made by scripts/make_kquant_fixtures.py): for every recipe the same
// type per tensor and the same bytes; the error vs the f16 source no worse than llama.cpp's; and
// the types llama.cpp picks for the 272 tensors of SmolLM2-135M (30 layers, rows of 576).
import CKernels
import Foundation
import Formats
import Loading
import Tensor
import XCTest
import TestSupport

final class KQuantTests: XCTestCase {
    static let dir = TestAssets.fixtures.appendingPathComponent("kquants")

    struct Manifest: Decodable {
        struct Smol: Decodable {
            struct Model: Decodable { let arch: String; let layers: Int; let heads: Int; let kv_heads: Int }
            let tensors: [[Field]]
            let types: [String: [String]]
            let model: Model
        }
        enum Field: Decodable {
            case s(String), dims([Int])
            init(from d: Decoder) throws {
                let c = try d.singleValueContainer()
                if let s = try? c.decode(String.self) { self = .s(s) } else { self = .dims(try c.decode([Int].self)) }
            }
        }
        let recipes: [String: [String: AnyDecodable]]
        let smollm2: Smol?
        struct AnyDecodable: Decodable { init(from d: Decoder) throws {} }
    }

    func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: Self.dir.appendingPathComponent("manifest.json")))
    }

    func floats(_ f: GGUFFile, _ t: GGUFTensorInfo) -> [Float] {
        var out = [Float](repeating: 0, count: t.elementCount)
        XCTAssertEqual(tk_dequantize_row(t.type.rawValue, f.data(of: t), &out, Int64(t.elementCount)), 0, t.name)
        return out
    }

    func testBlocksAndTypesMatchLlamaQuantize() throws {
        let recipes = try manifest().recipes.keys.sorted()
        XCTAssertEqual(recipes.count, 12)
        let srcPath = Self.dir.appendingPathComponent("src.gguf").path
        let src = try GGUFFile(path: srcPath)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-kq-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        var kTensors = Set<String>()
        for name in recipes {
            let recipe = try XCTUnwrap(QuantizationRecipe(name: name), name)
            let out = tmp.appendingPathComponent("\(name).gguf").path
            try ModelQuantizer.quantize(input: srcPath, output: out, recipe: recipe)
            let ours = try GGUFFile(path: out)
            let ref = try GGUFFile(path: Self.dir.appendingPathComponent("\(name).gguf").path)
            XCTAssertEqual(ours.metadata["general.file_type"]?.int, ref.metadata["general.file_type"]?.int, name)
            XCTAssertEqual(Set(ours.tensors.map(\.name)), Set(ref.tensors.map(\.name)))
            for r in ref.tensors {
                guard let o = ours.tensors.first(where: { $0.name == r.name }) else { continue }
                XCTAssertEqual(o.type, r.type, "\(name) \(r.name)")
                guard o.type == r.type, o.byteCount == r.byteCount else { continue }
                let same = memcmp(ours.data(of: o), ref.data(of: r), r.byteCount) == 0
                XCTAssertTrue(same, "\(name) \(r.name) (\(r.type.name)): bytes differ from llama.cpp's")
                if [.q2_K, .q3_K, .q4_K, .q5_K, .q6_K].contains(r.type) { kTensors.insert("\(r.type.name)") }
                // error vs the f16 source: ours no worse than llama.cpp's
                if r.type.isQuantized, let s = src.tensors.first(where: { $0.name == r.name }) {
                    let x = floats(src, s), a = floats(ours, o), b = floats(ref, r)
                    func rmse(_ y: [Float]) -> Double {
                        sqrt(zip(x, y).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(x.count))
                    }
                    XCTAssertLessThanOrEqual(rmse(a), rmse(b) * (1 + 1e-9), "\(name) \(r.name)")
                }
            }
        }
        XCTAssertEqual(kTensors, ["Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"], "every K type was compared")
    }

    func testPlanMatchesLlamaQuantizeOnSmolLM2() throws {
        let smol = try XCTUnwrap(try manifest().smollm2)
        let tensors: [(name: String, dims: [Int], type: GGMLType)] = smol.tensors.map { f in
            guard case let .s(n) = f[0], case let .dims(d) = f[1], case let .s(t) = f[2] else { fatalError("manifest") }
            return (n, d, GGMLType(name: t)!)
        }
        XCTAssertEqual(tensors.count, 272)
        let model = QuantizationPlan.ModelInfo(arch: smol.model.arch, layers: smol.model.layers,
                                               heads: smol.model.heads, kvHeads: smol.model.kv_heads)
        for (name, want) in smol.types.sorted(by: { $0.key < $1.key }) {
            let got = QuantizationPlan.types(for: tensors, model: model, recipe: QuantizationRecipe(name: name)!)
            for (i, t) in tensors.enumerated() where got[i].name != want[i] {
                XCTFail("\(name) \(t.name): ours \(got[i].name), llama.cpp \(want[i])")
            }
        }
    }
}
