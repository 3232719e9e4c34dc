"""The effective-dated price catalog: bundled list prices, LiteLLM imports,
listing, and repricing of stored operations.

Money never passes through ``float``: the bundled CSV is cast by DuckDB to
``DECIMAL(18, 12)``, LiteLLM's JSON is parsed with ``parse_float=Decimal``,
and costs are computed in SQL (``sql/intermediate/int_operations_priced.sql``).

Keys. Bundled rows use canonical bare keys (``claude-sonnet-4-5``, ``gpt-4o``,
``amazon.nova-pro``) -- what ``aicost_model_key()`` (``sql/macros``) returns.
Imported LiteLLM rows keep LiteLLM's key *exactly* (``gemini/gemini-2.5-pro``,
``us.anthropic.claude-sonnet-4-5-20250929-v1:0``, ``gpt-4o``). Matching compares
an operation's raw model names and their normalised forms with ``model_key``
for equality; price keys themselves are never normalised. So an imported key
that is already canonical (``gpt-4o``) overrides the bundled row of that key,
and a provider-specific key (Bedrock regional, Azure, OpenRouter, ...) prices
exactly the operations that logged that very name. Many LiteLLM keys with
*different* prices normalise to one canonical key, so aliasing them would pick
one arbitrarily; we do not.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from aicost_cli import models
from aicost_cli.errors import InputFileError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

BUNDLED_STATE_KEY = "bundled_prices_sha256"
SERVICE_TIERS = ("standard", "batch", "flex", "priority")
RATE_SCALE = 12  # DECIMAL(18, 12): USD per token
RATE_TYPE = "DECIMAL(18, 12)"
IMPORT_DEFAULT_FROM = date(1970, 1, 1)

RATE_COLUMNS = (
    "input_per_token",
    "output_per_token",
    "cache_read_per_token",
    "cache_write_5m_per_token",
    "cache_write_1h_per_token",
    "reasoning_per_token",
    "per_request",
)

_PRICES_COLUMNS = (
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


# --------------------------------------------------------------------------
# helpers


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the caller has a transaction open on ``con``.

    In auto-commit mode every statement gets a new transaction id; inside an
    explicit transaction they share one. (Trying ``begin`` instead would abort
    the caller's transaction in DuckDB.)"""
    query = "select current_transaction_id()"
    first = con.execute(query).fetchall()
    second = con.execute(query).fetchall()
    return first == second


@contextlib.contextmanager
def _atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Our own transaction, or the caller's when one is already open."""
    if _in_transaction(con):
        yield
        return
    from aicost_cli import db  # lazy: `aicost --help` does not load duckdb

    with db.transaction(con):
        yield


def _bundled_csv() -> Traversable:
    return resources.files("aicost_cli") / "data" / "prices.csv"


def bundled_sha256() -> str:
    """sha256 of the bundled ``aicost_cli/data/prices.csv``."""
    return hashlib.sha256(_bundled_csv().read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# bundled catalog


def ensure_bundled(con: duckdb.DuckDBPyConnection) -> bool:
    """Load the bundled list prices into ``prices`` if they changed.

    Compares the bundled CSV's sha256 with ``catalog_state``
    (``bundled_prices_sha256``); when they differ, replaces every
    ``origin = 'bundled'`` row. Returns True when it changed anything.
    Imported rows are never touched. Stored operations are not repriced:
    call :func:`reprice` afterwards if this returns True.
    """
    digest = bundled_sha256()
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
    stored = con.execute(
        "select value from catalog_state where name = ?", [BUNDLED_STATE_KEY]
    ).fetchall()
    if stored and stored[0][0] == digest:
        return False
    columns_spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _CSV_COLUMNS.items()) + "}"
    with resources.as_file(_bundled_csv()) as csv_path, _atomic(con):
        con.execute("delete from prices where origin = 'bundled'")
        con.execute(
            f"""
            insert into prices ({_PRICES_COLUMNS})
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


# --------------------------------------------------------------------------
# LiteLLM import


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

#: one rate: (rate column, threshold_tokens, service_tier) -> USD
_Rates = dict[tuple[str, int, str], Decimal]


class _SkipEntry(Exception):
    """An entry of the LiteLLM file that cannot be imported (the reason)."""


def _as_rate(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _SkipEntry("a price is not a number")
    # parse_float=Decimal gives Decimals; ints stay ints; a float (only if a caller
    # passes parsed JSON) goes through repr so 3e-06 becomes exactly 0.000003.
    rate = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not rate.is_finite() or rate < 0:
        raise _SkipEntry("a price is negative or not finite")
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_SCALE:
        raise _SkipEntry("a price is finer than 1e-12 USD")
    if rate >= Decimal(10) ** (18 - RATE_SCALE):
        raise _SkipEntry("a price is over 1,000,000 USD per unit")
    return rate


def litellm_rates(entry: Mapping[str, object]) -> tuple[_Rates, Decimal | None]:
    """The per-token rates LiteLLM states for one model entry, keyed by
    (rate column, threshold_tokens, service_tier), and its per-request price.
    ``_above_200k_tokens`` -> threshold 200000; base rates have threshold 0;
    ``_batches`` -> batch. Other keys (audio, image, ``_above_12hr``, ...) are
    ignored. Raises :class:`_SkipEntry` for an entry with bad numbers."""
    rates: _Rates = {}
    for key, value in entry.items():
        match = _LITELLM_KEY.match(key)
        if match is None:
            continue
        rate = _as_rate(value)
        if rate is None:
            continue
        n = match.group("n")
        threshold = int(n) * (1000 if match.group("unit") == "k" else 1_000_000) if n else 0
        column = _LITELLM_CLASS[match.group("base")]
        rates[(column, threshold, _LITELLM_TIER[match.group("tier")])] = rate
    per_request = next(
        (r for r in (_as_rate(entry.get(k)) for k in _LITELLM_PER_REQUEST) if r is not None),
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
    back to the input rate in the pricing model).
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

    Rows get ``origin = 'imported'``, ``model_key`` = LiteLLM's key exactly
    (see the module docstring), ``effective_from`` = the given date or
    1970-01-01 (all history). Importing again replaces the imported rows with
    the same (model_key, service_tier, threshold_tokens, effective_from), so
    re-importing a file is idempotent. Stored operations are not repriced:
    call :func:`reprice` afterwards.
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
        with _atomic(con):
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
                insert into prices ({_PRICES_COLUMNS})
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


# --------------------------------------------------------------------------
# reports over the catalog


def list_prices(con: duckdb.DuckDBPyConnection, model: str | None = None) -> pa.Table:
    """Price rows that are (or were) in effect, per million tokens.

    Columns: model_key, provider, service_tier, threshold_tokens,
    effective_from, effective_to (NULL = open), currency, input_per_mtok,
    output_per_mtok, cache_read_per_mtok, cache_write_5m_per_mtok,
    cache_write_1h_per_mtok, reasoning_per_mtok (DECIMAL(24, 6), exact),
    per_request (DECIMAL(18, 12)), origin, source, price_id.
    ``model`` keeps rows whose key equals it or its normalised form.
    Bundled rows hidden by an import are not listed.
    """
    models.load_macros(con)
    models.create_views(con, ["int_prices_effective"])
    per_mtok = ",\n".join(
        f"cast(prices.{name} * cast(1000000 as decimal(7, 0)) as decimal(24, 6))"
        f" as {name.removesuffix('_per_token')}_per_mtok"
        for name in RATE_COLUMNS[:-1]
    )
    relation = con.sql(
        f"""
        select
            prices.model_key,
            prices.provider,
            prices.service_tier,
            prices.threshold_tokens,
            prices.effective_from,
            prices.effective_to,
            prices.currency,
            {per_mtok},
            prices.per_request,
            prices.origin,
            prices.source,
            prices.price_id
        from int_prices_effective as prices
        where cast(? as varchar) is null
           or prices.model_key = ?
           or prices.model_key = aicost_model_key(?)
        order by
            prices.model_key,
            list_position(['standard', 'batch', 'flex', 'priority'], prices.service_tier),
            prices.service_tier,
            prices.threshold_tokens,
            prices.effective_from
        """,
        params=[model, model, model],
    )
    assert relation is not None
    return relation.to_arrow_table()


def missing_prices(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Billable operations no price matched, by (provider, model).

    Columns: provider, model, model_key (the normalised name a price row
    would need), operations, first_seen, last_seen, input_tokens (all prompt
    classes: uncached + cache read + cache writes), output_tokens.
    Most operations first.
    """
    relation = con.sql(
        """
        select
            provider,
            model,
            min(model_key) as model_key,
            count(*) as operations,
            min(started_at) as first_seen,
            max(started_at) as last_seen,
            cast(sum(input_tokens + cache_read_tokens + cache_write_5m_tokens
                + cache_write_1h_tokens) as bigint) as input_tokens,
            cast(sum(output_tokens) as bigint) as output_tokens
        from operations
        where is_model_call and pricing_status = 'unpriced'
        group by provider, model
        order by operations desc, provider nulls last, model nulls last
        """
    )
    assert relation is not None
    return relation.to_arrow_table()


# --------------------------------------------------------------------------
# repricing


def import_and_reprice(
    con: duckdb.DuckDBPyConnection, path: Path, effective_from: date | None = None
) -> tuple[ImportResult, int]:
    """``aicost prices import``: import a LiteLLM price file and re-price every
    stored operation, all in one transaction. Returns the import result and
    the number of operations whose pricing changed."""
    with _atomic(con):
        sync_bundled(con)
        result = import_litellm(con, path, effective_from)
        return result, reprice(con)


def sync_bundled(con: duckdb.DuckDBPyConnection) -> bool:
    """Load changed bundled prices and re-price stored operations, in one
    transaction (a run killed in between must not leave new prices next to
    costs computed with the old ones: the digest would hide it forever).
    Returns True when the bundled catalog changed."""
    with _atomic(con):
        changed = ensure_bundled(con)
        if changed:
            reprice(con)
    return changed


def reprice(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute model_key, price_id, pricing_status and estimated_cost of
    every stored operation from the current ``prices``.

    Uses the same model the ingest uses (``int_operations_priced``) over a
    temp view ``operations_to_price`` on ``operations`` (replaced, then
    dropped: do not call this while an ingest has its own
    ``operations_to_price`` defined on the same connection). One set-based
    UPDATE joined on (source_format, operation_id). Returns the number of
    operations whose pricing changed.
    """
    models.load_macros(con)
    with _atomic(con):
        con.execute(
            "create or replace temp view operations_to_price as "
            "select * exclude (model_key, price_id, pricing_status, estimated_cost) "
            "from operations"
        )
        models.create_views(con, ["int_prices_effective", "int_operations_priced"])
        con.execute(
            """
            create or replace temp table _aicost_repriced as
            select source_format, operation_id, model_key, price_id, pricing_status,
                   estimated_cost
            from int_operations_priced
            """
        )
        result = con.execute(
            """
            update operations
            set model_key = repriced.model_key,
                price_id = repriced.price_id,
                pricing_status = repriced.pricing_status,
                estimated_cost = repriced.estimated_cost
            from _aicost_repriced as repriced
            where operations.source_format = repriced.source_format
              and operations.operation_id = repriced.operation_id
              and (
                  operations.model_key is distinct from repriced.model_key
                  or operations.price_id is distinct from repriced.price_id
                  or operations.pricing_status is distinct from repriced.pricing_status
                  or operations.estimated_cost is distinct from repriced.estimated_cost
              )
            """
        ).fetchall()
        con.execute("drop table _aicost_repriced")
        con.execute("drop view operations_to_price")
    return int(result[0][0]) if result else 0
