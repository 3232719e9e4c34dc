"""Queries over the classified bill (the ``charges`` table), returned as Arrow."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

#: the reasons `billing unmapped` gives, in its `reason` column
REASON_NOT_MAPPED = "model not mapped"
REASON_NO_MODEL = "no model on the bill line"
REASON_NOT_RECOGNISED = "usage type not recognised"


def unmapped_charges(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """AI charges whose model could not be mapped to a model key, so that the
    allocation cannot match them to operations (they stay unallocated, never
    dropped).

    Columns: reason ('model not mapped': the bill names a model that neither
    the bundled map nor [billing.models] knows; 'no model on the bill line':
    a per-token line that names no model, e.g. a provider cost report not
    grouped by line item / description; 'usage type not recognised': an AI
    service line that mentions tokens but no grammar parsed), provider_key,
    ai_family, bill_model, usage_type (usage type, meter, SKU or line item as
    billed), charges (bill lines), billed_cost, effective_cost,
    billing_currency, first_day, last_day. One row per (reason, provider_key,
    ai_family, bill_model, usage_type, billing_currency); the largest billed
    cost first.
    """
    relation = con.sql(
        f"""
        with

        unmapped as (
            select
                case
                    when charges.bill_model is not null then '{REASON_NOT_MAPPED}'
                    when charges.ai_kind = 'tokens' then '{REASON_NO_MODEL}'
                    else '{REASON_NOT_RECOGNISED}'
                end as reason,
                charges.provider_key,
                charges.ai_family,
                charges.bill_model,
                charges.usage_type,
                charges.billed_cost,
                charges.effective_cost,
                charges.billing_currency,
                charges.day
            from charges
            where charges.is_ai
                and charges.model_key is null
                and (
                    charges.bill_model is not null
                    or charges.ai_kind = 'tokens'
                    or (charges.ai_kind = 'other_ai'
                        and regexp_matches(lower(coalesce(charges.usage_type, '')), 'token'))
                )
        ),

        final as (
            select
                unmapped.reason,
                unmapped.provider_key,
                unmapped.ai_family,
                unmapped.bill_model,
                unmapped.usage_type,
                count(*) as charges,
                sum(unmapped.billed_cost) as billed_cost,
                sum(unmapped.effective_cost) as effective_cost,
                unmapped.billing_currency,
                min(unmapped.day) as first_day,
                max(unmapped.day) as last_day
            from unmapped
            group by
                unmapped.reason,
                unmapped.provider_key,
                unmapped.ai_family,
                unmapped.bill_model,
                unmapped.usage_type,
                unmapped.billing_currency
        )

        select * from final
        order by
            final.billed_cost desc,
            final.provider_key nulls last,
            final.bill_model nulls last,
            final.usage_type nulls last,
            final.billing_currency
        """
    )
    assert relation is not None
    return relation.to_arrow_table()
