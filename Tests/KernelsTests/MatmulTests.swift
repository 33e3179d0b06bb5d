// MatmulTests.swift: tk_matmul for every weight type against a plain double-precision reference
// (W dequantized to f32; X quantized and dequantized with the activation type llama.cpp pairs
// with the weight type), on odd shapes, with no pool and a 2-thread pool, and with the portable,
// AVX2 and AVX-512 kernels forced in turn (they must agree with the reference and each other).
import CKernels
import XCTest

final class MatmulTests: XCTestCase {
    override func tearDown() { tk_set_cpu_features_mask(-1) }

    /// Reference Y and, per output, sum |w_i x_i| (the scale for the tolerance).
    func reference(_ t: QType, w: [UInt8], rows: Int, cols: Int, x: [Float], ntok: Int) -> ([Double], [Double]) {
        let wf = dequantize(t, w, count: rows * cols)
        let atype = tk_vec_dot_type(t.id)
        var xf = [Float](repeating: 0, count: ntok * cols)
        var mCorrection = [Double](repeating: 0, count: rows * ntok)  // Q8_1: m_w * (s - d*sum q)
        for tok in 0..<ntok {
            let xr = Array(x[tok * cols..<(tok + 1) * cols])
            var deq: [Float]
            switch atype {
            case Int32(TK_Q8_0.rawValue), Int32(TK_Q8_1.rawValue), Int32(TK_Q8_K.rawValue):
                let aq = QType.make("A", tk_type(UInt32(atype)))
                var buf = [UInt8](repeating: 0, count: cols / aq.blockElems * aq.blockBytes)
                if atype == Int32(TK_Q8_0.rawValue) { tk_quantize_row_q8_0(xr, &buf, Int64(cols)) }
                else if atype == Int32(TK_Q8_1.rawValue) { tk_quantize_row_q8_1(xr, &buf, Int64(cols)) }
                else { tk_quantize_row_q8_K(xr, &buf, Int64(cols)) }
                deq = dequantize(aq, buf, count: cols)
                if atype == Int32(TK_Q8_1.rawValue) {
                    // ggml uses the f16-rounded s = d*sum(qs) stored in the block for the m term.
                    for b in 0..<cols / 32 {
                        let s = Double(tk_f16_to_f32(UInt16(buf[b * 36 + 2]) | UInt16(buf[b * 36 + 3]) << 8))
                        let exact = deq[b * 32..<b * 32 + 32].reduce(0.0) { $0 + Double($1) }
                        for r in 0..<rows {
                            let o = (r * cols / 32 + b) * t.blockBytes + 2
                            let m = Double(tk_f16_to_f32(UInt16(w[o]) | UInt16(w[o + 1]) << 8))
                            mCorrection[tok * rows + r] += m * (s - exact)
                        }
                    }
                }
            case Int32(TK_F16.rawValue): deq = xr.map { tk_f16_to_f32(tk_f32_to_f16($0)) }
            case Int32(TK_BF16.rawValue): deq = xr.map { tk_bf16_to_f32(tk_f32_to_bf16($0)) }
            default: deq = xr
            }
            xf.replaceSubrange(tok * cols..<(tok + 1) * cols, with: deq)
        }
        var y = [Double](repeating: 0, count: ntok * rows), mag = y
        for tok in 0..<ntok {
            for r in 0..<rows {
                var s = 0.0, a = 0.0
                for i in 0..<cols {
                    let p = Double(wf[r * cols + i]) * Double(xf[tok * cols + i])
                    s += p
                    a += abs(p)
                }
                y[tok * rows + r] = s + mCorrection[tok * rows + r]
                mag[tok * rows + r] = a
            }
        }
        return (y, mag)
    }

    func run(_ t: QType, w: [UInt8], rows: Int, cols: Int, x: [Float], ntok: Int, pool: OpaquePointer?) -> [Float] {
        var y = [Float](repeating: .nan, count: ntok * rows)
        let rc = w.withUnsafeBytes { tk_matmul($0.baseAddress, t.id, Int64(rows), Int64(cols), x, Int64(ntok), &y, pool) }
        XCTAssertEqual(rc, 0, t.name)
        return y
    }

    /// Feature masks to force: portable, AVX2, AVX-512 without VNNI, everything.
    var masks: [Int32] {
        let f = tk_cpu_features()
        var m: [Int32] = [0]
        if f & 1 != 0 { m.append(1) }
        if f & 2 != 0 { m.append(3) }
        if f & 4 != 0 { m.append(-1) }
        return m
    }

    func check(_ t: QType, rows: Int, cols: Int, ntoks: [Int], seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        let w = randomWeights(t, rows: rows, cols: cols, rng: &rng)
        let pool = tk_pool_create(2)
        defer { tk_pool_destroy(pool) }
        for ntok in ntoks {
            let x = (0..<ntok * cols).map { _ in rng.boundedGauss() * (Bool.random(using: &rng) ? 1 : 0.05) }
            let (ref, mag) = reference(t, w: w, rows: rows, cols: cols, x: x, ntok: ntok)
            var first: [Float]? = nil
            for mask in masks {
                tk_set_cpu_features_mask(mask)
                for p in [nil, pool] {
                    let y = run(t, w: w, rows: rows, cols: cols, x: x, ntok: ntok, pool: p)
                    var bad = 0
                    for i in 0..<y.count {
                        let tol = 1e-6 * mag[i] + 1e-7
                        if !(abs(Double(y[i]) - ref[i]) <= tol) {
                            if bad < 3 {
                                XCTFail("\(t.name) mask \(mask) ntok \(ntok) pool \(p != nil) [\(i / rows),\(i % rows)]: \(y[i]) vs \(ref[i]) (tol \(tol))")
                            }
                            bad += 1
                        }
                        if let f = first, !(abs(y[i] - f[i]) <= Float(tol)) {
                            if bad < 3 { XCTFail("\(t.name) mask \(mask) disagrees with portable at \(i): \(y[i]) vs \(f[i])") }
                            bad += 1
                        }
                    }
                    if first == nil { first = y }
                }
            }
        }
        tk_set_cpu_features_mask(-1)
    }

    func cols(for t: QType) -> Int {
        switch t.blockElems {
        case 1: return 93            // 64 + 16 + 13: every SIMD step and a scalar tail
        case 32: return 32 * 7       // odd block count (AVX-512 pairs blocks)
        default: return 256 * 3
        }
    }

    func testEveryTypeOddShapes() {
        for (i, t) in QType.all.enumerated() {
            check(t, rows: 37, cols: cols(for: t), ntoks: [1, 3, 17], seed: UInt64(100 + i))
        }
    }

    func testManyTokensAndRowsCrossChunkBoundaries() {
        for (i, t) in [QType.q4_1, QType.q4_K, QType.q8_0, QType.f16, QType.f32, QType.bf16].enumerated() {
            check(t, rows: 301, cols: t.blockElems == 256 ? 512 : 256, ntoks: [70], seed: UInt64(200 + i))
        }
    }

    func testWideRowsSplitIntoColumnRanges() {
        // Prefill of wide rows dots column ranges separately and adds the partial sums.
        let cases: [(QType, Int)] = [(.q4_1, 32 * 130), (.q8_0, 32 * 75), (.q4_K, 256 * 23), (.f16, 1601), (.q6_K, 256 * 23)]
        for (i, (t, cols)) in cases.enumerated() {
            check(t, rows: 19, cols: cols, ntoks: [5], seed: UInt64(300 + i))
        }
    }

    func testUnsupportedWeightTypes() {
        var y = [Float](repeating: 0, count: 4)
        let w = [UInt8](repeating: 0, count: 1024), x = [Float](repeating: 1, count: 256)
        XCTAssertEqual(tk_matmul(w, Int32(TK_Q8_K.rawValue), 1, 256, x, 1, &y, nil), -1)
        XCTAssertEqual(tk_matmul(w, 20, 1, 256, x, 1, &y, nil), -1)
        XCTAssertEqual(tk_matmul(w, Int32(TK_Q4_0.rawValue), 1, 33, x, 1, &y, nil), -1)
    }

    /// tk_matmul_packed (row-interleaved Q4_0/Q4_1/Q8_0/Q5_0/Q5_1 in vecdot_packed.c, Q2_K/Q3_K/Q4_K/Q5_K/Q6_K in vecdot_packed_k.c) against the same
    /// double-precision reference: rows not a multiple of the 16-row group, token counts that
    /// hit every tile width and cross the 64- and 256-token chunks, with and without a pool, with the
    /// AVX-512 VNNI kernels, the AVX2 ones (vecdot_packed_avx2.c) and the portable ones.
    func testPackedMatchesReference() {
        let pool = tk_pool_create(2)
        defer { tk_pool_destroy(pool) }
        for (i, t) in [QType.q4_0, QType.q4_1, QType.q8_0, QType.q5_0, QType.q5_1, QType.q4_K, QType.q5_K, QType.q6_K, QType.q3_K, QType.q2_K].enumerated() {
            let shapes = t.blockElems == 256 ? [(37, 256 * 3), (16, 256), (48, 256 * 6)] : [(37, 32 * 7), (16, 32), (48, 32 * 48)]
            for (rows, cols) in shapes {
                var rng = SeededRNG(seed: UInt64(400 + 10 * i + rows))
                let w = randomWeights(t, rows: rows, cols: cols, rng: &rng)
                let n = tk_packed_bytes(t.id, Int64(rows), Int64(cols))
                XCTAssertGreaterThan(n, 0, t.name)
                let p = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 64)
                defer { p.deallocate() }
                XCTAssertEqual(w.withUnsafeBytes { tk_pack_weights($0.baseAddress, t.id, Int64(rows), Int64(cols), p) }, 0)
                for ntok in rows == 37 ? [1, 2, 3, 5, 8, 11, 70, 300] : [1, 4] {
                    let x = (0..<ntok * cols).map { _ in rng.boundedGauss() * (Bool.random(using: &rng) ? 1 : 0.05) }
                    let (ref, mag) = reference(t, w: w, rows: rows, cols: cols, x: x, ntok: ntok)
                    var portable: [[Float]?] = [nil, nil]
                    for mask in [Int32(0), 1, -1] {
                        tk_set_cpu_features_mask(mask)
                        for pl in [nil, pool] {
                          for order in [Int32(0), 1] {  // ggml's lane order; block order (vecdot_packed_block.c; K-quants: lane order either way)
                            var y = [Float](repeating: .nan, count: ntok * rows)
                            XCTAssertEqual(tk_matmul_packed_order(p, t.id, Int64(rows), Int64(cols), x, Int64(ntok), &y, pl, order), 0)
                            // SIMD and portable kernels of one order sum alike: bit-identical results.
                            if let q = portable[Int(order)] { XCTAssertEqual(y, q, "\(t.name) packed SIMD vs portable \(rows)x\(cols) ntok \(ntok) order \(order)") }
                            else { portable[Int(order)] = y }
                            var bad = 0
                            for j in 0..<y.count where !(abs(Double(y[j]) - ref[j]) <= 1e-6 * mag[j] + 1e-7) {
                                if bad < 3 { XCTFail("\(t.name) packed \(rows)x\(cols) ntok \(ntok) mask \(mask) order \(order) [\(j / rows),\(j % rows)]: \(y[j]) vs \(ref[j])") }
                                bad += 1
                            }
                          }
                        }
                    }
                    tk_set_cpu_features_mask(-1)
                }
            }
        }
    }

    /// tk_matmul_rows_tiled (a prompt over a K-quant kept in the file's layout, each 16-row group
    /// packed as its work item starts) gives exactly the packed block-order product, and near the
    /// double-precision reference, where it applies (Q6_K with AVX2 only: there its rows stay
    /// unpacked); elsewhere, and below 16 tokens, it declines (-1) and writes nothing.
    func testRowsTiledEqualsPackedBlockOrder() {
        let pool = tk_pool_create(2)
        defer { tk_pool_destroy(pool) }
        for (i, t) in [QType.q6_K, QType.q4_K, QType.q5_K, QType.q3_K, QType.q8_0].enumerated() {
            let cols = t.blockElems == 256 ? 256 * 3 : 32 * 8
            for rows in [37, 16] {
                var rng = SeededRNG(seed: UInt64(900 + 10 * i + rows))
                let w = randomWeights(t, rows: rows, cols: cols, rng: &rng)
                let n = tk_packed_bytes(t.id, Int64(rows), Int64(cols))
                let p = UnsafeMutableRawPointer.allocate(byteCount: max(n, 64), alignment: 64)
                defer { p.deallocate() }
                XCTAssertEqual(w.withUnsafeBytes { tk_pack_weights($0.baseAddress, t.id, Int64(rows), Int64(cols), p) }, 0)
                for ntok in [15, 16, 70, 300] {
                    let x = (0..<ntok * cols).map { _ in rng.boundedGauss() * (Bool.random(using: &rng) ? 1 : 0.05) }
                    let (ref, mag) = reference(t, w: w, rows: rows, cols: cols, x: x, ntok: ntok)
                    for mask in masks {
                        tk_set_cpu_features_mask(mask)
                        let f = tk_cpu_features() & mask, avx2Only = f & 1 != 0 && !(f & 2 != 0 && f & 4 != 0)  // AVX2 without AVX-512 VNNI
                        let applies = t.id == QType.q6_K.id && avx2Only && ntok >= 16
                        if avx2Only { XCTAssertEqual(tk_packed_preferred(t.id) == 0, t.id == QType.q6_K.id, "\(t.name) mask \(mask)") }
                        for pl in [nil, pool] {
                            var y = [Float](repeating: .nan, count: ntok * rows)
                            let rc = w.withUnsafeBytes { tk_matmul_rows_tiled($0.baseAddress, t.id, Int64(rows), Int64(cols), x, Int64(ntok), &y, pl) }
                            XCTAssertEqual(rc, applies ? 0 : -1, "\(t.name) \(rows)x\(cols) ntok \(ntok) mask \(mask)")
                            guard applies else {
                                XCTAssertTrue(y.allSatisfy { $0.isNaN }, "\(t.name): declined but wrote")
                                continue
                            }
                            var yp = [Float](repeating: .nan, count: ntok * rows)
                            XCTAssertEqual(tk_matmul_packed_order(p, t.id, Int64(rows), Int64(cols), x, Int64(ntok), &yp, pl, 1), 0)
                            XCTAssertEqual(y, yp, "\(t.name) rows tiled vs packed block order \(rows)x\(cols) ntok \(ntok)")
                            var bad = 0
                            for j in 0..<y.count where !(abs(Double(y[j]) - ref[j]) <= 1e-6 * mag[j] + 1e-7) {
                                if bad < 3 { XCTFail("\(t.name) rows tiled \(rows)x\(cols) ntok \(ntok) [\(j / rows),\(j % rows)]: \(y[j]) vs \(ref[j])") }
                                bad += 1
                            }
                        }
                    }
                    tk_set_cpu_features_mask(-1)
                }
            }
        }
    }

    /// tk_matmul_packed_multi (several matrices reading the same activations in one call) gives
    /// exactly what separate tk_matmul_packed_order calls give, for every packable type, both
    /// orders, with and without a pool; bad arguments are rejected.
    func testPackedMultiEqualsSeparateCalls() {
        let pool = tk_pool_create(2)
        defer { tk_pool_destroy(pool) }
        for (i, t) in [QType.q4_0, QType.q4_1, QType.q8_0, QType.q5_0, QType.q5_1, QType.q4_K, QType.q5_K, QType.q6_K, QType.q3_K, QType.q2_K].enumerated() {
            let cols = t.blockElems == 256 ? 256 * 2 : 32 * 6, rowsList = [37, 16, 80, 5]
            var rng = SeededRNG(seed: UInt64(900 + i))
            let packs: [UnsafeMutableRawPointer] = rowsList.map { rows in
                let w = randomWeights(t, rows: rows, cols: cols, rng: &rng)
                let p = UnsafeMutableRawPointer.allocate(byteCount: tk_packed_bytes(t.id, Int64(rows), Int64(cols)), alignment: 64)
                XCTAssertEqual(w.withUnsafeBytes { tk_pack_weights($0.baseAddress, t.id, Int64(rows), Int64(cols), p) }, 0)
                return p
            }
            defer { packs.forEach { $0.deallocate() } }
            for ntok in [1, 3, 70] {
                let x = (0..<ntok * cols).map { _ in rng.boundedGauss() }
                for nmat in 2...4 {
                    for pl in [nil, pool] {
                        for order in [Int32(0), 1] {
                            let want = (0..<nmat).map { m -> [Float] in
                                var y = [Float](repeating: .nan, count: ntok * rowsList[m])
                                XCTAssertEqual(tk_matmul_packed_order(packs[m], t.id, Int64(rowsList[m]), Int64(cols), x, Int64(ntok), &y, pl, order), 0)
                                return y
                            }
                            let outs = (0..<nmat).map { m in UnsafeMutablePointer<Float>.allocate(capacity: ntok * rowsList[m]) }
                            defer { outs.forEach { $0.deallocate() } }
                            var ps: [UnsafeRawPointer?] = packs.prefix(nmat).map { UnsafeRawPointer($0) }
                            var ys: [UnsafeMutablePointer<Float>?] = outs
                            var rows = rowsList.prefix(nmat).map { Int64($0) }
                            XCTAssertEqual(tk_matmul_packed_multi(&ps, &rows, Int32(nmat), t.id, Int64(cols), x, Int64(ntok), &ys, pl, order), 0)
                            for m in 0..<nmat {
                                XCTAssertEqual(Array(UnsafeBufferPointer(start: outs[m], count: ntok * rowsList[m])), want[m],
                                               "\(t.name) matrix \(m) of \(nmat) ntok \(ntok) order \(order)")
                            }
                            if nmat == 2 {  // more matrices than the limit, or a misaligned one: rejected
                                var five = [UnsafeRawPointer?](repeating: ps[0], count: 5)
                                var fiveRows = [Int64](repeating: rows[0], count: 5)
                                var fiveY = [UnsafeMutablePointer<Float>?](repeating: outs[0], count: 5)
                                XCTAssertEqual(tk_matmul_packed_multi(&five, &fiveRows, 5, t.id, Int64(cols), x, Int64(ntok), &fiveY, pl, order), -1)
                                var bad: [UnsafeRawPointer?] = [ps[0], ps[1]! + 4]
                                XCTAssertEqual(tk_matmul_packed_multi(&bad, &rows, 2, t.id, Int64(cols), x, Int64(ntok), &ys, pl, order), -1)
                            }
                        }
                    }
                }
            }
        }
    }

    /// F16/BF16 "packed" weights are a copy of the rows (for large pages): products on the copy,
    /// alone or several matrices in one call, equal tk_matmul on the original bit for bit, at
    /// decode and prefill token counts (prefill goes to BLAS on converted slices, matmul_float.c;
    /// its accuracy is checked against float64 in testEveryTypeOddShapes/testManyTokens...).
    func testFloatCopiesEqualTheRowKernels() {
        let pool = tk_pool_create(2)
        defer { tk_pool_destroy(pool) }
        for (i, t) in [QType.f16, QType.bf16].enumerated() {
            let cols = 200, rowsList = [37, 16, 300]
            var rng = SeededRNG(seed: UInt64(1300 + i))
            let ws = rowsList.map { randomWeights(t, rows: $0, cols: cols, rng: &rng) }
            let packs: [UnsafeMutableRawPointer] = zip(ws, rowsList).map { w, rows in
                XCTAssertEqual(tk_packed_bytes(t.id, Int64(rows), Int64(cols)), rows * cols * 2)
                let p = UnsafeMutableRawPointer.allocate(byteCount: rows * cols * 2, alignment: 64)
                XCTAssertEqual(w.withUnsafeBytes { tk_pack_weights($0.baseAddress, t.id, Int64(rows), Int64(cols), p) }, 0)
                return p
            }
            defer { packs.forEach { $0.deallocate() } }
            for ntok in [1, 3, 17, 70] {
                let x = (0..<ntok * cols).map { _ in rng.boundedGauss() }
                for pl in [nil, pool] {
                    let want = zip(ws, rowsList).map { w, rows in run(t, w: w, rows: rows, cols: cols, x: x, ntok: ntok, pool: pl) }
                    for m in rowsList.indices {
                        var y = [Float](repeating: .nan, count: ntok * rowsList[m])
                        XCTAssertEqual(tk_matmul_packed_order(packs[m], t.id, Int64(rowsList[m]), Int64(cols), x, Int64(ntok), &y, pl, 1), 0)
                        XCTAssertEqual(y, want[m], "\(t.name) copy \(rowsList[m]) rows ntok \(ntok)")
                    }
                    let outs = rowsList.map { UnsafeMutablePointer<Float>.allocate(capacity: ntok * $0) }
                    defer { outs.forEach { $0.deallocate() } }
                    var yp: [UnsafeMutablePointer<Float>?] = outs
                    var pp: [UnsafeRawPointer?] = packs.map { UnsafeRawPointer($0) }
                    let rows = rowsList.map { Int64($0) }
                    XCTAssertEqual(tk_matmul_packed_multi(&pp, rows, Int32(rows.count), t.id, Int64(cols), x, Int64(ntok), &yp, pl, 0), 0)
                    for m in rowsList.indices {
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: outs[m], count: ntok * rowsList[m])), want[m], "\(t.name) multi ntok \(ntok)")
                    }
                }
            }
        }
    }

    /// Packing over a pool writes the same bytes as packing on one thread (row counts that do
    /// and do not fill the last 16-row group and the last 8-group work item).
    func testPooledPackingEqualsSerial() {
        let pool = tk_pool_create(3)
        defer { tk_pool_destroy(pool) }
        for (i, t) in [QType.q4_1, QType.q8_0, QType.q5_0, QType.q4_K, QType.q6_K, QType.f16, QType.bf16].enumerated() {
            let cols = t.blockElems == 256 ? 512 : t.blockElems == 1 ? 96 : 64
            for rows in [37, 300, 512] {
                var rng = SeededRNG(seed: UInt64(1500 + 10 * i + rows))
                let w = randomWeights(t, rows: rows, cols: cols, rng: &rng)
                let n = tk_packed_bytes(t.id, Int64(rows), Int64(cols))
                XCTAssertGreaterThan(n, 0, t.name)
                var serial = [UInt8](repeating: 0xAA, count: n), pooled = [UInt8](repeating: 0x55, count: n)
                XCTAssertEqual(w.withUnsafeBytes { tk_pack_weights($0.baseAddress, t.id, Int64(rows), Int64(cols), &serial) }, 0)
                XCTAssertEqual(w.withUnsafeBytes { tk_pack_weights_pool($0.baseAddress, t.id, Int64(rows), Int64(cols), &pooled, pool) }, 0)
                XCTAssertEqual(serial, pooled, "\(t.name) \(rows) rows")
            }
        }
    }

    func testPackedRejectsWhatItCannotPack() {
        XCTAssertEqual(tk_packed_bytes(QType.q4_K.id, 16, 288), 0)  // K-quant rows: a multiple of 256
        XCTAssertEqual(tk_packed_bytes(QType.f32.id, 16, 64), 0)
        XCTAssertEqual(tk_packed_bytes(QType.q4_0.id, 16, 33), 0)
        let w = [UInt8](repeating: 0, count: 16 * 18), x = [Float](repeating: 1, count: 32)
        var y = [Float](repeating: 0, count: 16)
        XCTAssertEqual(tk_pack_weights(w, QType.f32.id, 16, 64, &y), -1)
        let p = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 64)
        defer { p.deallocate() }
        XCTAssertEqual(tk_matmul_packed(p + 4, QType.q4_0.id, 16, 32, x, 1, &y, nil), -1)  // misaligned
    }
}
