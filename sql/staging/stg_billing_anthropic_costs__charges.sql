-- stg_billing_anthropic_costs__charges
-- Purpose: Anthropic Admin API cost_report results (saved pages) as canonical
--          charges, with a quarantine reason. Mapping: docs/billing-formats.md.
-- Grain:   one row per result of a current bucket (a re-fetched bucket replaces
--          its earlier copies at read time).
-- Key:     charge_id = 'anthropic-costs:' || sha256([partition_key, source_file, source_row]).
-- Partition: 'anthropic-costs|organization|<bucket day, UTC>': a re-fetched page of
--          the same days replaces those days. The report does not name the
--          organization, so every Anthropic cost file is taken as one organization's.
-- materialized: view
-- reads: raw_billing_anthropic_costs
--
-- amount is a decimal string in CENTS (the lowest currency unit): billed_cost =
-- amount / 100, exactly (DECIMAL multiplication by 0.01; DuckDB's DECIMAL division
-- would go through DOUBLE). "123.78912" USD is $1.2378912. A number instead of a
-- string, or an exponent ("1.5e3"), is read as its own digits too.
-- effective_cost = billed_cost; list_cost is unknown (NULL, not 0).
-- sub_account_id = workspace_id (NULL: the default workspace).

with

raw_billing_anthropic_costs_rows as (
    select * from raw_billing_anthropic_costs
),

parsed as (
    select
        raw_billing_anthropic_costs_rows.*,
        aicost_bill_ts(raw_billing_anthropic_costs_rows.bucket_start) as bucket_start_at,
        aicost_bill_ts(raw_billing_anthropic_costs_rows.bucket_end) as bucket_end_at,
        try_cast(trim(aicost_bill_text(raw_billing_anthropic_costs_rows.amount)) as decimal(38, 14))
            as amount_cents,
        case
            when regexp_matches(trim(aicost_bill_text(raw_billing_anthropic_costs_rows.currency)),
                '^[A-Za-z]{3}$')
                then upper(trim(raw_billing_anthropic_costs_rows.currency))
            else aicost_bill_text(raw_billing_anthropic_costs_rows.currency)
        end as billing_currency_code
    from raw_billing_anthropic_costs_rows
),

converted as (
    select
        parsed.*,
        cast(parsed.amount_cents * 0.01 as decimal(38, 12)) as amount_dollars,
        'anthropic-costs|organization|' || strftime(parsed.bucket_start_at, '%Y-%m-%d')
            as partition_key
    from parsed
),

final as (
    select
        'anthropic-costs:' || sha256(to_json([
            converted.partition_key, converted.source_file, converted.source_row::varchar
        ])) as charge_id,
        'anthropic-costs' as billing_source,
        converted.partition_key,
        cast(null as varchar) as billing_account_id,
        cast(null as varchar) as billing_account_name,
        aicost_bill_text(converted.workspace_id) as sub_account_id,
        cast(null as varchar) as sub_account_name,
        date_trunc('month', converted.bucket_start_at) as billing_period_start,
        date_trunc('month', converted.bucket_start_at) + interval 1 month as billing_period_end,
        converted.bucket_start_at as charge_period_start,
        converted.bucket_end_at as charge_period_end,
        'Anthropic' as provider,
        'Anthropic' as publisher,
        cast(null as varchar) as invoice_issuer,
        cast(null as varchar) as invoice_id,
        'Usage' as charge_category,
        cast(null as varchar) as charge_class,
        'Usage-Based' as charge_frequency,
        aicost_bill_text(converted.description) as charge_description,
        cast(null as varchar) as pricing_category,
        converted.amount_dollars as billed_cost,
        converted.amount_dollars as effective_cost,
        cast(null as decimal(38, 12)) as list_cost,
        cast(null as decimal(38, 12)) as contracted_cost,
        converted.billing_currency_code as billing_currency,
        cast(null as decimal(38, 18)) as list_unit_price,
        cast(null as decimal(38, 18)) as contracted_unit_price,
        'Claude API' as service_name,
        'AI and Machine Learning' as service_category,
        'Generative AI' as service_subcategory,
        cast(null as varchar) as sku_id,
        cast(null as varchar) as sku_price_id,
        aicost_bill_text(converted.description) as sku_meter,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as resource_name,
        cast(null as varchar) as resource_type,
        cast(null as varchar) as region_id,
        cast(null as varchar) as availability_zone,
        cast(null as decimal(38, 12)) as consumed_quantity,
        cast(null as varchar) as consumed_unit,
        cast(null as decimal(38, 12)) as pricing_quantity,
        cast(null as varchar) as pricing_unit,
        cast(null as varchar) as commitment_discount_id,
        cast(null as varchar) as commitment_discount_type,
        cast(null as varchar) as commitment_discount_status,
        cast(null as varchar) as commitment_discount_category,
        cast(null as varchar) as allocated_method_id,
        cast(null as varchar) as allocated_resource_id,
        cast(null as map(varchar, varchar)) as tags,
        aicost_bill_compact([
            {'key': 'x_cost_type', 'value': aicost_bill_text(converted.cost_type)},
            {'key': 'x_token_type', 'value': aicost_bill_text(converted.token_type)},
            {'key': 'x_model', 'value': aicost_bill_text(converted.model)},
            {'key': 'x_service_tier', 'value': aicost_bill_text(converted.service_tier)},
            {'key': 'x_context_window', 'value': aicost_bill_text(converted.context_window)},
            {'key': 'x_inference_geo', 'value': aicost_bill_text(converted.inference_geo)},
            {'key': 'x_workspace_id', 'value': aicost_bill_text(converted.workspace_id)},
            {'key': 'x_amount_cents', 'value': trim(aicost_bill_text(converted.amount))},
            {'key': 'x_page', 'value': converted.page_no::varchar}
        ]) as extras,
        converted.source_file,
        converted.source_row,
        cast(null as bigint) as ingest_run_id,
        coalesce(
            converted.read_problem,
            aicost_bill_ts_problem('starting_at', converted.bucket_start, true),
            aicost_bill_ts_problem('ending_at', converted.bucket_end, false),
            aicost_bill_decimal_problem('amount', converted.amount, converted.amount_cents, true),
            case when converted.billing_currency_code is null then 'currency is missing' end
        ) as quarantine_reason
    from converted
)

select * from final
