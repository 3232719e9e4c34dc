"""The typed core never imports the CLI toolkit, and the CLI imports the heavy
optional libraries only when a command needs them (`aicost --help` start-up)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "aicost_cli.config",
    "aicost_cli.db",
    "aicost_cli.errors",
    "aicost_cli.migrations",
    "aicost_cli.models",
    "aicost_cli.paths",
    "aicost_cli.prices",
    "aicost_cli.reports",
    "aicost_cli.store",
    "aicost_cli.ingest.detect",
    "aicost_cli.ingest.formats",
    "aicost_cli.ingest.requests",
    "aicost_cli.ingest.sources",
]


def loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in out.split()}


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_the_cli_toolkit(module: str) -> None:
    assert not loaded_after(module) & {"typer", "rich", "click"}


def test_cli_start_up_leaves_heavy_libraries_for_later() -> None:
    heavy = {"duckdb", "pyarrow", "polars", "boto3", "pandas", "numpy"}
    assert not loaded_after("aicost_cli.cli") & heavy
