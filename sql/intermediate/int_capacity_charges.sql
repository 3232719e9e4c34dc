-- int_capacity_charges
-- Purpose: the bill lines that are a configured capacity pool (reserved or
--          provisioned capacity serving self-hosted models), with what each
--          line says about the capacity: the hours it ran, the idle amount the
--          bill itself states, and what kind of capacity it is.
-- Grain:   one row per (charge, pool) the charge matches. A charge matching
--          two pools gives two rows: the build refuses that with a config
--          error naming both (aicost_cli.billing.capacity.check_pool_overlaps).
-- materialized: view
-- reads: charges, cfg_capacity_pool_matches, cfg_capacity_pool_tags, cfg_capacity_pool_accounts, cfg_settings, cfg_exchange_rates
-- A charge is in a pool when its resource id is one of the pool's
-- resource_ids, OR its usage type (extras x_usage_type) or SKU meter matches
-- one of the pool's usage_types globs, OR its tags carry every one of the
-- pool's tags; a pool with accounts keeps only charges whose billing or sub
-- account id is one of them.
-- line_item_type: the CUR line item type when the bill has one (extras
-- x_line_item_type: Usage, DiscountedUsage, RIFee, SavingsPlanCoveredUsage,
-- SavingsPlanRecurringFee, ...), else the FOCUS charge category.
-- usage_hours: the quantity of a running line (usage that ran: on-demand,
-- RI-covered, SP-covered; not a fee, not a FOCUS commitment row with status
-- 'Unused') in an hourly unit (Hrs, Hours, 1 Hour, 1/Hour, ModelUnit-Hours:
-- instance-hours, model-unit-hours, PTU-hours); NULL otherwise.
-- covered_hours: the usage_hours of a reservation-covered line (CUR
-- DiscountedUsage). reserved_hours: the hours an RIFee bills (its pricing
-- quantity in an hourly unit: every hour of the reservation in its period,
-- running or not); NULL otherwise. capacity_daily counts the reserved hours
-- instead of the covered ones where they are more (hours reserved and not
-- running are capacity paid for).
-- Currency: every amount is in the reporting currency (cfg_settings), as in
-- int_charges_allocatable: a line billed in another currency has its
-- effective and split unused cost converted with [exchange_rates]
-- (aicost_to_reporting, exact, half-even to 12 decimals); currency is then
-- the reporting one, charge_currency the line's own.
-- bill_idle_cost: what the bill itself says was paid for and not used: the
-- effective cost of an RIFee (the unused reservation, as the reader amortises
-- it) or a SavingsPlanRecurringFee (the unused commitment), of a FOCUS
-- commitment row with status 'Unused', or a CUR split line's
-- split_line_item_unused_cost (extras x_split_unused_cost: an EKS pod's share
-- of its GPU node's idle cost); NULL when the line states nothing.

with

bill_lines as (
    -- a FOCUS 1.3 split allocation is a share of an origin line that is in
    -- the bill too: never counted on top of it
    -- (nothing to read when no pool is configured)
    select * from charges
    where charges.allocated_method_id is null
        and exists (select 1 from cfg_capacity_pools)
),

pool_matches as (
    select * from cfg_capacity_pool_matches
),

pool_tags as (
    select * from cfg_capacity_pool_tags
),

pool_accounts as (
    select * from cfg_capacity_pool_accounts
),

settings as (
    select cfg_settings.reporting_currency from cfg_settings
),

exchange_rates as (
    select * from cfg_exchange_rates
),

described as (
    select
        bill_lines.billing_source,
        bill_lines.charge_id,
        bill_lines.billing_account_id,
        bill_lines.sub_account_id,
        bill_lines.charge_period_start,
        bill_lines.charge_period_end,
        bill_lines.charge_category,
        bill_lines.commitment_discount_status,
        aicost_to_reporting(
            bill_lines.effective_cost,
            bill_lines.billing_currency,
            settings.reporting_currency,
            exchange_rates.rate
        ) as effective_cost,
        settings.reporting_currency as billing_currency,
        bill_lines.billing_currency as charge_currency,
        bill_lines.service_name,
        bill_lines.resource_id,
        bill_lines.sku_meter,
        bill_lines.tags,
        nullif(bill_lines.extras['x_usage_type'], '') as usage_type,
        coalesce(
            nullif(bill_lines.extras['x_line_item_type'], ''), bill_lines.charge_category
        ) as line_item_type,
        nullif(bill_lines.extras['x_product_code'], '') as product_code,
        aicost_to_reporting(
            try_cast(nullif(bill_lines.extras['x_split_unused_cost'], '') as decimal(38, 12)),
            bill_lines.billing_currency,
            settings.reporting_currency,
            exchange_rates.rate
        ) as split_unused_cost,
        coalesce(bill_lines.consumed_quantity, bill_lines.pricing_quantity) as quantity,
        coalesce(bill_lines.consumed_unit, bill_lines.pricing_unit) as quantity_unit,
        bill_lines.pricing_quantity,
        bill_lines.pricing_unit
    from bill_lines
    cross join settings
    left join exchange_rates
        on bill_lines.billing_currency = exchange_rates.currency
),

matched_by_resource as (
    select
        pool_matches.pool,
        described.billing_source,
        described.charge_id
    from described
    inner join pool_matches
        on pool_matches.kind = 'resource_id'
        and described.resource_id = pool_matches.pattern
),

matched_by_usage_type as (
    select
        pool_matches.pool,
        described.billing_source,
        described.charge_id
    from described
    inner join pool_matches
        on pool_matches.kind = 'usage_type'
        and (
            described.usage_type glob pool_matches.pattern
            or described.sku_meter glob pool_matches.pattern
        )
),

pool_tag_counts as (
    select
        pool_tags.pool,
        count(*) as tags_wanted
    from pool_tags
    group by pool_tags.pool
),

matched_tags as (
    select
        pool_tags.pool,
        described.billing_source,
        described.charge_id,
        count(*) as tags_matched
    from described
    inner join pool_tags
        on described.tags[pool_tags.tag_key] = pool_tags.tag_value
    group by pool_tags.pool, described.billing_source, described.charge_id
),

matched_by_tags as (
    select
        matched_tags.pool,
        matched_tags.billing_source,
        matched_tags.charge_id
    from matched_tags
    inner join pool_tag_counts
        on matched_tags.pool = pool_tag_counts.pool
        and matched_tags.tags_matched = pool_tag_counts.tags_wanted
),

matched as (
    select * from matched_by_resource
    union
    select * from matched_by_usage_type
    union
    select * from matched_by_tags
),

in_accounts as (
    select matched.*
    from matched
    inner join described
        on matched.billing_source = described.billing_source
        and matched.charge_id = described.charge_id
    where not exists (
        select 1 from pool_accounts where pool_accounts.pool = matched.pool
    )
        or exists (
            select 1
            from pool_accounts
            where pool_accounts.pool = matched.pool
                and pool_accounts.account_id in (
                    described.billing_account_id, described.sub_account_id
                )
        )
),

final as (
    select
        in_accounts.pool,
        described.billing_source,
        described.charge_id,
        described.charge_period_start,
        described.charge_period_end,
        described.billing_currency as currency,
        described.charge_currency,
        described.effective_cost,
        described.line_item_type,
        described.usage_type,
        described.resource_id,
        case
            when described.usage_type like '%ProvisionedThroughput%'
                or described.usage_type like '%ModelUnits%'
                then 'bedrock_provisioned_throughput'
            when described.sku_meter ilike 'Provisioned Managed%'
                or described.service_name ilike '%Provisioned Throughput%'
                then 'azure_ptu'
            when described.usage_type like '%Host:ml.%' then 'sagemaker_endpoint'
            when described.split_unused_cost is not null then 'kubernetes_split'
            when described.line_item_type in ('RIFee', 'SavingsPlanRecurringFee')
                then 'commitment_fee'
            when described.usage_type similar to '(.*-)?(Box|Dedicated|Spot|Heavy)Usage:.*'
                then 'instance'
            else 'other'
        end as capacity_kind,
        case
            when described.line_item_type in (
                    'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'Fee', 'Purchase',
                    'Tax', 'Credit', 'Refund', 'Adjustment'
                )
                or described.commitment_discount_status = 'Unused'
                then null
            when described.quantity_unit ilike '%hour%' or described.quantity_unit ilike '%hrs%'
                then described.quantity
        end as usage_hours,
        case
            when described.line_item_type = 'DiscountedUsage'
                and (described.quantity_unit ilike '%hour%'
                    or described.quantity_unit ilike '%hrs%')
                then described.quantity
        end as covered_hours,
        case
            when described.line_item_type = 'RIFee'
                and (described.pricing_unit ilike '%hour%'
                    or described.pricing_unit ilike '%hrs%')
                then described.pricing_quantity
        end as reserved_hours,
        case
            when described.line_item_type in ('RIFee', 'SavingsPlanRecurringFee')
                or described.commitment_discount_status = 'Unused'
                then described.effective_cost
            else described.split_unused_cost
        end as bill_idle_cost
    from in_accounts
    inner join described
        on in_accounts.billing_source = described.billing_source
        and in_accounts.charge_id = described.charge_id
)

select * from final
