// HugePagesTests.swift: tk_huge_alloc / tk_huge_release (hugepages.c): blocks are 64-byte
// aligned, hold what is written to them without overlapping (small ones share a chunk, large
// ones get their own), and chunks can be released in any order and allocated again.
import CKernels
import XCTest

final class HugePagesTests: XCTestCase {
    func testBlocksAreAlignedDisjointAndReusable() {
        for round in 0..<2 {
            let sizes = [1, 64, 100, 70_000, 3 << 20, 40 << 20, 5000, 1 << 20]
            var blocks: [(UnsafeMutableRawPointer, OpaquePointer?, Int)] = []
            for (i, n) in sizes.enumerated() {
                var chunk: OpaquePointer?
                guard let p = tk_huge_alloc(n, &chunk) else { return XCTFail("allocation of \(n) bytes failed") }
                XCTAssertEqual(Int(bitPattern: p) % 64, 0, "\(n) bytes: not 64-byte aligned")
                memset(p, Int32(i + 1), n)
                blocks.append((p, chunk, n))
            }
            for (i, (p, _, n)) in blocks.enumerated() {
                let b = p.assumingMemoryBound(to: UInt8.self)
                XCTAssertEqual(b[0], UInt8(i + 1), "block \(i) overwritten at its start")
                XCTAssertEqual(b[n - 1], UInt8(i + 1), "block \(i) overwritten at its end")
            }
            let order = round == 0 ? Array(blocks.indices) : blocks.indices.reversed()
            for i in order { tk_huge_release(blocks[i].0, blocks[i].1) }
        }
    }
}
