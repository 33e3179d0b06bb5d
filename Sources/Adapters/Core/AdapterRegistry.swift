// AdapterRegistry.swift: one entry per method (name, one-line summary, attach, load, which
// adapter_config.json it recognizes) and AdapterSet, several adapters on one graph by name,
// enabled, disabled or switched per call. Adding a method = its folder + one line in `methods`.
import Foundation
import Models
import NN
import Training

/// One registered method.
public struct AdapterMethod {
    public let name: String
    public let summary: String
    /// Installs a fresh adapter into the graph (freezing the rest of the graph).
    public let attach: (AdapterOptions, LlamaTrainingGraph, AdapterContext, RandomState?) throws -> any Adapter
    /// Loads a saved folder into the graph.
    public let load: (String, LlamaTrainingGraph, AdapterContext) throws -> any Adapter
    /// Whether a folder's adapter_config.json is this method's.
    public let recognizes: ([String: Any]) -> Bool
}

/// The methods Tailor has.
public enum AdapterRegistry {
    public static let methods: [AdapterMethod] = [LoRAAdapter.entry, DoRAAdapter.entry, IA3Adapter.entry,
                                                  PromptTuningAdapter.entry, PrefixTuningAdapter.entry, BottleneckAdapter.entry]

    public static var names: [String] { methods.map(\.name) }

    /// The entry called `name`.
    public static func method(_ name: String) throws -> AdapterMethod {
        guard let m = methods.first(where: { $0.name == name }) else {
            throw AdapterError("unknown adapter method '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        return m
    }

    /// Attaches a fresh `method` adapter.
    public static func attach(_ method: String, options: AdapterOptions, to graph: LlamaTrainingGraph, context: AdapterContext,
                              random: RandomState?) throws -> any Adapter {
        try self.method(method).attach(options, graph, context, random)
    }

    /// Loads the folder at `directory`, whatever its method.
    public static func load(_ directory: String, into graph: LlamaTrainingGraph, context: AdapterContext) throws -> any Adapter {
        let json = try readConfigJSON(directory)
        guard let m = methods.first(where: { $0.recognizes(json) }) else {
            throw AdapterError("\(directory)/\(PEFTFolder.configFile): peft_type '\(json["peft_type"] ?? "?")' is not a method Tailor has")
        }
        return try m.load(directory, graph, context)
    }
}

/// Several adapters on one graph, by name.
public final class AdapterSet {
    public private(set) var adapters: [(name: String, adapter: any Adapter)] = []
    public init() {}

    /// Adds `adapter` under `name` (replacing nothing: names must be new).
    public func add(_ adapter: any Adapter, name: String) throws {
        guard self[name] == nil else { throw AdapterError("an adapter called '\(name)' is already loaded") }
        adapters.append((name, adapter))
    }

    public subscript(name: String) -> (any Adapter)? { adapters.first { $0.name == name }?.adapter }

    /// Enables exactly the adapters in `names` (an empty list: the base model).
    public func activate(_ names: [String]) throws {
        for n in names where self[n] == nil { throw AdapterError("no adapter called '\(n)' (loaded: \(adapters.map(\.name)))") }
        for (n, a) in adapters { a.isEnabled = names.contains(n) }
    }

    /// Runs `body` with only `names` enabled, then restores the previous switches.
    public func with<T>(_ names: [String], _ body: () throws -> T) throws -> T {
        let saved = adapters.map(\.adapter.isEnabled)
        defer { for (i, a) in adapters.enumerated() { a.adapter.isEnabled = saved[i] } }
        try activate(names)
        return try body()
    }
}
