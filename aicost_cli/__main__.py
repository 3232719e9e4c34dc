"""Console script entry point (``aicost``) and ``python -m aicost_cli``.

``aicost --version``, ``aicost [--db P] [--config C] db path`` and ``aicost
--help`` are answered here without loading the CLI toolkit (typer, click,
rich, pydantic): start-up is most of their cost, and scripts call them often.
Anything else, including any error on those paths, goes to the full CLI,
which says it properly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _fast(argv: list[str]) -> bool:
    """Answer ``--version`` or ``db path`` directly; True when done."""
    if argv == ["--version"]:
        from aicost_cli import __version__

        print(f"aicost {__version__}")
        return True
    if argv[-2:] != ["db", "path"]:
        return False
    options: dict[str, str] = {}
    rest = argv[:-2]
    while rest:
        name, _, value = rest[0].partition("=")
        if name not in ("--db", "--config") or name in options:
            return False
        if not value:
            if len(rest) < 2 or rest[1].startswith("-"):
                return False
            value, rest = rest[1], rest[2:]
        else:
            rest = rest[1:]
        options[name] = value
    from pathlib import Path

    from aicost_cli.config import load_config
    from aicost_cli.errors import AicostError
    from aicost_cli.paths import resolve_db_path

    try:
        config = load_config(Path(options["--config"]) if "--config" in options else None)
        path = resolve_db_path(Path(options["--db"]) if "--db" in options else None, config.db_path)
    except AicostError:
        return False  # the full CLI reports it, with its exit code
    print(path)
    return True


#: `aicost --help` as the full CLI prints it at 80 columns or more (click caps
#: help at 78), so that it needs no typer import. tests/test_cli_manners.py
#: checks it against the real one: when a root option or command changes,
#: paste the new `aicost --help` here.
ROOT_HELP = """\
Usage: aicost [OPTIONS] COMMAND [ARGS]...

  AI FinOps from the command line: load gateway logs into DuckDB and see what
  each feature, team and model costs per unit of work.

Options:
  --db <path>           DuckDB file to use (default: see 'aicost db path').
                        [env var: AICOST_DB]
  --config <file>       Config file (default: ./aicost.toml, then the per-user
                        one).  [env var: AICOST_CONFIG]
  --version             Show the version.
  -q, --quiet           Nothing on stderr but errors, for every command.
  --install-completion  Install completion for the current shell.
  --show-completion     Show completion for the current shell, to copy it or
                        customize the installation.
  -h, --help            Show this message and exit.

Commands:
  build    Rebuild attribution, prices, the operations table and the...
  demo     Ingest the bundled support-bot and research-agent story and...
  ingest   Load logs and billing exports into the aicost database.
  report   Reports over the ingested operations.
  db       Inspect the aicost database.
  prices   Model prices used to estimate cost.
  billing  The loaded bill: how aicost classified and allocated it.
"""


def _fast_help(argv: list[str]) -> bool:
    """Print the root help without loading the CLI, when it would look the same."""
    import os
    import shutil

    if argv not in (["--help"], ["-h"]) or os.path.basename(sys.argv[0]) != "aicost":
        return False
    if shutil.get_terminal_size().columns < 80:
        return False  # click wraps narrower: let it
    sys.stdout.write(ROOT_HELP)
    return True


def _load_cli() -> Callable[[], None]:
    """Import the CLI and the C extensions every command uses (DuckDB,
    pyarrow) with Ctrl-C deferred: a KeyboardInterrupt raised inside a C
    extension's initialisation can abort the interpreter (exit -2 or -6
    instead of 130). A Ctrl-C that came meanwhile is raised right after."""
    import signal

    pressed: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    except ValueError:  # not the main thread: nothing to defer
        previous = None
    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401

        from aicost_cli.cli import run

        # typer imports its parameter adapters (pydantic, pydantic_core: a C
        # extension) lazily, while parsing the command line: outside this
        # block a Ctrl-C then could abort the interpreter (CI saw exit -2)
        try:
            import typer._adapters  # noqa: F401
        except ImportError:  # another typer version: nothing imported late
            pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt
    return run


def _ignore_late_interrupts() -> None:
    """Once the command's outcome is decided, a Ctrl-C must not change it:
    the interpreter's teardown (closing DuckDB, which may checkpoint) runs
    after Python has put SIGINT back to the default action, and a Ctrl-C
    then killed the process (exit -2, no message) after a finished ingest.
    Ignored now, the exit code stays the command's own."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread (an embedding application)
        pass


def main() -> None:
    try:
        if _fast(sys.argv[1:]) or _fast_help(sys.argv[1:]):
            return
        run = _load_cli()
        run()
    except KeyboardInterrupt:
        # Ctrl-C while the CLI is still loading or typer is still building its
        # commands (outside every command's own handler, cli/context.py): the
        # documented exit code and one line, never the interpreter's -2
        print("aicost: error: interrupted; nothing was committed", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        _ignore_late_interrupts()


if __name__ == "__main__":
    main()
