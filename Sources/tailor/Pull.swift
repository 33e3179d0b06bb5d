// Pull.swift: `tailor pull NAME`: fetch a catalog model into $TAILOR_HOME.
import ArgumentParser
import Loading

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Download a catalog model into $TAILOR_HOME (default ~/.cache/tailor).")

    @Argument(help: "Catalog name.")
    var name: String = defaultModelName

    @Flag(help: "Download again even if a valid copy is present.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            let q = quiet
            let puller = ModelPuller(catalog: try Catalog.load(), log: { if !q { printError($0) } })
            let url = try puller.pull(name, force: force)
            print(url.path)
        }
    }
}
