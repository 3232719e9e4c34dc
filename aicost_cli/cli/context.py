"""What every command needs: the resolved config and DB path, and the error
decorator that turns AicostError into one line on stderr and an exit code."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TextIO, TypeVar

import typer

from aicost_cli.config import Config, load_config
from aicost_cli.errors import AicostError, ExitCode, InputFileError, exit_code_for, redact
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


class _Interrupt:
    """Whether Ctrl-C (SIGINT) was pressed during the command. DuckDB turns
    a SIGINT during a query into its own InterruptException, which aicost may
    wrap as a DatabaseError: the flag makes any of them exit 130."""

    seen = False

    @classmethod
    def handler(cls, signum: int, frame: object) -> None:
        cls.seen = True
        raise KeyboardInterrupt

    @classmethod
    def install(cls) -> Any:
        """Set the handler; returns the previous one (None: not installed)."""
        cls.seen = False
        try:
            return signal.signal(signal.SIGINT, cls.handler)
        except ValueError:  # not the main thread (an embedding application)
            return None

    @staticmethod
    def restore(previous: Any) -> None:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _interrupted() -> typer.Exit:
    fail("interrupted; nothing was committed by the interrupted step")
    return typer.Exit(int(ExitCode.INTERRUPTED))


def _is_duckdb_error(exc: BaseException) -> bool:
    duckdb = sys.modules.get("duckdb")  # loaded only by commands that use it
    return duckdb is not None and isinstance(exc, duckdb.Error)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        previous = _Interrupt.install()
        try:
            return func(*args, **kwargs)
        except AicostError as err:
            if _Interrupt.seen:
                raise _interrupted() from None
            fail(err.message, err.hint)
            raise typer.Exit(int(exit_code_for(err))) from None
        except Exception as exc:
            if _Interrupt.seen or type(exc).__name__ == "InterruptException":
                raise _interrupted() from None
            if not _is_duckdb_error(exc):
                raise
            # a database error no module anticipated: one line, never a traceback
            text = str(exc).strip().splitlines()
            fail(
                redact(f"database error: {text[0] if text else type(exc).__name__}"),
                "if this persists, run 'aicost db status' or report it",
            )
            raise typer.Exit(int(ExitCode.DATABASE)) from None
        except KeyboardInterrupt:
            raise _interrupted() from None
        finally:
            _Interrupt.restore(previous)

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


@contextmanager
def open_current_db() -> Iterator[duckdb.DuckDBPyConnection]:
    """The store, read-only, with current derived tables, for a command that
    reads them: the staleness check runs on the connection the command then
    uses (a second open of the store cost as much as a small report's query);
    only a stale store is closed, rebuilt (see rebuild_if_stale) and opened
    again."""
    from aicost_cli import build, db  # lazy: `aicost --help` does not load duckdb

    path = STATE.db_path()
    con = db.connect(path, read_only=True)
    try:
        if build.stale_reason(con, STATE.config()) is not None:
            con.close()
            rebuild_if_stale()
            con = db.connect(path, read_only=True)
        yield con
    finally:
        con.close()


def rebuild_if_stale() -> None:
    """Before a command that reads the built tables: rebuild first when the
    config, the catalog or aicost changed since the last build, saying so on
    stderr (the command then reads current data)."""
    from aicost_cli import build  # lazy: `aicost --help` does not load duckdb

    result = build.ensure_current(STATE.db_path(), STATE.config())
    if result is not None:
        print(
            f"aicost: rebuilt {result.days_rebuilt:,} day(s) of derived data first "
            f"({result.reason})",
            file=sys.stderr,
        )
