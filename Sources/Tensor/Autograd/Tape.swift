// Tape.swift: reverse-mode automatic differentiation over a Wengert list. Each op (see Ops*.swift)
// computes its forward value eagerly and records, right beside it, a closure that pulls the
// output's gradient back into its inputs' gradients (its VJP). `backward` seeds the output and
// runs the closures in reverse order, which is a valid topological order since ops are recorded
// as they run. A tape is used for one forward/backward pass and then dropped (it holds the
// activations alive). `backward` runs once: it drops each step, and the gradient of each op
// output, as soon as they are used (leaf gradients stay). Limits: single-threaded orchestration
// (kernels use the pool); no higher-order gradients.

/// A recording of one forward pass, able to run its backward pass.
public final class Tape {
    /// Worker pool the kernels run on (nil: run inline).
    public let pool: ThreadPool?
    /// When false, ops compute values only (evaluation, no memory kept for backward).
    public var isRecording: Bool
    private var entries: [() -> Void] = []

    public init(pool: ThreadPool?, recording: Bool = true) {
        self.pool = pool
        isRecording = recording
    }

    /// Recorded backward steps.
    public var count: Int { entries.count }

    /// Makes the output variable of an op over `inputs`, recording `vjp` when any input needs a
    /// gradient. `vjp` receives dL/doutput and must add into the inputs' gradient buffers.
    public func record(_ value: FloatTensor, inputs: [Variable], vjp: @escaping (FloatTensor) -> Void) -> Variable {
        let needs = isRecording && inputs.contains { $0.requiresGrad }
        let out = Variable(value, requiresGrad: needs)
        if needs {
            entries.append {
                guard let g = out.grad else { return }
                vjp(g)
                out.clearGradient()  // every consumer of `out` ran before: its gradient is done
            }
        }
        return out
    }

    /// Runs the backward pass from `output`, seeded with `seed` (default: ones, i.e. d output /
    /// d output = 1 for a scalar loss). Gradients accumulate into every variable that requires one.
    public func backward(from output: Variable, seed: FloatTensor? = nil) {
        guard output.requiresGrad else { return }
        let g = output.gradientBuffer()
        if let seed {
            precondition(seed.count == output.count, "seed \(seed.shape) for output \(output.shape)")
            g.add(seed)
        } else {
            let ones = FloatTensor(shape: output.shape, repeating: 1)
            g.add(ones)
        }
        // Each step is dropped once it ran, releasing the activations it held.
        while let e = entries.popLast() { e() }
    }

    /// Forgets the recorded steps and the activations they hold.
    public func reset() {
        entries.removeAll()
    }
}
