"""The billing formats' malformed-input corpus (tests/corpus/billing_formats.py):
every good row lands once, every bad one is quarantined at its file and row,
the billed total of the good rows is exact, and nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicost_cli.billing.formats import anthropic_costs, focus, openai_costs
from tests.billing_stage import stage
from tests.corpus.billing_formats import BillingKind, all_billing_kinds

FORMATS = {f.name: f for f in (focus.FORMAT, openai_costs.FORMAT, anthropic_costs.FORMAT)}


def test_corpus_names_are_unique() -> None:
    names = [kind.name for kind in all_billing_kinds()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("kind", all_billing_kinds(), ids=lambda kind: kind.name)
def test_billing_corpus_kind(kind: BillingKind, tmp_path: Path) -> None:
    for name, data in kind.files.items():
        (tmp_path / name).write_bytes(data)
    staged = stage(FORMATS[kind.format], sorted(tmp_path / name for name in kind.files))
    good = [(Path(r["source_file"]).name, r["source_row"]) for r in staged.good()]
    assert good == kind.good
    assert [(name, row) for name, row, _ in staged.quarantined()] == kind.bad
    assert staged.total("billed_cost") == kind.billed
