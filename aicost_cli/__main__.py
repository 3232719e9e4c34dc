"""Console script entry point (``aicost``) and ``python -m aicost_cli``."""

from __future__ import annotations


def main() -> None:
    from aicost_cli.cli import run

    run()


if __name__ == "__main__":
    main()
