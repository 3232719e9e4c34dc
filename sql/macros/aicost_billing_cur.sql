-- The AWS Cost and Usage Report transform shared by the staging models of
-- CUR 2.0 (stg_billing_cur2__charges) and legacy CUR (stg_billing_cur__charges).
-- Both readers (aicost_cli/billing/formats/cur2.py, cur.py) present the file as
-- the same raw columns, named as CUR 2.0 and Athena name them (snake_case,
-- `_a_r_n`), with a typed NULL for every column the export does not have:
-- text columns as varchar, the four maps (product, resource_tags,
-- cost_category, tags) as map(varchar, varchar), numbers and timestamps as
-- the file typed them (DOUBLE in parquet, text in CSV), cast here once, to
-- DECIMAL(38, 12) and UTC timestamps. Grain: one row per bill line read.

-- The file's types are known when the view is bound, so typeof() is a
-- constant and each macro folds to one branch: a parquet DOUBLE is cast to
-- DECIMAL directly (never through text), CSV text is trimmed and parsed.

-- A number of the file as exact money (NULL when empty or not a number).
create or replace temp macro aicost_cur_money(value) as (
    case
        when typeof(value) = 'VARCHAR'
            then try_cast(nullif(trim(cast(value as varchar)), '') as decimal(38, 12))
        else try_cast(value as decimal(38, 12))
    end
);

-- A unit price (DECIMAL(38, 18): CUR rates are quoted to 10 decimals and more).
create or replace temp macro aicost_cur_rate(value) as (
    case
        when typeof(value) = 'VARCHAR'
            then try_cast(nullif(trim(cast(value as varchar)), '') as decimal(38, 18))
        else try_cast(value as decimal(38, 18))
    end
);

-- Present in the file, but not a number (text, NaN, out of range): the row
-- is quarantined, never read as 0.
create or replace temp macro aicost_cur_not_number(value) as (
    case
        when typeof(value) = 'VARCHAR'
            then nullif(trim(cast(value as varchar)), '') is not null
            and try_cast(nullif(trim(cast(value as varchar)), '') as decimal(38, 12)) is null
        else value is not null and try_cast(value as decimal(38, 12)) is null
    end
);

-- A timestamp of the file (parquet TIMESTAMP, or text such as
-- 2023-11-01T00:00:00.000Z) as a UTC timestamp; NULL when it is not one.
create or replace temp macro aicost_cur_timestamp(value) as (
    case
        when typeof(value) = 'VARCHAR'
            then cast(
                try_cast(nullif(trim(cast(value as varchar)), '') as timestamptz) as timestamp
            )
        else try_cast(value as timestamp)
    end
);

-- A resource tag key as the bill names it -> the tag's own name: user tags
-- lose their source prefix (`user_team` in CUR 2.0 and legacy parquet,
-- `user:team` in the legacy CSV header and some CUR 2.0 exports); AWS tags
-- (`aws_created_by`, `aws:createdBy`) keep theirs.
create or replace temp macro aicost_cur_tag_key(tag_key) as (
    case
        when starts_with(tag_key, 'user_') or starts_with(tag_key, 'user:')
            then substr(tag_key, 6)
        else tag_key
    end
);

-- tags of a line: the resource tags (prefix rules above), each cost
-- category as `cost_category/<name>`, and the newer combined `tags` column
-- as given (`iamPrincipal/team`, ...). A key written twice (`user_team` and
-- `user:team` on one line) keeps the resource tags' keys as written.
create or replace temp macro aicost_cur_tags(resource_tags, cost_category, combined_tags) as (
    case
        when cardinality(coalesce(cost_category, map())) = 0
            and cardinality(coalesce(combined_tags, map())) = 0
            then coalesce(
                try(map(
                    list_transform(map_keys(resource_tags), lambda tag: aicost_cur_tag_key(tag)),
                    map_values(resource_tags)
                )),
                resource_tags
            )
        else map_concat(
            coalesce(combined_tags, map()),
            coalesce(
                try(map(
                    list_transform(map_keys(resource_tags), lambda tag: aicost_cur_tag_key(tag)),
                    map_values(resource_tags)
                )),
                resource_tags,
                map()
            ),
            coalesce(
                map_from_entries(list_transform(
                    map_entries(cost_category),
                    lambda category: {
                        'key': 'cost_category/' || category.key, 'value': category.value
                    }
                )),
                map()
            )
        )
    end
);

-- FOCUS ChargeCategory of a line item type.
create or replace temp macro aicost_cur_charge_category(line_item_type) as (
    case
        when line_item_type in (
            'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation'
        ) then 'Usage'
        when line_item_type in (
            'Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee'
        ) then 'Purchase'
        when line_item_type = 'Tax' then 'Tax'
        when line_item_type = 'Credit' then 'Credit'
        when line_item_type = 'Refund' then 'Adjustment'
        -- BundledDiscount, Discount, EdpDiscount, PrivateRateDiscount, SppDiscount, ...
        when ends_with(line_item_type, 'Discount') then 'Credit'
        else 'Adjustment'
    end
);

-- FOCUS ChargeFrequency of a line item type.
create or replace temp macro aicost_cur_charge_frequency(line_item_type) as (
    case
        when line_item_type in (
            'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation'
        ) then 'Usage-Based'
        when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
        when line_item_type in ('Fee', 'SavingsPlanUpfrontFee') then 'One-Time'
    end
);

-- The whole transform, over the raw relation named `raw_relation`, for
-- `billing_source` ('cur2' or 'cur'): exactly migrations.CHARGE_COLUMNS
-- (ingest_run_id NULL: the ingest sets it) plus quarantine_reason.
create or replace temp macro aicost_cur_charges(raw_relation, billing_source) as table
with

raw_lines as (
    select * from query_table(raw_relation)
),

typed as (
    select
        raw_lines.*,
        nullif(trim(raw_lines.line_item_line_item_type), '') as line_item_type,
        upper(nullif(trim(raw_lines.line_item_currency_code), '')) as currency,
        aicost_cur_money(raw_lines.line_item_unblended_cost) as unblended_cost,
        aicost_cur_money(raw_lines.line_item_net_unblended_cost) as net_unblended_cost,
        aicost_cur_money(raw_lines.pricing_public_on_demand_cost) as public_on_demand_cost,
        aicost_cur_money(raw_lines.line_item_usage_amount) as usage_amount,
        aicost_cur_money(raw_lines.savings_plan_savings_plan_effective_cost) as sp_effective,
        aicost_cur_money(raw_lines.savings_plan_net_savings_plan_effective_cost)
            as sp_net_effective,
        aicost_cur_money(raw_lines.savings_plan_total_commitment_to_date) as sp_commitment,
        aicost_cur_money(raw_lines.savings_plan_used_commitment) as sp_used,
        aicost_cur_money(raw_lines.reservation_effective_cost) as ri_effective,
        aicost_cur_money(raw_lines.reservation_net_effective_cost) as ri_net_effective,
        aicost_cur_money(raw_lines.reservation_unused_amortized_upfront_fee_for_billing_period)
            as ri_unused_upfront,
        aicost_cur_money(
            raw_lines.reservation_net_unused_amortized_upfront_fee_for_billing_period
        ) as ri_net_unused_upfront,
        aicost_cur_money(raw_lines.reservation_unused_recurring_fee) as ri_unused_recurring,
        aicost_cur_money(raw_lines.reservation_net_unused_recurring_fee)
            as ri_net_unused_recurring,
        coalesce(
            aicost_cur_timestamp(raw_lines.bill_billing_period_start_date),
            cast(try_strptime(raw_lines.path_billing_period || '-01', '%Y-%m-%d') as timestamp)
        ) as period_start,
        aicost_cur_timestamp(raw_lines.bill_billing_period_end_date) as period_end,
        coalesce(
            aicost_cur_timestamp(raw_lines.line_item_usage_start_date),
            aicost_cur_timestamp(split_part(raw_lines.identity_time_interval, '/', 1))
        ) as usage_start,
        coalesce(
            aicost_cur_timestamp(raw_lines.line_item_usage_end_date),
            aicost_cur_timestamp(split_part(raw_lines.identity_time_interval, '/', 2))
        ) as usage_end,
        coalesce(raw_lines.product['product_name'], raw_lines.product_product_name)
            as product_name,
        coalesce(raw_lines.product_instance_type, raw_lines.product['instance_type'])
            as instance_type,
        nullif(trim(raw_lines.reservation_reservation_a_r_n), '') as ri_arn,
        nullif(trim(raw_lines.savings_plan_savings_plan_a_r_n), '') as sp_arn
    from raw_lines
),

costed as (
    select
        typed.*,
        -- negotiated discounts (EDP, PPA): the net columns are the price paid
        typed.net_unblended_cost is not null as is_net,
        -- the gross cost, where a negotiated discount made the billed (net) cost differ
        case
            when typed.net_unblended_cost <> typed.unblended_cost
                then cast(typed.unblended_cost as varchar)
        end as gross_unblended_cost,
        coalesce(typed.net_unblended_cost, typed.unblended_cost) as billed,
        -- amortised cost, per line item type (AWS CID summary_view formula)
        case
            when typed.line_item_type = 'SavingsPlanCoveredUsage'
                then case
                    when typed.net_unblended_cost is not null
                        then coalesce(typed.sp_net_effective, typed.sp_effective)
                    else typed.sp_effective
                end
            -- the unused part of the commitment (its used part is on the covered lines)
            when typed.line_item_type = 'SavingsPlanRecurringFee'
                then typed.sp_commitment - typed.sp_used
            when typed.line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee')
                then 0
            when typed.line_item_type = 'DiscountedUsage'
                then case
                    when typed.net_unblended_cost is not null
                        then coalesce(typed.ri_net_effective, typed.ri_effective)
                    else typed.ri_effective
                end
            when typed.line_item_type = 'RIFee'
                then case
                    when typed.net_unblended_cost is not null
                        then coalesce(typed.ri_net_unused_upfront, typed.ri_unused_upfront)
                        + coalesce(typed.ri_net_unused_recurring, typed.ri_unused_recurring)
                    else typed.ri_unused_upfront + typed.ri_unused_recurring
                end
            -- an RI upfront payment: amortised over the reservation's usage
            when typed.line_item_type = 'Fee' and typed.ri_arn is not null then 0
            when typed.line_item_type = 'Refund'
                and typed.line_item_product_code = 'ComputeSavingsPlans' then 0
            else coalesce(typed.net_unblended_cost, typed.unblended_cost)
        end as effective,
        billing_source || '|' || coalesce(typed.bill_payer_account_id, '') || '|'
        || strftime(typed.period_start, '%Y-%m') as key_of_partition
    from typed
),

checked as (
    select
        costed.*,
        case
            when costed.period_start is null
                then 'billing period start (bill_billing_period_start_date) is missing '
                    || 'or not a timestamp: '
                    || coalesce(cast(costed.bill_billing_period_start_date as varchar), 'empty')
            when costed.usage_start is null
                then 'usage start (line_item_usage_start_date) is missing or not a timestamp: '
                    || coalesce(cast(costed.line_item_usage_start_date as varchar), 'empty')
            when costed.line_item_type is null
                then 'line item type (line_item_line_item_type) is missing'
            when costed.currency is null
                then 'currency (line_item_currency_code) is missing'
            when aicost_cur_not_number(costed.line_item_unblended_cost)
                then 'cost (line_item_unblended_cost) is not a number: '
                    || left(cast(costed.line_item_unblended_cost as varchar), 100)
            when aicost_cur_not_number(costed.line_item_net_unblended_cost)
                then 'cost (line_item_net_unblended_cost) is not a number: '
                    || left(cast(costed.line_item_net_unblended_cost as varchar), 100)
            when costed.billed is null
                then 'cost (line_item_unblended_cost) is missing'
            when aicost_cur_not_number(costed.pricing_public_on_demand_cost)
                then 'list cost (pricing_public_on_demand_cost) is not a number: '
                    || left(cast(costed.pricing_public_on_demand_cost as varchar), 100)
            when aicost_cur_not_number(costed.line_item_usage_amount)
                then 'usage amount (line_item_usage_amount) is not a number: '
                    || left(cast(costed.line_item_usage_amount as varchar), 100)
            when costed.effective is null
                then 'amortised cost of a ' || costed.line_item_type || ' line cannot be '
                    || 'computed: the export lacks (or has no number in) '
                    || case costed.line_item_type
                        when 'SavingsPlanCoveredUsage'
                            then 'savings_plan_savings_plan_effective_cost'
                        when 'SavingsPlanRecurringFee'
                            then 'savings_plan_total_commitment_to_date or '
                                || 'savings_plan_used_commitment'
                        when 'DiscountedUsage' then 'reservation_effective_cost'
                        when 'RIFee'
                            then 'reservation_unused_amortized_upfront_fee_for_billing_period '
                                || 'or reservation_unused_recurring_fee'
                        else 'line_item_unblended_cost'
                    end
        end as quarantine_reason
    from costed
),

final as (
    select
        -- <partition_key>|<source_key: 16 hex digits of a hash of the file's name>|<row>
        checked.key_of_partition || '|' || checked.source_key || '|'
        || cast(checked.source_row as varchar) as charge_id,
        billing_source as billing_source,
        checked.key_of_partition as partition_key,
        checked.bill_payer_account_id as billing_account_id,
        checked.bill_payer_account_name as billing_account_name,
        checked.line_item_usage_account_id as sub_account_id,
        checked.line_item_usage_account_name as sub_account_name,
        checked.period_start as billing_period_start,
        coalesce(checked.period_end, checked.period_start + interval 1 month)
            as billing_period_end,
        checked.usage_start as charge_period_start,
        checked.usage_end as charge_period_end,
        'AWS' as provider,
        case
            when checked.bill_billing_entity = 'AWS Marketplace'
                then coalesce(checked.line_item_legal_entity, 'AWS Marketplace')
            else 'AWS'
        end as publisher,
        checked.bill_invoicing_entity as invoice_issuer,
        checked.bill_invoice_id as invoice_id,
        aicost_cur_charge_category(checked.line_item_type) as charge_category,
        -- a line for usage before its billing period corrects an earlier invoice
        case
            when checked.usage_start < checked.period_start then 'Correction'
        end as charge_class,
        aicost_cur_charge_frequency(checked.line_item_type) as charge_frequency,
        checked.line_item_line_item_description as charge_description,
        case
            when checked.line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')
                then 'Committed'
            when checked.line_item_type = 'Usage'
                and contains(coalesce(checked.line_item_usage_type, ''), 'Spot')
                then 'Dynamic'
            when checked.line_item_type = 'Usage' then 'Standard'
        end as pricing_category,
        checked.billed as billed_cost,
        checked.effective as effective_cost,
        case
            when checked.line_item_type = 'SavingsPlanNegation' then 0
            else checked.public_on_demand_cost
        end as list_cost,
        cast(null as decimal(38, 12)) as contracted_cost,
        checked.currency as billing_currency,
        aicost_cur_rate(checked.pricing_public_on_demand_rate) as list_unit_price,
        cast(null as decimal(38, 18)) as contracted_unit_price,
        coalesce(
            checked.product['servicename'],
            checked.product_servicename,
            checked.product['product_name'],
            checked.product_product_name,
            checked.line_item_product_code
        ) as service_name,
        cast(null as varchar) as service_category,
        cast(null as varchar) as service_subcategory,
        checked.product_sku as sku_id,
        checked.pricing_rate_id as sku_price_id,
        checked.line_item_usage_type as sku_meter,
        checked.line_item_resource_id as resource_id,
        cast(null as varchar) as resource_name,
        cast(null as varchar) as resource_type,
        coalesce(
            checked.product_region_code, checked.product['region'], checked.product_region
        ) as region_id,
        checked.line_item_availability_zone as availability_zone,
        -- usage quantities only where AWS's own dashboards sum them (a
        -- SavingsPlanNegation line repeats the hours of its covered line)
        case
            when checked.line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
                then checked.usage_amount
        end as consumed_quantity,
        case
            when checked.line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
                then checked.pricing_unit
        end as consumed_unit,
        -- and the hours an RIFee bills (the reservation's hours in its period,
        -- used or not: what the capacity pools count as paid-for hours)
        case
            when checked.line_item_type in (
                    'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'RIFee')
                then checked.usage_amount
        end as pricing_quantity,
        case
            when checked.line_item_type in (
                    'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'RIFee')
                then checked.pricing_unit
        end as pricing_unit,
        coalesce(checked.sp_arn, checked.ri_arn) as commitment_discount_id,
        case
            when checked.sp_arn is not null then 'Savings Plan'
            when checked.ri_arn is not null then 'Reserved Instance'
        end as commitment_discount_type,
        case
            when checked.line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')
                then 'Used'
        end as commitment_discount_status,
        case
            when checked.sp_arn is not null then 'Spend'
            when checked.ri_arn is not null then 'Usage'
        end as commitment_discount_category,
        cast(null as varchar) as allocated_method_id,
        cast(null as varchar) as allocated_resource_id,
        aicost_cur_tags(checked.resource_tags, checked.cost_category, checked.tags) as tags,
        -- built as a struct and cast (7x faster than map(keys, values)); a key
        -- whose column the export lacks (or the line leaves empty) holds NULL.
        -- The split cost allocation keys only where the export has them
        -- (has_split_columns: a constant of each file), as each key costs
        -- about 5% of the ingest's time.
        case
            when checked.has_split_columns then cast({
                'x_line_item_type': checked.line_item_type,
                'x_product_code': checked.line_item_product_code,
                'x_usage_type': checked.line_item_usage_type,
                'x_operation': checked.line_item_operation,
                'x_billing_entity': checked.bill_billing_entity,
                'x_iam_principal': checked.line_item_iam_principal,
                'x_product_name': checked.product_name,
                'x_pricing_unit': checked.pricing_unit,
                'x_instance_type': checked.instance_type,
                'x_unblended_cost': checked.gross_unblended_cost,
                'x_split_parent_resource_id': checked.split_line_item_parent_resource_id,
                'x_split_cost': cast(
                    aicost_cur_money(checked.split_line_item_split_cost) as varchar
                ),
                'x_split_unused_cost': cast(
                    aicost_cur_money(checked.split_line_item_unused_cost) as varchar
                ),
                'x_split_net_unused_cost': cast(
                    aicost_cur_money(checked.split_line_item_net_unused_cost) as varchar
                )
            } as map(varchar, varchar))
            else cast({
                'x_line_item_type': checked.line_item_type,
                'x_product_code': checked.line_item_product_code,
                'x_usage_type': checked.line_item_usage_type,
                'x_operation': checked.line_item_operation,
                'x_billing_entity': checked.bill_billing_entity,
                'x_iam_principal': checked.line_item_iam_principal,
                'x_product_name': checked.product_name,
                'x_pricing_unit': checked.pricing_unit,
                'x_instance_type': checked.instance_type,
                'x_unblended_cost': checked.gross_unblended_cost
            } as map(varchar, varchar))
        end as extras,
        checked.source_file,
        checked.source_row,
        cast(null as bigint) as ingest_run_id,
        checked.quarantine_reason
    from checked
)

select * from final;
