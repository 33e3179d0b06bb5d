// ModelLoader.swift: a model argument (catalog name or .gguf path) -> file -> model + tokenizer.
import Foundation
import Formats
import Models
import Tensor
import Tokenizers

/// A model ready to run: the mapped file, the network and its tokenizer.
public final class LoadedModel {
    public let name: String
    public let file: GGUFFile
    public let model: LanguageModel
    public let tokenizer: Tokenizer
    public let pool: ThreadPool

    init(name: String, file: GGUFFile, model: LanguageModel, tokenizer: Tokenizer, pool: ThreadPool) {
        self.name = name
        self.file = file
        self.model = model
        self.tokenizer = tokenizer
        self.pool = pool
    }

    /// The same file, tokenizer and pool with another model (an adapter attached at run time).
    public func replacingModel(_ model: LanguageModel) -> LoadedModel {
        LoadedModel(name: name, file: file, model: model, tokenizer: tokenizer, pool: pool)
    }

    /// The chat template stored in the file, if any.
    public var chatTemplate: String? { file.string("tokenizer.chat_template") }
}

public enum ModelLoader {
    /// Resolves `spec`: an existing file path, or a catalog name that has been pulled.
    public static func resolve(_ spec: String, home: TailorHome = .current) throws -> URL {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: spec, isDirectory: &isDir), !isDir.boolValue {
            return URL(fileURLWithPath: spec)
        }
        let catalog = try Catalog.load(home: home)
        if let e = catalog.entry(named: spec) {
            let p = home.path(for: e)
            guard fm.fileExists(atPath: p.path) else { throw LoadError.notPulled(name: e.name, path: p.path) }
            return p
        }
        if spec.hasSuffix(".gguf") || spec.contains("/") {
            throw FormatError.io(path: spec, message: "no such file")
        }
        throw LoadError.notFound(spec, known: catalog.entries.map(\.name))
    }

    /// Opens and builds the model named or located by `spec`. `weights` may wrap the file's
    /// weights (e.g. to merge an adapter) before the model is built.
    public static func load(_ spec: String, threads: Int? = nil, home: TailorHome = .current,
                            weights wrap: ((GGUFWeights) throws -> WeightSource)? = nil) throws -> LoadedModel {
        let url = try resolve(spec, home: home)
        let file = try GGUFFile(path: url.path)
        guard let arch = file.string("general.architecture") else {
            throw FormatError.missing(path: file.path, key: "general.architecture")
        }
        guard ModelRegistry.architectures.contains(arch) else {
            throw ModelError.unsupportedArchitecture(origin: file.path, name: arch, known: ModelRegistry.architectures)
        }
        if let bad = file.tensors.first(where: { !$0.type.isSupported }) {
            throw FormatError.unsupported(path: file.path, message: "tensor '\(bad.name)' has quant type \(bad.type.name), which Tailor cannot compute with yet")
        }
        let tokenizer = try file.makeTokenizer()
        let pool = ThreadPool(threads: threads ?? ThreadPool.defaultThreadCount)
        let weights = GGUFWeights(file: file)
        let model = try ModelRegistry.makeModel(architecture: arch, config: weights, weights: try wrap?(weights) ?? weights, pool: pool)
        guard tokenizer.vocabularySize <= model.vocabularySize else {
            throw FormatError.corrupt(path: file.path, message: "tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(model.vocabularySize)")
        }
        return LoadedModel(name: url.deletingPathExtension().lastPathComponent, file: file, model: model,
                           tokenizer: tokenizer, pool: pool)
    }

    /// Only the tokenizer of `spec` (works on vocab-only GGUF files).
    public static func loadTokenizer(_ spec: String, home: TailorHome = .current) throws -> Tokenizer {
        try GGUFFile(path: try resolve(spec, home: home).path).makeTokenizer()
    }
}
