// GGUFWeights.swift: a GGUF file seen as a model's WeightSource and ConfigSource. Matrices are
// views into the memory map (no copy); vectors (norms, biases) are dequantized to f32.
import Formats
import Models
import Tensor

public final class GGUFWeights: WeightSource, ConfigSource {
    public let file: GGUFFile
    public var origin: String { file.path }

    public init(file: GGUFFile) { self.file = file }

    private func info(_ name: String) throws -> GGUFTensorInfo {
        guard let i = file.tensorInfo(name) else { throw ModelError.missingTensor(origin: file.path, name: name) }
        guard i.type.isSupported else {
            throw FormatError.unsupported(path: file.path, message: "tensor '\(name)' has quant type \(i.type.name), which Tailor cannot compute with yet")
        }
        return i
    }

    public func matrix(_ name: String) throws -> WeightMatrix {
        let i = try info(name)
        guard i.dims.count == 2 else {
            throw ModelError.badTensor(origin: file.path, name: name, message: "expected 2 dimensions, found \(i.dims.count)")
        }
        return WeightMatrix(data: file.data(of: i), type: i.type, rows: i.dims[1], cols: i.dims[0], owner: file.mapping)
    }

    public func vector(_ name: String) throws -> [Float] {
        let i = try info(name)
        let m = WeightMatrix(data: file.data(of: i), type: i.type, rows: 1, cols: i.elementCount, owner: file.mapping)
        return m.dequantized()
    }

    public func contains(_ name: String) -> Bool { file.tensorInfo(name) != nil }

    public func int(_ key: String) -> Int? { file.int(key) }
    public func float(_ key: String) -> Float? { file.float(key) }
    public func string(_ key: String) -> String? { file.string(key) }
}
