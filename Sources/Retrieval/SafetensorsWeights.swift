// SafetensorsWeights.swift: a safetensors file seen as a Models.WeightSource (tensors by
// checkpoint name; F32/F16/BF16 matrices stay in the mapping, 1-D tensors come as f32).
import Formats
import Models
import Tensor

/// Adapts a `SafetensorsFile` to `WeightSource`.
public final class SafetensorsWeights: WeightSource {
    public let file: SafetensorsFile

    public init(file: SafetensorsFile) { self.file = file }

    public func contains(_ name: String) -> Bool { file.contains(name) }

    public func matrix(_ name: String) throws -> WeightMatrix {
        guard let i = file.tensorInfo(name) else { throw ModelError.missingTensor(origin: file.path, name: name) }
        guard i.shape.count == 2 else {
            throw ModelError.badTensor(origin: file.path, name: name, message: "has shape \(i.shape), expected 2-D")
        }
        let type: GGMLType
        switch i.dtype {
        case .f32: type = .f32
        case .f16: type = .f16
        case .bf16: type = .bf16
        default: throw ModelError.badTensor(origin: file.path, name: name, message: "dtype \(i.dtype.rawValue) is not F32, F16 or BF16")
        }
        return WeightMatrix(data: file.data(of: i), type: type, rows: i.shape[0], cols: i.shape[1], owner: file)
    }

    public func vector(_ name: String) throws -> [Float] {
        guard file.contains(name) else { throw ModelError.missingTensor(origin: file.path, name: name) }
        return try file.floats(name)
    }
}
