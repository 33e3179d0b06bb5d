// Checkpoint.swift: what `--resume` needs to continue a run bit for bit: every trainable
// parameter and its AdamW moments as exact f32 (params.safetensors), plus the optimizer step,
// the data position, the random stream state and the early-stopping bookkeeping (state.json).
// Written to CHECKPOINT.tmp and renamed over the previous checkpoint, so a crash mid-write
// leaves the last good one.
import Foundation
import Formats
import NN
import Tensor

/// The scalar state of a run.
public struct TrainingState: Codable, Equatable, Sendable {
    public var step = 0
    public var position = DataPosition()
    public var randomState: UInt64 = 0
    public var bestValidationLoss: Double?
    public var bestStep: Int?
    public var evaluationsWithoutImprovement = 0
    public var stoppedEarly = false
    public init() {}
}

/// Saving and restoring checkpoints.
public enum Checkpoint {
    /// Writes parameters, optimizer moments and state into `directory` atomically.
    public static func save(_ params: [(name: String, parameter: Parameter)], optimizer: AdamW, state: TrainingState,
                            to directory: String, extra: ((String) throws -> Void)? = nil) throws {
        let fm = FileManager.default
        let tmp = directory + ".tmp"
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        var w = SafetensorsWriter(metadata: ["adam_step": String(optimizer.stepCount)])
        for (n, p) in params {
            w.add(n, floats: p.value.array, shape: p.shape)
            if let s = optimizer.moments(of: p) {
                w.add("adam.m." + n, floats: s.m.array, shape: p.shape)
                w.add("adam.v." + n, floats: s.v.array, shape: p.shape)
            }
        }
        try w.write(to: tmp + "/params.safetensors")
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(state).write(to: URL(fileURLWithPath: tmp + "/state.json"))
        try extra?(tmp)
        try? fm.removeItem(atPath: directory)
        try fm.moveItem(atPath: tmp, toPath: directory)
    }

    /// Restores parameters (by name) and optimizer moments; returns the state.
    public static func load(_ params: [(name: String, parameter: Parameter)], optimizer: AdamW, from directory: String) throws -> TrainingState {
        let f = try SafetensorsFile(path: directory + "/params.safetensors")
        var moments: [(Parameter, FloatTensor, FloatTensor)] = []
        for (n, p) in params {
            guard let info = f.tensorInfo(n), info.elementCount == p.count else {
                throw DataError("\(directory): checkpoint has no parameter '\(n)' of \(p.shape) (was it made with other options?)")
            }
            p.value.assign(FloatTensor(shape: p.shape, values: try f.floats(n)))
            if f.tensorInfo("adam.m." + n) != nil {
                moments.append((p, FloatTensor(shape: p.shape, values: try f.floats("adam.m." + n)),
                                FloatTensor(shape: p.shape, values: try f.floats("adam.v." + n))))
            }
        }
        optimizer.restore(stepCount: Int(f.metadata["adam_step"] ?? "0") ?? 0, moments: moments)
        guard let data = FileManager.default.contents(atPath: directory + "/state.json") else { throw DataError("\(directory)/state.json: no such file") }
        return try JSONDecoder().decode(TrainingState.self, from: data)
    }
}
