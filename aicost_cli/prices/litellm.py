"""Import LiteLLM's ``model_prices_and_context_window.json`` into ``prices``.

The JSON is parsed with ``parse_float=Decimal``: a price never passes through
``float``. Rows keep LiteLLM's key exactly (see :mod:`aicost_cli.prices`).

Plausibility: LiteLLM states prices in USD *per token*. A per-million price
written as per-token (3 instead of 3e-06, the classic mistake) would inflate
every cost a million times, so a per-token rate above
:data:`MAX_PER_TOKEN_RATE` (0.01 USD per token = 10,000 USD per million
tokens, about 15x the dearest real rate in LiteLLM 1.109) refuses the whole
import (:class:`ImplausiblePriceError`, nothing is written). A per-request
price must fit the DECIMAL(18, 12) rate column (below 1,000,000). Entries
with a negative, non-numeric or finer-than-1e-12 price are skipped and
counted instead.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from aicost_cli.errors import InputFileError
from aicost_cli.prices.catalog import (
    PRICES_COLUMNS,
    RATE_COLUMNS,
    RATE_SCALE,
    SERVICE_TIERS,
    atomic,
)

if TYPE_CHECKING:
    import duckdb

IMPORT_DEFAULT_FROM = date(1970, 1, 1)

#: The highest per-token rate an import accepts (USD per token): 10,000 USD
#: per million tokens. Real rates are below 0.001 (o1-pro output: 0.0006).
MAX_PER_TOKEN_RATE = Decimal("0.01")
#: Every rate must be below this to fit the DECIMAL(18, 12) rate column.
RATE_LIMIT = Decimal(10) ** (18 - RATE_SCALE)


class ImplausiblePriceError(InputFileError):
    """A price file states a rate no real model has (or one the rate column
    cannot hold): the import is refused as a whole."""


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_litellm` did."""

    models_imported: int
    rows_imported: int
    #: entries not imported, by reason (``{"no per-token or per-request price": 812}``)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


_LITELLM_CLASS = {
    "input_cost_per_token": "input_per_token",
    "output_cost_per_token": "output_per_token",
    "cache_read_input_token_cost": "cache_read_per_token",
    "cache_creation_input_token_cost": "cache_write_5m_per_token",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h_per_token",
    "output_cost_per_reasoning_token": "reasoning_per_token",
}
_LITELLM_TIER = {None: "standard", "batches": "batch", "flex": "flex", "priority": "priority"}
_LITELLM_KEY = re.compile(
    r"^(?P<base>input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost(?:_above_1hr)?|output_cost_per_reasoning_token)"
    r"(?:_above_(?P<n>\d+)(?P<unit>[km])_tokens)?"
    r"(?:_(?P<tier>batches|flex|priority))?$"
)
_LITELLM_PER_REQUEST = ("input_cost_per_query", "input_cost_per_request")
_PER_MILLION_HINT = (
    "LiteLLM prices are USD per token: 3 USD per million tokens is 0.000003 (3e-06); "
    "divide per-million prices by 1,000,000. Nothing was imported"
)

#: one rate: (rate column, threshold_tokens, service_tier) -> USD
_Rates = dict[tuple[str, int, str], Decimal]


class _SkipEntry(Exception):
    """An entry of the LiteLLM file that cannot be imported (the reason)."""


def _as_rate(value: object, key: str, *, per_token: bool) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _SkipEntry("a price is not a number")
    # parse_float=Decimal gives Decimals; ints stay ints; a float (only if a caller
    # passes parsed JSON) goes through repr so 3e-06 becomes exactly 0.000003.
    rate = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not rate.is_finite() or rate < 0:
        raise _SkipEntry("a price is negative or not finite")
    if per_token and rate > MAX_PER_TOKEN_RATE:
        per_million = format((rate * 1_000_000).normalize(), ",f")
        raise ImplausiblePriceError(
            f"'{key}' = {value} USD per token ({per_million} USD per million tokens) is not "
            f"plausible: the limit is {MAX_PER_TOKEN_RATE} USD per token",
            hint=_PER_MILLION_HINT,
        )
    if rate >= RATE_LIMIT:
        raise ImplausiblePriceError(
            f"'{key}' = {value} USD does not fit the price column (below 1,000,000)",
            hint="check the price file. Nothing was imported",
        )
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_SCALE:
        raise _SkipEntry("a price is finer than 1e-12 USD")
    return rate


def litellm_rates(entry: Mapping[str, object]) -> tuple[_Rates, Decimal | None]:
    """The per-token rates LiteLLM states for one model entry, keyed by
    (rate column, threshold_tokens, service_tier), and its per-request price.
    ``_above_200k_tokens`` -> threshold 200000; base rates have threshold 0;
    ``_batches`` -> batch. Other keys (audio, image, ``_above_12hr``, ...) are
    ignored. Raises :class:`_SkipEntry` for an entry with bad numbers and
    :class:`ImplausiblePriceError` for a rate out of range."""
    rates: _Rates = {}
    for key, value in entry.items():
        match = _LITELLM_KEY.match(key)
        if match is None:
            continue
        rate = _as_rate(value, key, per_token=True)
        if rate is None:
            continue
        n = match.group("n")
        threshold = int(n) * (1000 if match.group("unit") == "k" else 1_000_000) if n else 0
        column = _LITELLM_CLASS[match.group("base")]
        rates[(column, threshold, _LITELLM_TIER[match.group("tier")])] = rate
    per_request = next(
        (
            r
            for r in (_as_rate(entry.get(k), k, per_token=False) for k in _LITELLM_PER_REQUEST)
            if r is not None
        ),
        None,
    )
    return rates, per_request


def litellm_entry_rows(entry: Mapping[str, object]) -> list[dict[str, object]]:
    """The price rows of one LiteLLM model entry, one per (service tier, threshold).

    A row exists for every tier that any price key mentions, times every
    long-context threshold any key mentions (plus 0). A rate missing for a
    (tier, threshold) is looked up the way LiteLLM's cost code does
    (``_get_cost_per_unit``): same threshold in the standard tier, then the
    tier's base rate, then the standard base rate. Exception: the reasoning
    rate is only taken from its exact key; otherwise it stays NULL and the
    pricing model bills reasoning at the row's output rate (thinking is
    output), so a batch or long-context row never inherits the standard
    reasoning rate. Rates absent everywhere stay NULL (cache read then falls
    back to the input rate in the pricing model, shown in pricing_basis).
    """
    rates, per_request = litellm_rates(entry)
    if not rates and per_request is None:
        return []
    tiers = {tier for _, _, tier in rates} or {"standard"}
    thresholds = {threshold for _, threshold, _ in rates} | {0}
    rows: list[dict[str, object]] = []
    for tier in sorted(tiers, key=SERVICE_TIERS.index):
        for threshold in sorted(thresholds):
            row: dict[str, object] = {"service_tier": tier, "threshold_tokens": threshold}
            for column in RATE_COLUMNS[:-1]:
                lookup = (
                    [(column, threshold, tier)]
                    if column == "reasoning_per_token"
                    else [
                        (column, threshold, tier),
                        (column, threshold, "standard"),
                        (column, 0, tier),
                        (column, 0, "standard"),
                    ]
                )
                row[column] = next((rates[k] for k in lookup if k in rates), None)
            row["per_request"] = per_request
            if threshold and all(row[c] == rows[-1][c] for c in RATE_COLUMNS):
                continue  # nothing changes above this threshold for this tier
            rows.append(row)
    return rows


def _read_litellm_file(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"price file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read price file {path}: {exc}") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"price file {path} is not JSON (line {exc.lineno}: {exc.msg})",
            hint="pass LiteLLM's model_prices_and_context_window.json",
        ) from None
    if not isinstance(data, dict):
        raise InputFileError(
            f"price file {path} is not a JSON object keyed by model name",
            hint="pass LiteLLM's model_prices_and_context_window.json",
        )
    return data


def import_litellm(
    con: duckdb.DuckDBPyConnection, path: Path, effective_from: date | None = None
) -> ImportResult:
    """Import LiteLLM's ``model_prices_and_context_window.json`` into ``prices``.

    Rows get ``origin = 'imported'``, ``currency = 'USD'``, ``model_key`` =
    LiteLLM's key exactly (see :mod:`aicost_cli.prices`), ``effective_from`` =
    the given date or 1970-01-01 (all history). Importing again replaces the
    imported rows with the same (model_key, service_tier, threshold_tokens,
    effective_from), so re-importing a file is idempotent. One transaction
    (or the caller's). An implausible rate anywhere in the file raises
    :class:`ImplausiblePriceError` before anything is written. Stored
    operations are not touched: the next build sees the changed catalog
    (:func:`aicost_cli.prices.import_and_rebuild` runs it).
    """
    import pyarrow as pa  # lazy: keeps `aicost --help` fast

    data = _read_litellm_file(path)
    start = datetime.combine(effective_from or IMPORT_DEFAULT_FROM, datetime.min.time())
    skipped: Counter[str] = Counter()
    columns: dict[str, list[object]] = {
        name: []
        for name in (
            "price_id",
            "model_key",
            "provider",
            "service_tier",
            "threshold_tokens",
            *RATE_COLUMNS,
            "source",
        )
    }
    imported_models = 0
    for model_key, entry in data.items():
        if model_key == "sample_spec":
            continue
        if not isinstance(entry, dict):
            skipped["entry is not an object"] += 1
            continue
        try:
            rows = litellm_entry_rows(entry)
        except _SkipEntry as exc:
            skipped[str(exc)] += 1
            continue
        except ImplausiblePriceError as exc:
            raise ImplausiblePriceError(
                f"price file {path}: model '{model_key}': {exc.message}", hint=exc.hint
            ) from None
        if not rows:
            skipped["no per-token or per-request price"] += 1
            continue
        imported_models += 1
        provider = entry.get("litellm_provider")
        url = entry.get("source")
        source = f"litellm import of {path.name}" + (
            f"; {url}" if isinstance(url, str) and url else ""
        )
        for row in rows:
            columns["price_id"].append(
                f"imported:{model_key}:{row['service_tier']}:{row['threshold_tokens']}"
                f":{start.date().isoformat()}"
            )
            columns["model_key"].append(model_key)
            columns["provider"].append(provider if isinstance(provider, str) else None)
            columns["source"].append(source)
            for name in ("service_tier", "threshold_tokens", *RATE_COLUMNS):
                columns[name].append(row[name])
    rate = pa.decimal128(18, RATE_SCALE)
    staged = pa.table(
        {
            "price_id": pa.array(columns["price_id"], pa.string()),
            "model_key": pa.array(columns["model_key"], pa.string()),
            "provider": pa.array(columns["provider"], pa.string()),
            "service_tier": pa.array(columns["service_tier"], pa.string()),
            "threshold_tokens": pa.array(columns["threshold_tokens"], pa.int64()),
            **{name: pa.array(columns[name], rate) for name in RATE_COLUMNS},
            "source": pa.array(columns["source"], pa.string()),
        }
    )
    view = "_aicost_litellm_import"
    con.register(view, staged)
    try:
        with atomic(con):
            con.execute(
                f"""
                delete from prices
                where origin = 'imported'
                  and effective_from = ?
                  and (model_key, service_tier, threshold_tokens) in (
                      select (model_key, service_tier, threshold_tokens) from {view}
                  )
                """,
                [start],
            )
            con.execute(
                f"""
                insert into prices ({PRICES_COLUMNS})
                select
                    price_id, model_key, provider, service_tier, threshold_tokens,
                    cast(? as timestamp),
                    {", ".join(RATE_COLUMNS)},
                    'USD', source, 'imported', cast(now() as timestamp)
                from {view}
                """,
                [start],
            )
    finally:
        con.unregister(view)
    return ImportResult(
        models_imported=imported_models,
        rows_imported=staged.num_rows,
        skipped=dict(sorted(skipped.items())),
    )
