-- stg_billing_openai_costs__charges
-- Purpose: OpenAI Organization Costs API results (saved pages) as canonical
--          charges, with a quarantine reason. Mapping: docs/billing-formats.md.
-- Grain:   one row per result of a current bucket (a re-fetched bucket replaces
--          its earlier copies at read time).
-- Key:     charge_id = 'openai-costs:' || sha256([partition_key, source_file, source_row]).
-- Partition: 'openai-costs|organization|<bucket day, UTC>': a re-fetched page of the
--          same days replaces those days. The API's response does not name the
--          organization, so every OpenAI cost file is taken as one organization's.
-- materialized: view
-- reads: raw_billing_openai_costs
--
-- amount.value arrives as its own digits (see billing/formats/cost_pages.py) and
-- is parsed into DECIMAL(38, 12). The currency is upper-cased ('usd' -> 'USD').
-- A provider cost report states what was billed: effective_cost = billed_cost =
-- the amount; list_cost is unknown (NULL, not 0). line_item ('gpt-4o-2024-08-06,
-- input') is classified later (model, token class); it is kept in sku_meter and
-- extras x_line_item.

with

raw_billing_openai_costs_rows as (
    select * from raw_billing_openai_costs
),

parsed as (
    select
        raw_billing_openai_costs_rows.*,
        case
            when regexp_matches(trim(raw_billing_openai_costs_rows.bucket_start), '^\d+$')
                then make_timestamp(
                    try_cast(trim(raw_billing_openai_costs_rows.bucket_start) as bigint) * 1000000
                )
            else aicost_bill_ts(raw_billing_openai_costs_rows.bucket_start)
        end as bucket_start_at,
        case
            when regexp_matches(trim(raw_billing_openai_costs_rows.bucket_end), '^\d+$')
                then make_timestamp(
                    try_cast(trim(raw_billing_openai_costs_rows.bucket_end) as bigint) * 1000000
                )
            else aicost_bill_ts(raw_billing_openai_costs_rows.bucket_end)
        end as bucket_end_at,
        aicost_bill_money(raw_billing_openai_costs_rows.amount_value) as amount,
        aicost_bill_money(raw_billing_openai_costs_rows.quantity) as parsed_quantity,
        case
            when regexp_matches(trim(aicost_bill_text(raw_billing_openai_costs_rows.amount_currency)),
                '^[A-Za-z]{3}$')
                then upper(trim(raw_billing_openai_costs_rows.amount_currency))
            else aicost_bill_text(raw_billing_openai_costs_rows.amount_currency)
        end as currency
    from raw_billing_openai_costs_rows
),

keyed as (
    select
        parsed.*,
        'openai-costs|organization|' || strftime(parsed.bucket_start_at, '%Y-%m-%d')
            as partition_key
    from parsed
),

final as (
    select
        'openai-costs:' || sha256(to_json([
            keyed.partition_key, keyed.source_file, keyed.source_row::varchar
        ])) as charge_id,
        'openai-costs' as billing_source,
        keyed.partition_key,
        cast(null as varchar) as billing_account_id,
        cast(null as varchar) as billing_account_name,
        aicost_bill_text(keyed.project_id) as sub_account_id,
        aicost_bill_text(keyed.project_name) as sub_account_name,
        date_trunc('month', keyed.bucket_start_at) as billing_period_start,
        date_trunc('month', keyed.bucket_start_at) + interval 1 month as billing_period_end,
        keyed.bucket_start_at as charge_period_start,
        keyed.bucket_end_at as charge_period_end,
        'OpenAI' as provider,
        'OpenAI' as publisher,
        cast(null as varchar) as invoice_issuer,
        cast(null as varchar) as invoice_id,
        'Usage' as charge_category,
        cast(null as varchar) as charge_class,
        'Usage-Based' as charge_frequency,
        aicost_bill_text(keyed.line_item) as charge_description,
        cast(null as varchar) as pricing_category,
        keyed.amount as billed_cost,
        keyed.amount as effective_cost,
        cast(null as decimal(38, 12)) as list_cost,
        cast(null as decimal(38, 12)) as contracted_cost,
        keyed.currency as billing_currency,
        cast(null as decimal(38, 18)) as list_unit_price,
        cast(null as decimal(38, 18)) as contracted_unit_price,
        'OpenAI API' as service_name,
        'AI and Machine Learning' as service_category,
        'Generative AI' as service_subcategory,
        cast(null as varchar) as sku_id,
        cast(null as varchar) as sku_price_id,
        aicost_bill_text(keyed.line_item) as sku_meter,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as resource_name,
        cast(null as varchar) as resource_type,
        cast(null as varchar) as region_id,
        cast(null as varchar) as availability_zone,
        keyed.parsed_quantity as consumed_quantity,
        aicost_bill_text(keyed.quantity_unit) as consumed_unit,
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
            {'key': 'x_line_item', 'value': aicost_bill_text(keyed.line_item)},
            {'key': 'x_api_key_id', 'value': aicost_bill_text(keyed.api_key_id)},
            {'key': 'x_page', 'value': keyed.page_no::varchar}
        ]) as extras,
        keyed.source_file,
        keyed.source_row,
        cast(null as bigint) as ingest_run_id,
        coalesce(
            keyed.read_problem,
            case
                when aicost_bill_text(keyed.bucket_start) is null then 'start_time is missing'
                when keyed.bucket_start_at is null
                    or keyed.bucket_start_at < timestamp '2000-01-01'
                    or keyed.bucket_start_at >= timestamp '2100-01-01'
                    then 'start_time is not a timestamp: ' || left(keyed.bucket_start, 60)
            end,
            case
                when aicost_bill_text(keyed.bucket_end) is not null and keyed.bucket_end_at is null
                    then 'end_time is not a timestamp: ' || left(keyed.bucket_end, 60)
            end,
            aicost_bill_decimal_problem('amount.value', keyed.amount_value, keyed.amount, true),
            case when keyed.currency is null then 'amount.currency is missing' end,
            aicost_bill_decimal_problem('quantity', keyed.quantity, keyed.parsed_quantity, false)
        ) as quarantine_reason
    from keyed
)

select * from final
