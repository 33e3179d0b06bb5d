// AtomicFile.swift: writes that never leave a half-written output. Each file is written to a
// hidden temporary file in the destination's directory, flushed, then renamed over the
// destination (rename(2) is atomic within one file system). A group of files is all written to
// temporaries and checked before the first rename, so a failure leaves every destination as it was.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A write failure naming the file.
public struct AtomicWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Atomic file writes (temporary file + rename).
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try writeAll([(url, data)])
    }

    /// Writes every file or none: all temporaries are written first; any failure before the
    /// renames removes them and leaves the destinations untouched.
    public static func writeAll(_ files: [(URL, Data)]) throws {
        var temps: [(tmp: URL, dest: URL)] = []
        func cleanUp() { for t in temps { unlink(t.tmp.path) } }
        do {
            for (dest, data) in files {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: dest.path, isDirectory: &isDir), isDir.boolValue {
                    throw AtomicWriteError(path: dest.path, message: "is a directory")
                }
                let dir = dest.deletingLastPathComponent()
                let tmp = dir.appendingPathComponent(".\(dest.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
                try writeFlushed(data, to: tmp, reportingAs: dest.path)
                temps.append((tmp, dest))
            }
        } catch {
            cleanUp()
            throw error
        }
        for (i, t) in temps.enumerated() where rename(t.tmp.path, t.dest.path) != 0 {
            let msg = String(cString: strerror(errno))
            for later in temps[i...] { unlink(later.tmp.path) }
            throw AtomicWriteError(path: t.dest.path, message: "cannot replace file: \(msg)")
        }
    }

    private static func writeFlushed(_ data: Data, to tmp: URL, reportingAs path: String) throws {
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw AtomicWriteError(path: path, message: "cannot create file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        let ok: Bool = data.withUnsafeBytes { buf in
            while offset < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return fsync(fd) == 0
        }
        if !ok {
            let msg = String(cString: strerror(errno))
            unlink(tmp.path)
            throw AtomicWriteError(path: path, message: "write failed: \(msg)")
        }
    }
}
