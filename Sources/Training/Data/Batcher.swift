// Batcher.swift: seeded shuffling and collation. Epoch e visits the examples in a Fisher-Yates
// permutation drawn from SplitMix64(seed ^ (e+1)·golden), so any position (epoch, batch) can be
// rebuilt without replaying earlier batches: that is what a checkpoint stores as the data
// position. A batch pads its sequences to the longest with the pad token and label -100; labels
// are shifted (row t predicts token t+1) and -100 where the next token is outside the loss.
import Generation
import Evaluation

/// One micro-batch, ready for LlamaTrainingGraph.loss.
public struct Batch: Sendable {
    /// (B·T) token ids, B sequences of T.
    public var tokens: [Int32]
    /// (B·T) next-token labels or -100.
    public var targets: [Int32]
    public var batchSize: Int
    /// Tokens in the loss.
    public var lossTokens: Int
    /// Real (non-padding) tokens.
    public var realTokens: Int
}

/// Where the data stream is: epoch and batch index in it.
public struct DataPosition: Codable, Equatable, Sendable {
    public var epoch = 0
    public var batch = 0
    public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
}

/// Seeded batches over a dataset.
public struct Batcher: Sendable {
    public let examples: [TokenizedExample]
    public let batchSize: Int
    public let seed: UInt64
    public let shuffle: Bool
    public let padID: Int32

    public init(examples: [TokenizedExample], batchSize: Int, seed: UInt64, shuffle: Bool = true, padID: Int32) {
        precondition(batchSize >= 1 && !examples.isEmpty, "a batcher needs examples and a batch size >= 1")
        self.examples = examples; self.batchSize = batchSize; self.seed = seed; self.shuffle = shuffle; self.padID = padID
    }

    /// Micro-batches per epoch (the last may be smaller).
    public var batchesPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }

    /// The visiting order of `epoch`.
    public func order(epoch: Int) -> [Int] {
        var perm = Array(0..<examples.count)
        guard shuffle, perm.count > 1 else { return perm }
        var rng = SplitMix64(seed: seed ^ (UInt64(epoch + 1) &* 0x9E37_79B9_7F4A_7C15))
        for i in stride(from: perm.count - 1, through: 1, by: -1) { perm.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return perm
    }

    /// The batch at `position`.
    public func batch(at position: DataPosition) -> Batch {
        let o = order(epoch: position.epoch)
        let lo = position.batch * batchSize, hi = min(lo + batchSize, o.count)
        return Batcher.collate(o[lo..<hi].map { examples[$0] }, padID: padID)
    }

    /// Every batch of `examples` in file order (validation).
    public static func sequential(_ examples: [TokenizedExample], batchSize: Int, padID: Int32) -> [Batch] {
        stride(from: 0, to: examples.count, by: batchSize).map {
            collate(Array(examples[$0..<min($0 + batchSize, examples.count)]), padID: padID)
        }
    }

    /// Pads to the longest sequence and shifts labels.
    public static func collate(_ items: [TokenizedExample], padID: Int32) -> Batch {
        let T = items.map(\.tokens.count).max() ?? 1
        var tokens = [Int32](repeating: padID, count: items.count * T), targets = [Int32](repeating: -100, count: items.count * T)
        var loss = 0, real = 0
        for (b, e) in items.enumerated() {
            real += e.tokens.count
            for t in 0..<e.tokens.count {
                tokens[b * T + t] = e.tokens[t]
                if t + 1 < e.tokens.count, e.inLoss[t + 1] { targets[b * T + t] = e.tokens[t + 1]; loss += 1 }
            }
        }
        return Batch(tokens: tokens, targets: targets, batchSize: items.count, lossTokens: loss, realTokens: real)
    }
}
