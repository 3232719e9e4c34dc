"""What every command needs: the resolved config and DB path, and the error
decorator that turns AicostError into one line on stderr and an exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TextIO, TypeVar

import typer

from aicost_cli.config import Config, load_config
from aicost_cli.errors import AicostError, ExitCode, InputFileError, exit_code_for
from aicost_cli.paths import resolve_db_path

if TYPE_CHECKING:
    import duckdb

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class State:
    db: Path | None = None
    config_path: Path | None = None
    _config: Config | None = None
    quiet: bool = False

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            discovered = self.config_path is None and not os.environ.get("AICOST_CONFIG")
            if discovered and self._config.path is not None and not self.quiet and chatty():
                # a file found in the working or app dir changes the results: say which
                # (to a person at a terminal; scripts and cron get a clean stderr)
                print(f"aicost: using config {self._config.path}", file=sys.stderr)
        return self._config

    def db_path(self) -> Path:
        return resolve_db_path(self.db, self.config().db_path)


STATE = State()


def chatty() -> bool:
    """Notes for a person (which config was found) go to stderr only when it is a terminal."""
    return sys.stderr.isatty()


def fail(message: str, hint: str | None = None) -> None:
    print(f"aicost: error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AicostError as err:
            fail(err.message, err.hint)
            raise typer.Exit(int(exit_code_for(err))) from None
        except Exception as exc:
            if type(exc).__module__.split(".")[0] != "duckdb":
                raise
            # a database error no module anticipated: one line, never a traceback
            text = str(exc).strip().splitlines()
            fail(
                f"database error: {text[0] if text else type(exc).__name__}",
                "if this persists, run 'aicost db status' or report it",
            )
            raise typer.Exit(int(ExitCode.DATABASE)) from None
        except KeyboardInterrupt:
            fail("interrupted; nothing was committed by the interrupted step")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None

    return wrapper


@contextmanager
def open_db(*, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store a command works on, closed when the command is done."""
    from aicost_cli import db  # lazy: `aicost --help` does not load duckdb

    con = db.connect(STATE.db_path(), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def output_stream(path: Path | None) -> Any:
    if path is None:
        yield sys.stdout
        return
    try:
        handle: TextIO = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputFileError(
            f"cannot write {path}: {exc.strerror}", hint="check the -o path"
        ) from None
    try:
        with handle:
            yield handle
    except OSError as exc:  # a failed write or flush, e.g. a full disk
        raise InputFileError(
            f"cannot write {path}: {exc.strerror or exc}", hint="check the -o path and free space"
        ) from None
