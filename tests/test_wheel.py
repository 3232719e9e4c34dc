"""The wheel carries what `pip install .` users need: the CLI and its SQL, the
Python API, and the demo's sample data (so `aicost demo` works anywhere)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_has_the_api_the_sql_and_the_demo_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",  # hatchling is in the dev lock
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("aicost-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "aicost/__init__.py" in names
    assert "aicost_cli/__main__.py" in names
    assert "aicost_cli/sql/reports/attribution.sql" in names
    assert "aicost_cli/sample_data/aicost.toml" in names
    for folder in ("litellm", "otel", "malformed", "billing"):
        assert any(n.startswith(f"aicost_cli/sample_data/{folder}/") for n in names), folder
    assert not any(n.endswith("generate.py") for n in names)  # data only, not the generator
