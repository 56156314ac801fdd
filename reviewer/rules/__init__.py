"""The deterministic checker: one small unit per rule, an explicit registry."""
