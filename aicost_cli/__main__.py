"""Console script entry point (``aicost``) and ``python -m aicost_cli``.

``aicost --version`` and ``aicost [--db P] [--config C] db path`` are answered
here without loading the CLI toolkit (typer, click, rich, pydantic): start-up
is most of their cost, and scripts call them often. Anything else, including
any error on those paths, goes to the full CLI, which says it properly.
"""

from __future__ import annotations

import sys


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


def main() -> None:
    if _fast(sys.argv[1:]):
        return
    from aicost_cli.cli import run

    run()


if __name__ == "__main__":
    main()
