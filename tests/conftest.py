"""Hermetic tests: every test gets its own app dir, database and working dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = SHARED / "samples"


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "aicost-home"
    monkeypatch.setenv("AICOST_HOME", str(home))
    monkeypatch.setenv("AICOST_DB", str(tmp_path / "test.duckdb"))
    monkeypatch.delenv("AICOST_CONFIG", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def needs_samples() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not present")
