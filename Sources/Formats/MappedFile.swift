// MappedFile.swift: a read-only memory map of a whole file. Pages are loaded on demand, so a
// model's quantized weights are used in place and count toward RSS only as they are touched.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Tensor

/// A file mapped read-only into memory for the lifetime of the object.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let size: Int

    /// Maps `path`. Throws `FormatError.io` naming the file if it cannot be opened or mapped.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw FormatError.io(path: path, message: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw FormatError.io(path: path, message: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw FormatError.io(path: path, message: "not a regular file")
        }
        size = Int(st.st_size)
        guard size > 0 else { throw FormatError.io(path: path, message: "file is empty") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FormatError.io(path: path, message: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }
}

/// Errors from reading or writing model and data files. Each prints as one line naming the file.
public enum FormatError: Error, CustomStringConvertible, Equatable {
    case io(path: String, message: String)
    case corrupt(path: String, message: String)
    case unsupported(path: String, message: String)
    case missing(path: String, key: String)
    /// A file of another format than GGUF (e.g. "safetensors") that is malformed.
    case malformed(path: String, format: String, message: String)

    public var description: String {
        switch self {
        case let .io(p, m): "\(p): \(m)"
        case let .corrupt(p, m): "\(p): corrupt GGUF: \(m)"
        case let .unsupported(p, m): "\(p): unsupported: \(m)"
        case let .missing(p, k): "\(p): missing metadata key '\(k)'"
        case let .malformed(p, f, m): "\(p): corrupt \(f): \(m)"
        }
    }
}

extension FormatError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Pages of this private read-only mapping can be dropped and faulted back in from the file.
extension MappedFile: ReadOnlyFileMapping {}
