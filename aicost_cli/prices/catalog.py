"""The ``prices`` table: its columns, the bundled list prices, and a digest of
its rows (the build rebuilds everything when the catalog changes)."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

BUNDLED_STATE_KEY = "bundled_prices_sha256"
SERVICE_TIERS = ("standard", "batch", "flex", "priority")
RATE_SCALE = 12  # DECIMAL(18, 12): currency units per token
RATE_TYPE = "DECIMAL(18, 12)"

RATE_COLUMNS = (
    "input_per_token",
    "output_per_token",
    "cache_read_per_token",
    "cache_write_5m_per_token",
    "cache_write_1h_per_token",
    "reasoning_per_token",
    "per_request",
)

PRICES_COLUMNS = (
    "price_id, model_key, provider, service_tier, threshold_tokens, effective_from, "
    + ", ".join(RATE_COLUMNS)
    + ", currency, source, origin, imported_at"
)

_CSV_COLUMNS: dict[str, str] = {
    "model_key": "VARCHAR",
    "provider": "VARCHAR",
    "service_tier": "VARCHAR",
    "threshold_tokens": "BIGINT",
    "effective_from": "DATE",
    **dict.fromkeys(RATE_COLUMNS, RATE_TYPE),
    "currency": "VARCHAR",
    "source": "VARCHAR",
}

#: The columns of ``prices`` that change a computed cost, a price_id or a
#: pricing decision (not provider, source, imported_at: re-importing the same
#: file leaves the digest as it was).
_DIGEST_COLUMNS = (
    "price_id, origin, model_key, service_tier, threshold_tokens, effective_from, "
    + ", ".join(RATE_COLUMNS)
    + ", currency"
)


@contextlib.contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Our own transaction, or the caller's when one is already open
    (:func:`aicost_cli.db.atomic`; imported lazily: `aicost --help` does not
    load duckdb)."""
    from aicost_cli import db

    with db.atomic(con):
        yield


def _bundled_csv() -> Traversable:
    return resources.files("aicost_cli") / "data" / "prices.csv"


def bundled_sha256() -> str:
    """sha256 of the bundled ``aicost_cli/data/prices.csv``."""
    return hashlib.sha256(_bundled_csv().read_bytes()).hexdigest()


def ensure_bundled(con: duckdb.DuckDBPyConnection) -> bool:
    """Load the bundled list prices into ``prices`` if they changed.

    Compares the bundled CSV's sha256 with ``catalog_state``
    (``bundled_prices_sha256``); when they differ, replaces every
    ``origin = 'bundled'`` row, in one transaction. Returns True when it
    changed anything. Imported rows are never touched. Stored operations are
    not touched either: the next build sees the changed :func:`prices_digest`
    and rebuilds them.
    """
    digest = bundled_sha256()
    # fetchall, not fetchone: DuckDB keeps a half-read result open on the connection.
    stored = con.execute(
        "select value from catalog_state where name = ?", [BUNDLED_STATE_KEY]
    ).fetchall()
    if stored and stored[0][0] == digest:
        return False
    columns_spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _CSV_COLUMNS.items()) + "}"
    with resources.as_file(_bundled_csv()) as csv_path, atomic(con):
        con.execute("delete from prices where origin = 'bundled'")
        con.execute(
            f"""
            insert into prices ({PRICES_COLUMNS})
            select
                'bundled:' || model_key || ':' || service_tier || ':' || threshold_tokens
                    || ':' || strftime(effective_from, '%Y-%m-%d'),
                model_key, provider, service_tier, threshold_tokens,
                cast(effective_from as timestamp),
                {", ".join(RATE_COLUMNS)},
                currency, source, 'bundled', cast(now() as timestamp)
            from read_csv(
                ?, header = true, delim = ',', quote = '"', escape = '"',
                auto_detect = false, columns = {columns_spec}
            )
            """,
            [str(csv_path)],
        )
        con.execute("delete from catalog_state where name = ?", [BUNDLED_STATE_KEY])
        con.execute("insert into catalog_state values (?, ?)", [BUNDLED_STATE_KEY, digest])
    return True


def prices_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A stable digest of every row of ``prices``: equal digests mean the
    same catalog, whatever the row order. ``<rows>:<md5>`` over the rows'
    text in price_id order; one scan of a table of a few thousand rows.

    Only the columns that change pricing count (see ``_DIGEST_COLUMNS``):
    re-importing an unchanged file gives the same digest. The row text is
    DuckDB's cast to VARCHAR: a DuckDB upgrade that prints a type differently
    costs one full rebuild, never a missed one.
    """
    row = con.execute(
        f"""
        select
            count(*),
            md5(coalesce(
                string_agg(
                    cast(row({_DIGEST_COLUMNS}) as varchar),
                    chr(10)
                    order by price_id, origin, cast(row({_DIGEST_COLUMNS}) as varchar)
                ),
                ''
            ))
        from prices
        """
    ).fetchall()
    count, digest = row[0]
    return f"{int(count)}:{digest}"
