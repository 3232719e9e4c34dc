"""Where aicost keeps its database and finds its configuration.

One function each, so that tests and the CLI agree:

* database: ``--db`` > ``AICOST_DB`` > ``db_path`` in the config > ``<app dir>/aicost.duckdb``
* config:   ``--config`` > ``AICOST_CONFIG`` > ``./aicost.toml`` > ``<app dir>/config.toml``

The app dir is ``AICOST_HOME`` if set, else the per-user directory
(``typer.get_app_dir("aicost")`` semantics, computed here without importing typer).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "aicost"


def app_dir() -> Path:
    home = os.environ.get("AICOST_HOME")
    if home:
        return Path(home).expanduser()
    # Same rules as click.get_app_dir(APP_NAME) on POSIX / macOS / Windows.
    if sys.platform.startswith("win"):
        base = os.environ.get("APPDATA") or os.path.expanduser("~")
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~/Library/Application Support")) / APP_NAME
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(xdg) / APP_NAME


def config_candidates(explicit: Path | None) -> list[tuple[Path, bool]]:
    """Config files to try, in order, each with ``must_exist``."""
    if explicit is not None:
        return [(explicit, True)]
    env = os.environ.get("AICOST_CONFIG")
    if env:
        return [(Path(env).expanduser(), True)]
    return [(Path.cwd() / "aicost.toml", False), (app_dir() / "config.toml", False)]


def resolve_db_path(explicit: Path | None, config_db_path: Path | None) -> Path:
    if explicit is not None:
        return explicit.expanduser()
    env = os.environ.get("AICOST_DB")
    if env:
        return Path(env).expanduser()
    if config_db_path is not None:
        return config_db_path.expanduser()
    return app_dir() / "aicost.duckdb"
