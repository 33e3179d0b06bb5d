// Evaluation.swift: the Evaluation layer (see ../shared/DESIGN.md). Metrics/ holds pure scoring
// functions checked against reference implementations (sacrebleu, rouge-score, the SQuAD script);
// Data/ holds JSONL task-set reading, seeded splits and the leak check between splits.

/// The version of the metric definitions; bump when a metric's value changes.
public let evaluationMetricsVersion = 1
