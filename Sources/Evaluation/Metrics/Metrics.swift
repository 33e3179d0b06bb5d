// Metrics.swift: the `Metrics` namespace. Each metric lives in its own file as an extension;
// all are pure functions of strings or numbers, with no model in sight.
//
// Scales: BLEU is on sacrebleu's 0-100 scale; every other score is a fraction in 0...1.

/// Task metrics: accuracy, exact match, token F1, macro-F1, ROUGE-L, BLEU, perplexity.
public enum Metrics {}
