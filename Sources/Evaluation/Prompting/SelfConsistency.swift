// SelfConsistency.swift: the vote of self-consistency prompting (Wang et al., 2022): sample N
// reasoning paths, parse each one's answer, return the most frequent answer. Empty answers do
// not vote (unless every path is empty); ties go to the answer that reached the top count first
// in sampling order, so the vote is deterministic.

/// The outcome of a majority vote.
public struct MajorityVote: Equatable, Sendable, Codable {
    /// The winning answer ("" when there were no answers).
    public var answer: String
    /// Votes for the winner.
    public var votes: Int
    /// Every distinct answer with its votes, most votes first (ties in first-seen order).
    public var tally: [Tally]

    public struct Tally: Equatable, Sendable, Codable {
        public var answer: String
        public var votes: Int
    }

    /// Counts `answers` (in sampling order) and picks the winner.
    public init(_ answers: [String]) {
        let nonEmpty = answers.filter { !$0.isEmpty }
        let voting = nonEmpty.isEmpty ? answers : nonEmpty
        var counts: [String: Int] = [:]
        var order: [String] = []
        var winner = "", best = 0
        for a in voting {
            if counts[a] == nil { order.append(a) }
            counts[a, default: 0] += 1
            if counts[a]! > best { best = counts[a]!; winner = a }   // strictly more: earlier leader keeps ties
        }
        answer = winner
        votes = best
        tally = order.enumerated().sorted { l, r in
            counts[l.element]! != counts[r.element]! ? counts[l.element]! > counts[r.element]! : l.offset < r.offset
        }.map { Tally(answer: $0.element, votes: counts[$0.element]!) }
    }
}
