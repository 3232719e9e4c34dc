"""Reports over the catalog and over how the stored operations were priced."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aicost_cli import models
from aicost_cli.prices.catalog import RATE_COLUMNS

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def list_prices(con: duckdb.DuckDBPyConnection, model: str | None = None) -> pa.Table:
    """Price rows that are (or were) in effect, per million tokens.

    Columns: model_key, provider, service_tier, threshold_tokens,
    effective_from, effective_to (NULL = open), currency, input_per_mtok,
    output_per_mtok, cache_read_per_mtok, cache_write_5m_per_mtok,
    cache_write_1h_per_mtok, reasoning_per_mtok (DECIMAL(24, 6), exact, in
    the row's currency), per_request (DECIMAL(18, 12)), origin, source,
    price_id. ``model`` keeps rows whose key equals it or its normalised form
    (a Bedrock regional inference profile's own key when the catalog has one).
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
           -- as the pricing resolves a name: a Bedrock regional profile's own key
           -- when the catalog has it, else the normalised key
           or prices.model_key = case
               when aicost_model_geo_key(?) in (select model_key from int_prices_effective)
                   then aicost_model_geo_key(?)
               else aicost_model_key(?)
           end
        order by
            prices.model_key,
            list_position(['standard', 'batch', 'flex', 'priority'], prices.service_tier),
            prices.service_tier,
            prices.threshold_tokens,
            prices.effective_from
        """,
        params=[model, model, model, model, model],
    )
    assert relation is not None
    return relation.to_arrow_table()


def missing_prices(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Billable operations no price matched, and those priced with a fallback.

    Columns: issue ('unpriced': no price matched, the cost is unknown;
    'fallback': priced, but some tokens at another rate than their own, see
    pricing_basis), provider, model (unpriced rows: the model as logged;
    fallback rows: NULL, they are per price key), model_key (unpriced: the
    normalised name a price row would need), pricing_basis (fallback rows:
    the fallbacks, e.g. 'tier:batch->standard'; NULL for unpriced),
    operations, first_seen, last_seen, input_tokens (all prompt classes:
    uncached + cache read + cache writes), output_tokens.

    Unpriced rows are per (provider, model); fallback rows per (provider,
    model_key, pricing_basis). Unpriced first, then most operations first.
    """
    relation = con.sql(
        """
        with

        flagged as (
            select
                case
                    when operations.pricing_status = 'unpriced' then 'unpriced'
                    else 'fallback'
                end as issue,
                operations.provider,
                operations.model,
                operations.model_key,
                operations.pricing_basis,
                operations.started_at,
                operations.input_tokens
                    + operations.cache_read_tokens
                    + operations.cache_write_5m_tokens
                    + operations.cache_write_1h_tokens as prompt_tokens,
                operations.output_tokens
            from operations
            where operations.is_model_call
                and (
                    operations.pricing_status = 'unpriced'
                    or (operations.pricing_status = 'priced'
                        and operations.pricing_basis <> 'exact')
                )
        ),

        grouped as (
            select
                flagged.issue,
                flagged.provider,
                case when flagged.issue = 'unpriced' then flagged.model end as model,
                case
                    when flagged.issue = 'unpriced' then min(flagged.model_key)
                    else any_value(flagged.model_key)
                end as model_key,
                flagged.pricing_basis,
                count(*) as operations,
                min(flagged.started_at) as first_seen,
                max(flagged.started_at) as last_seen,
                cast(sum(flagged.prompt_tokens) as bigint) as input_tokens,
                cast(sum(flagged.output_tokens) as bigint) as output_tokens
            from flagged
            group by
                flagged.issue,
                flagged.provider,
                case when flagged.issue = 'unpriced' then flagged.model end,
                case when flagged.issue = 'fallback' then flagged.model_key end,
                flagged.pricing_basis
        )

        select * from grouped
        order by
            grouped.issue = 'fallback',
            grouped.operations desc,
            grouped.provider nulls last,
            grouped.model nulls last,
            grouped.model_key nulls last,
            grouped.pricing_basis nulls last
        """
    )
    assert relation is not None
    return relation.to_arrow_table()
