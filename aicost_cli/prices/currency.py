"""Currencies: the reporting currency and exchange rates the pricing model reads.

Every cost is reported in the config's ``currency``. Prices carry their own
``currency``; ``[exchange_rates]`` in the config says what one unit of
another currency is worth in the reporting one (``USD = "0.92"``: 1 USD =
0.92 EUR when ``currency = "EUR"``). ``int_operations_priced`` converts
prices and ``int_charges_allocatable`` the bill's AI charges exactly,
rounding half-even to 12 decimals. A cost is never relabelled: a build
refuses to run while ``prices`` or the landed bill holds a currency it cannot
convert.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aicost_cli.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from aicost_cli.config import Config


def bind_currency(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """(Re)create the temp tables the pricing model reads:
    ``cfg_settings(reporting_currency)`` (one row) and
    ``cfg_exchange_rates(currency, rate DECIMAL(38, 18))`` (one row per
    ``[exchange_rates]`` entry; may be empty). Values are bound as
    parameters, rates as exact decimal text."""
    con.execute("create or replace temp table cfg_settings (reporting_currency varchar not null)")
    con.execute("insert into cfg_settings values (?)", [config.currency])
    con.execute(
        "create or replace temp table cfg_exchange_rates "
        "(currency varchar not null, rate decimal(38, 18) not null)"
    )
    if config.exchange_rates:
        con.executemany(
            "insert into cfg_exchange_rates values (?, cast(? as decimal(38, 18)))",
            [[code, format(rate, "f")] for code, rate in sorted(config.exchange_rates.items())],
        )


def unconvertible_currencies(con: duckdb.DuckDBPyConnection, config: Config) -> list[str]:
    """Currencies of ``prices`` rows that are neither the reporting currency
    nor in ``[exchange_rates]``, sorted."""
    rows = con.execute("select distinct currency from prices order by currency").fetchall()
    return [
        code for (code,) in rows if code != config.currency and code not in config.exchange_rates
    ]


def unconvertible_bill_currencies(con: duckdb.DuckDBPyConnection, config: Config) -> list[str]:
    """Currencies of landed bill lines (``land_charges``) that are neither the
    reporting currency nor in ``[exchange_rates]``, sorted: the allocation
    converts the bill into the reporting currency."""
    rows = con.execute(
        "select distinct billing_currency from land_charges "
        "where billing_currency is not null order by billing_currency"
    ).fetchall()
    return [
        code for (code,) in rows if code != config.currency and code not in config.exchange_rates
    ]


def require_exchange_rates(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Raise :class:`ConfigError` when ``prices`` or the landed bill holds a
    currency the build could not convert to the reporting currency (see the
    module doc)."""
    for what, missing in (
        ("prices", unconvertible_currencies(con, config)),
        ("bill lines", unconvertible_bill_currencies(con, config)),
    ):
        if not missing:
            continue
        where = config.path if config.path is not None else Path("aicost.toml")
        codes = ", ".join(missing)
        lines = "  ".join(f'{code} = "<{config.currency} per 1 {code}>"' for code in missing)
        raise ConfigError(
            f"{what} in {codes} cannot be converted to the reporting currency "
            f"{config.currency}: {where} has no exchange rate for "
            + ("it" if len(missing) == 1 else "them"),
            hint=f"add to {where}:  [exchange_rates]  {lines}  "
            "(one entry per line under the table)",
        )
