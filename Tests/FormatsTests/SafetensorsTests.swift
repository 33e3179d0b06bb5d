// SafetensorsTests.swift: the reader against a file written by Python's `safetensors` (see
// scripts/make_safetensors_fixture.py), writer round trips, and one-line errors on bad files.
import Foundation
import XCTest
@testable import Formats
import TestSupport

final class SafetensorsTests: XCTestCase {
    static let fixture = TestAssets.fixtures.appendingPathComponent("safetensors/python.safetensors").path

    func tmpPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-st-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    func testReadsPythonFile() throws {
        let f = try SafetensorsFile(path: Self.fixture)
        XCTAssertEqual(f.metadata, ["format": "pt", "note": "tailor fixture"])
        XCTAssertEqual(f.tensors.count, 10)
        let expected = (0..<12).map { Float($0 - 5) * 0.25 }
        for (name, shape, dtype) in [("model.f32", [3, 4], SafetensorsDType.f32), ("model.f16", [2, 6], .f16),
                                     ("model.bf16", [12], .bf16), ("model.f64", [4, 3], .f64)] {
            let info = try XCTUnwrap(f.tensorInfo(name))
            XCTAssertEqual(info.shape, shape, name)
            XCTAssertEqual(info.dtype, dtype, name)
            XCTAssertEqual(try f.floats(name), expected, name)
        }
        XCTAssertEqual(try f.ints("ids.i64"), (0..<5).map { $0 * 1000003 - 7 })
        XCTAssertEqual(try f.ints("ids.i32"), (0..<6).map { $0 - 3 })
        XCTAssertEqual(try f.ints("ids.i8"), (0..<4).map { $0 - 3 })
        XCTAssertEqual(try f.ints("bytes.u8"), Array(0..<7))
        XCTAssertEqual(f.tensorInfo("scalar")?.shape, [])
        XCTAssertEqual(try f.floats("scalar"), [3.5])
        XCTAssertEqual(f.tensorInfo("empty")?.shape, [0, 3])
        XCTAssertEqual(try f.floats("empty"), [])
        XCTAssertThrowsError(try f.floats("ids.i64"))
        XCTAssertThrowsError(try f.floats("nope")) { XCTAssertTrue("\($0)".contains("nope")) }
    }

    func testRoundTrip() throws {
        var w = SafetensorsWriter(metadata: ["format": "pt", "k": "v"])
        let vals: [Float] = [1.5, -2.25, 3e-3, 65504, 0, -0.0]
        w.add("a.weight", floats: vals, shape: [2, 3])
        w.add("a.half", floats: vals, shape: [6], dtype: .f16)
        w.add("a.bf", floats: [1, 2.5, -4], shape: [3], dtype: .bf16)
        w.add("ids", ints: [-100, 5, 1 << 40], shape: [3])
        w.add("s", floats: [7], shape: [])
        let path = tmpPath("rt.safetensors")
        try w.write(to: path)
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.metadata, ["format": "pt", "k": "v"])
        XCTAssertEqual(f.tensors.map(\.name), ["a.weight", "a.half", "a.bf", "ids", "s"])
        XCTAssertEqual(try f.floats("a.weight"), vals)
        XCTAssertEqual(try f.floats("a.half"), [1.5, -2.25, Float(Float16(3e-3)), 65504, 0, -0.0])
        XCTAssertEqual(try f.floats("a.bf"), [1, 2.5, -4])
        XCTAssertEqual(try f.ints("ids"), [-100, 5, 1 << 40])
        XCTAssertEqual((f.tensors.first?.fileOffset ?? 1) % 8, 0, "data section is 8-byte aligned")
        if let keep = ProcessInfo.processInfo.environment["TAILOR_KEEP_SAFETENSORS"] { try? FileManager.default.copyItem(atPath: path, toPath: keep) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    /// Every malformed file gives one line naming the file (and the tensor where there is one).
    func testMalformedFiles() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: Self.fixture))
        let n = Int(good.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = String(decoding: good[8..<(8 + n)], as: UTF8.self)
        func check(_ data: Data, _ needle: String, line: UInt = #line) throws {
            let path = tmpPath("bad.safetensors")
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SafetensorsFile(path: path), line: line) { e in
                let msg = "\(e)"
                XCTAssertTrue(msg.hasPrefix(path), msg, line: line)
                XCTAssertTrue(msg.contains(needle), "'\(msg)' lacks '\(needle)'", line: line)
                XCTAssertFalse(msg.contains("\n"), line: line)
            }
        }
        func withHeader(_ h: String, data: Data? = nil) -> Data {
            var d = Data()
            let hb = Data(h.utf8)
            withUnsafeBytes(of: UInt64(hb.count).littleEndian) { d.append(contentsOf: $0) }
            d.append(hb)
            d.append(data ?? good[(8 + n)...])
            return d
        }
        try check(good.prefix(5), "shorter")
        try check(good.prefix(8 + n - 3), "runs past the end")
        try check(good.prefix(good.count - 4), "'bytes.u8' is truncated")
        try check(withHeader("{\"x\": 1"), "not valid JSON")
        try check(withHeader(header.replacingOccurrences(of: "\"I64\"", with: "\"Q9\"")), "'ids.i64': unknown dtype 'Q9'")
        try check(withHeader(header.replacingOccurrences(of: "\"shape\":[5]", with: "\"shape\":[6]")), "'ids.i64': 40 bytes for shape [6]")
        try check(withHeader(header.replacingOccurrences(of: "[0,40]", with: "[40,0]")), "'ids.i64': data_offsets [40, 0]")
        try check(withHeader(header.replacingOccurrences(of: "[40,136]", with: "[32,128]")), "overlap")
        var huge = Data()
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { huge.append(contentsOf: $0) }
        huge.append(Data("{}".utf8))
        try check(huge, "larger than 100 MB")
    }
}
