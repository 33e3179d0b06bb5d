// PoolTests.swift: tk_pool runs every index exactly once per job, back to back, and a 1-thread
// or NULL pool runs inline.
import CKernels
import XCTest

private final class Counts: @unchecked Sendable {
    var hits = [Int](repeating: 0, count: 64)
    var nth = 0
}

final class PoolTests: XCTestCase {
    func testEveryThreadIndexRunsOncePerJob() {
        for n: Int32 in [1, 2, 3, 8] {
            let pool = tk_pool_create(n)
            XCTAssertEqual(tk_pool_size(pool), n)
            let c = Counts()
            let ctx = Unmanaged.passUnretained(c).toOpaque()
            let runs = n > 3 ? 200 : 2000
            for _ in 0..<runs {
                tk_pool_run(pool, { ctx, ith, nth in
                    let c = Unmanaged<Counts>.fromOpaque(ctx!).takeUnretainedValue()
                    c.hits[Int(ith)] += 1  // each ith is written by one thread only
                    if ith == 0 { c.nth = Int(nth) }
                }, ctx)
            }
            XCTAssertEqual(c.nth, Int(n))
            XCTAssertEqual(Array(c.hits[0..<Int(n)]), [Int](repeating: n > 3 ? 200 : 2000, count: Int(n)))
            XCTAssertEqual(c.hits[Int(n)...].reduce(0, +), 0)
            tk_pool_destroy(pool)
        }
    }

    func testNullPoolRunsInline() {
        let c = Counts()
        tk_pool_run(nil, { ctx, ith, nth in
            let c = Unmanaged<Counts>.fromOpaque(ctx!).takeUnretainedValue()
            c.hits[Int(ith)] += 1
            c.nth = Int(nth)
        }, Unmanaged.passUnretained(c).toOpaque())
        XCTAssertEqual(c.hits[0], 1)
        XCTAssertEqual(c.nth, 1)
        XCTAssertEqual(tk_pool_size(nil), 1)
    }

    func testWorkersSleepAndWakeAgain() {
        let pool = tk_pool_create(2)
        let c = Counts()
        let ctx = Unmanaged.passUnretained(c).toOpaque()
        for _ in 0..<3 {
            usleep(5000)  // longer than the spin window: workers are asleep on the futex
            tk_pool_run(pool, { ctx, ith, _ in
                Unmanaged<Counts>.fromOpaque(ctx!).takeUnretainedValue().hits[Int(ith)] += 1
            }, ctx)
        }
        XCTAssertEqual(Array(c.hits[0..<2]), [3, 3])
        tk_pool_destroy(pool)
    }
}
