// GGUFMetadataTests.swift: every GGUF metadata value type (arrays and nested arrays included),
// tensor infos and alignment, on files written by gguf-py's GGUFWriter
// (Tests/Fixtures/gguf, scripts/make_gguf_types_fixture.py), for GGUF v3 and v2.
import Foundation
import XCTest
@testable import Formats
import TestSupport

final class GGUFMetadataTests: XCTestCase {
    static let dir = TestAssets.fixtures.appendingPathComponent("gguf")

    func testEveryValueTypeV3AndV2() throws {
        for (name, version) in [("all-types", UInt32(3)), ("all-types-v2", 2)] {
            let f = try GGUFFile(path: Self.dir.appendingPathComponent("\(name).gguf").path)
            XCTAssertEqual(f.version, version)
            XCTAssertEqual(f["t.u8"], .uint8(200))
            XCTAssertEqual(f["t.i8"], .int8(-100))
            XCTAssertEqual(f["t.u16"], .uint16(60000))
            XCTAssertEqual(f["t.i16"], .int16(-30000))
            XCTAssertEqual(f["t.u32"], .uint32(4_000_000_000))
            XCTAssertEqual(f["t.i32"], .int32(-2_000_000_000))
            XCTAssertEqual(f["t.f32"], .float32(1.5))
            XCTAssertEqual(f["t.bool"], .bool(true))
            XCTAssertEqual(f["t.str"], .string("héllo wörld 🍑"))
            XCTAssertEqual(f["t.u64"], .uint64((1 << 40) + 3))
            XCTAssertEqual(f["t.i64"], .int64(-(1 << 40) - 3))
            XCTAssertEqual(f["t.f64"], .float64(-2.25))
            XCTAssertEqual(f.ints("t.arr_i32"), [1, -2, 3])
            XCTAssertEqual(f.strings("t.arr_str"), ["a", "", "ü"])
            XCTAssertEqual(f.doubles("t.arr_f32"), [0.5, -1.0])
            XCTAssertEqual(f["t.arr_bool"]?.array?.compactMap(\.bool), [true, false])
            XCTAssertEqual(f["t.arr_nested"]?.array?.map { $0.array?.compactMap(\.int) ?? [] }, [[1, 2], [3]])
            XCTAssertEqual(f.string("general.architecture"), "llama")
            // tensors: dims in ggml order, types, data in place
            let a = try XCTUnwrap(f.tensorInfo("a")), b = try XCTUnwrap(f.tensorInfo("b"))
            XCTAssertEqual(a.dims, [32]); XCTAssertEqual(a.type, .f32)
            XCTAssertEqual(b.dims, [32, 2]); XCTAssertEqual(b.type, .f16)
            let pa = f.data(of: a).assumingMemoryBound(to: Float.self)
            XCTAssertEqual((0..<32).map { pa[$0] }, (0..<32).map(Float.init))
            XCTAssertEqual(f.data(of: b).load(fromByteOffset: 63 * 2, as: UInt16.self), 0x53E0)  // f16(63)
            XCTAssertEqual(f.alignment, 32)
            XCTAssertEqual(a.fileOffset % 32, 0)
        }
    }

    func testCustomAlignment() throws {
        let f = try GGUFFile(path: Self.dir.appendingPathComponent("aligned64.gguf").path)
        XCTAssertEqual(f.alignment, 64)
        XCTAssertEqual(f.dataOffset % 64, 0)
        for t in f.tensors { XCTAssertEqual(t.fileOffset % 64, 0, t.name) }
        let p = f.data(of: try XCTUnwrap(f.tensorInfo("a"))).assumingMemoryBound(to: Float.self)
        XCTAssertEqual(p[31], 31)
    }
}
