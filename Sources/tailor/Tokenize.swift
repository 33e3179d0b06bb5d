// Tokenize.swift: `tailor tokenize`: print a text's token ids, space-separated (or JSON).
import ArgumentParser
import Foundation
import Loading

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the token ids of a text.")

    @Option(name: [.customShort("m"), .long], help: "A catalog name or a path to a .gguf file (a vocab-only GGUF works).")
    var model: String = defaultModelName
    @Flag(help: "Add no BOS/EOS even where the model's metadata asks for them.") var noBos = false
    @Flag(help: "Treat special-token text such as <|im_start|> as plain text.") var noParseSpecial = false
    @Flag(help: "Print JSON: ids and pieces.") var json = false
    @Argument(help: "The text.") var text: String

    func run() throws {
        try reportingErrors {
            let tok = try ModelLoader.loadTokenizer(model)
            let ids = tok.encode(text, addSpecial: !noBos, parseSpecial: !noParseSpecial)
            if json {
                let pieces = ids.map { String(decoding: tok.tokenPiece($0), as: UTF8.self) }
                let enc = JSONEncoder()
                enc.outputFormatting = [.withoutEscapingSlashes]
                print(String(decoding: try enc.encode(TokenizeJSON(ids: ids, pieces: pieces)), as: UTF8.self))
            } else {
                print(ids.map(String.init).joined(separator: " "))
            }
        }
    }
}

struct TokenizeJSON: Encodable {
    var ids: [Int32]
    var pieces: [String]
}
