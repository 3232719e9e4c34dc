"""The malformed-input corpus (tests/corpus): every kind through the real CLI.

Every good record is stored exactly once (landing table and ``operations``),
every bad one is quarantined at its file and line, the exit code is the
documented one, and nothing raises a traceback. The expectations are written
next to each kind's generator, not derived from aicost's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import KINDS, Kind, all_kinds
from tests.corpus.run import run

#: kinds that still fail (strict: an entry that starts passing must be removed)
KNOWN_FAILING: set[str] = set()

#: a few kinds run in `make test-fast` (bad lines of the other formats and the
#: billing kinds' cases are in the fast tests of test_ingest_* and
#: test_billing_ingest); the whole corpus (about 40 s) in `make test`
FAST = {
    "aicost_invalid_json_line",
    "litellm_array_one_bad_element",
    "bedrock_gzip_bad_line",
}


def _params() -> list[object]:
    out: list[object] = []
    for kind in all_kinds():
        marks: list[pytest.MarkDecorator] = []
        if kind.name not in FAST:
            marks.append(pytest.mark.slow)
        if kind.name in KNOWN_FAILING:
            marks.append(pytest.mark.xfail(strict=True, reason="not fixed yet"))
        out.append(pytest.param(kind, id=kind.name, marks=marks))
    return out


def test_corpus_has_at_least_50_kinds_with_unique_names() -> None:
    names = [make().name for make in KINDS]
    assert len(names) >= 50
    assert len(set(names)) == len(names)
    assert FAST <= set(names) and KNOWN_FAILING <= set(names)


@pytest.mark.parametrize("kind", _params())
def test_corpus_kind(kind: Kind, tmp_path: Path) -> None:
    outcome = run(kind, tmp_path / "work")
    assert outcome.problems() == [], outcome.stderr
