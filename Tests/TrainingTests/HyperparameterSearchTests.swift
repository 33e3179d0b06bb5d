// HyperparameterSearchTests.swift: the --search space parser (errors name the spec, key and
// value), grid enumeration (against the hand-written Cartesian product), seeded random search
// (distinct points from the grid, reproducible, all points when trials >= grid size), and the
// results table (sorted by validation loss, hand-written expected markdown).
import Foundation
import XCTest
@testable import Training

final class HyperparameterSearchTests: XCTestCase {
    let keys: [String: SearchValueKind] = ["lr": .real, "rank": .integer, "schedule": .choice(["cosine", "linear"]),
                                           "rslora": .flag, "weight-decay": .real, "targets": .text]

    func testParsesKeysGenerically() throws {
        let s = try SearchSpace(parsing: ["lr=1e-4, 3e-4", "--Weight_Decay=0,0.1", "rslora=true,false", "targets=q_proj+v_proj"], keys: keys)
        XCTAssertEqual(s.dimensions, [SearchDimension(key: "lr", values: ["1e-4", "3e-4"]), SearchDimension(key: "weight-decay", values: ["0", "0.1"]),
                                      SearchDimension(key: "rslora", values: ["true", "false"]), SearchDimension(key: "targets", values: ["q_proj+v_proj"])])
        XCTAssertEqual(s.gridSize, 8)
    }

    func testErrorsNameKeyAndValue() {
        func message(_ specs: [String]) -> String {
            do { _ = try SearchSpace(parsing: specs, keys: keys); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(["foo=1,2"]).contains("unknown key 'foo'"), message(["foo=1,2"]))
        XCTAssertTrue(message(["foo=1,2"]).contains("searchable: lr, rank, rslora, schedule, targets, weight-decay"))
        XCTAssertTrue(message(["rank=4,8.5"]).contains("'8.5' is not an integer"))
        XCTAssertTrue(message(["lr=1e-4,fast"]).contains("'fast' is not a number"))
        XCTAssertTrue(message(["lr=nan"]).contains("'nan' is not a number"))
        XCTAssertTrue(message(["schedule=cosine,step"]).contains("'step' is not one of cosine, linear"))
        XCTAssertTrue(message(["rslora=yes"]).contains("not true or false"))
        XCTAssertTrue(message(["rank"]).contains("expected KEY=V1,V2"))
        XCTAssertTrue(message(["rank=4,,8"]).contains("empty value for 'rank'"))
        XCTAssertTrue(message(["rank=4,4"]).contains("'4' is repeated"))
        XCTAssertTrue(message(["rank=4", "RANK=8"]).contains("'rank' is given twice"))
        XCTAssertTrue(message([]).contains("at least one"))
    }

    func testGridIsTheCartesianProductLastKeyFastest() throws {
        let s = try SearchSpace(parsing: ["lr=1e-4,3e-4", "rank=4,8,16"], keys: keys)
        let expected = [["1e-4", "4"], ["1e-4", "8"], ["1e-4", "16"], ["3e-4", "4"], ["3e-4", "8"], ["3e-4", "16"]]
        XCTAssertEqual(try s.grid().map(\.values), expected)
        XCTAssertEqual(s.describe(try s.grid()[4]), "lr=3e-4 rank=8")
    }

    func testRandomSearchIsSeededDistinctAndFromTheGrid() throws {
        let s = try SearchSpace(parsing: ["lr=1,2,3,4,5", "rank=1,2,3,4", "weight-decay=0,1,2"], keys: keys)
        let grid = Set(try s.grid())
        let a = s.random(trials: 10, seed: 7), b = s.random(trials: 10, seed: 7), c = s.random(trials: 10, seed: 8)
        XCTAssertEqual(a, b, "same seed, same trials")
        XCTAssertNotEqual(a, c, "another seed draws other trials")
        XCTAssertEqual(Set(a).count, 10, "no repeated configuration")
        XCTAssertTrue(Set(a).isSubset(of: grid))
        // every value of every key shows up over many draws (the draw is not stuck on a corner)
        let many = s.random(trials: 40, seed: 1)
        for (i, d) in s.dimensions.enumerated() { XCTAssertEqual(Set(many.map { $0.values[i] }), Set(d.values)) }
        // trials >= grid size: the whole grid, once each
        let all = s.random(trials: 500, seed: 3)
        XCTAssertEqual(all.count, 60)
        XCTAssertEqual(Set(all), grid)
    }

    func testReportSortsByValidationLossAndWritesTables() throws {
        let dims = [SearchDimension(key: "lr", values: ["1e-4", "3e-4"]), SearchDimension(key: "rank", values: ["4"])]
        let trials = [
            TrialResult(trial: 1, values: ["lr": "1e-4", "rank": "4"], validationLoss: 2.5, trainLoss: 2.75, steps: 10, seconds: 3.21, directory: "o/trials/001"),
            TrialResult(trial: 2, values: ["lr": "3e-4", "rank": "4"], validationLoss: 1.25, trainLoss: 1.5, steps: 10, seconds: 4, directory: "o/trials/002"),
            TrialResult(trial: 3, values: ["lr": "1e-3", "rank": "4"], validationLoss: .nan, trainLoss: .infinity, steps: 3, seconds: 1, directory: "o/trials/003"),
        ]
        let r = SearchReport(mode: "grid", budget: "10 steps", dimensions: dims, trials: trials)
        XCTAssertEqual(r.best?.trial, 2)
        XCTAssertEqual(r.markdown(), """
            | trial | lr | rank | val loss | train loss | steps | seconds |
            |---:|---:|---:|---:|---:|---:|---:|
            | 002 | 3e-4 | 4 | 1.2500 | 1.5000 | 10 | 4.0 |
            | 001 | 1e-4 | 4 | 2.5000 | 2.7500 | 10 | 3.2 |
            | 003 | 1e-3 | 4 | n/a | n/a | 3 | 1.0 |

            """)
        XCTAssertTrue(r.markdownDocument().contains("Best: trial 002 (lr=3e-4 rank=4), validation loss 1.2500."))
        let j = try JSONSerialization.jsonObject(with: r.json()) as! [String: Any]
        XCTAssertEqual(j["best"] as? Int, 2)
        let rows = j["trials"] as! [[String: Any]]
        XCTAssertEqual(rows.map { $0["trial"] as! Int }, [2, 1, 3])
        XCTAssertEqual(rows[0]["val_loss"] as? Double, 1.25)
        XCTAssertNil(rows[2]["val_loss"], "a NaN loss is absent, not invalid JSON")
        XCTAssertEqual((rows[0]["values"] as? [String: String])?["lr"], "3e-4")
    }

    func testNoFiniteLossMeansNoBest() {
        let r = SearchReport(mode: "random", budget: "1 epoch", dimensions: [],
                             trials: [TrialResult(trial: 1, values: [:], validationLoss: nil, trainLoss: 1, steps: 1, seconds: 0, directory: "x")])
        XCTAssertNil(r.best)
    }
}
