// RandomState.swift: a shared, checkpointable random stream (SplitMix64) for everything random
// during training (dropout masks, adapter initialization), so a run is reproducible under a seed
// and `--resume` restores the exact stream position.
import Generation
import Evaluation

/// A SplitMix64 stream shared by reference.
public final class RandomState: @unchecked Sendable {
    public private(set) var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// The raw state, for checkpoints.
    public var state: UInt64 {
        get { generator.state }
        set { generator = SplitMix64(seed: newValue) }
    }

    public func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1) with 24 random bits.
    public func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }
}
