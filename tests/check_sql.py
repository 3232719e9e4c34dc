"""Parse (never bind or run) every SQL file under sql/ with DuckDB's parser.

    python -m tests.check_sql [SQL_DIR]

``sql/macros/*.sql`` must hold only ``create [or replace] [temp] macro``
statements. Every other file is a model or report: one pure ``select`` that
the runner embeds in ``create view ... as`` or ``select count(*) from (...)``,
so it is also parsed in that position (which catches a trailing ``;``).
Prints ``file: error`` for each failing file and exits 1 if there was one.
Run by ``make lint``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
MACRO = re.compile(r"create\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?macro\b", re.IGNORECASE)


def one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def check_file(con: duckdb.DuckDBPyConnection, path: Path, macros: bool) -> list[str]:
    """The problems of one file (empty when it is fine)."""
    text = path.read_text(encoding="utf-8")
    try:
        statements = con.extract_statements(text)
    except duckdb.Error as error:
        return [one_line(error)]
    if not statements:
        return ["no SQL statement"]
    if macros:
        return [
            f"statement {n} is not a `create macro`: {' '.join(s.query.split())[:60]}"
            for n, s in enumerate(statements, 1)
            if s.type != duckdb.StatementType.CREATE or not MACRO.match(s.query.lstrip())
        ]
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        kinds = ", ".join(s.type.name.lower() for s in statements)
        return [f"a model is one pure select, found: {kinds}"]
    try:
        con.extract_statements(f"select count(*) from (\n{text}\n)")
    except duckdb.Error as error:
        return [f"does not parse as a subquery (a trailing ';'?): {one_line(error)}"]
    return []


def check(sql_dir: Path) -> list[str]:
    """``file: error`` lines for every SQL file under sql_dir that fails."""
    con = duckdb.connect()
    failures = []
    files = sorted(sql_dir.rglob("*.sql"))
    if not files:
        return [f"{sql_dir}: no .sql files"]
    for path in files:
        macros = path.relative_to(sql_dir).parts[0] == "macros"
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        failures += [f"{name}: {problem}" for problem in check_file(con, path, macros)]
    return failures


def main(argv: list[str]) -> int:
    sql_dir = Path(argv[0]).resolve() if argv else ROOT / "sql"
    failures = check(sql_dir)
    for line in failures:
        print(line)
    if not failures:
        print(f"{len(list(sql_dir.rglob('*.sql')))} SQL files parse")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
