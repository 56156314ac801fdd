"""Every rule's own examples, run through the full review: a `fails` example must produce a
finding of that rule, a `passes` example must not. Collected automatically from the registry."""

from __future__ import annotations

import pytest

from reviewer.review import review_text
from reviewer.rules.registry import all_rules


def _cases():
    for r in all_rules():
        for kind, examples in (("fails", r.fails), ("passes", r.passes)):
            for i, example in enumerate(examples):
                yield pytest.param(r.id, kind, example, id=f"{r.id}-{kind}-{i}")


@pytest.mark.parametrize(("rule_id", "kind", "example"), list(_cases()))
def test_rule_example(rule_id, kind, example):
    review = review_text(example.note, payer=example.payer)
    assert not review.errors, [e.message for e in review.errors]
    fired = [f for f in review.findings if f.rule == rule_id]
    if kind == "fails":
        assert fired, f"{rule_id} should fire on this example ({example.why or 'fails'})"
    else:
        assert not fired, f"{rule_id} should not fire: {[f.message for f in fired]}"
