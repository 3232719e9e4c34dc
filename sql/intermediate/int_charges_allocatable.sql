-- int_charges_allocatable
-- Purpose: the bill lines the allocation splits over operations: AI usage
--          charges of ai_kind 'tokens' (per token class where the bill has
--          it) and 'other_ai' (AI charges that are not per token: tool
--          calls, guardrails, ...), with the keys they match operations on
--          and their allocation bucket.
-- Grain:   one row per charge (charges.charge_id).
-- materialized: view
-- reads: charges, cfg_settings, cfg_exchange_rates
-- Not allocated: tax, credits, refunds and non-AI lines (is_ai false), and
-- capacity (ai_kind 'capacity': the capacity pools own it).
-- day_from / day_to: the days of the charge period (inclusive); a charge
-- period ending at midnight ends the day before; no end (or an end not after
-- the start) = the start's day. billing_period_from / _to likewise (no end:
-- the last day of the start's month).
-- token_class and tier are matched for 'tokens' only; an 'other_ai' charge
-- matches its provider's (and, when it names one, its model's) operations
-- of its days, by their whole estimated cost.
-- logged_class: the operations' tokens a 'tokens' charge is matched against:
-- input, output, cache_read as the token class; cache writes by lifetime:
--   'cache_write_1h'  an Anthropic 1-hour write line (token_class cache_write_1h)
--   'cache_write_5m'  a cache_write line of a bill that states the lifetime of
--                     every write (Anthropic's cost_report: ephemeral_5m and
--                     ephemeral_1h are separate token types): 5-minute writes
--   'cache_write'     a cache_write line of a bill that does not (Bedrock,
--                     Azure, OpenAI, ...): the operations' 5-minute AND 1-hour writes
-- NULL: a line without a class (matched by the model's whole estimated cost).
-- Capacity (ai_kind 'capacity') is never here: the capacity pools own it; nor
-- any line that is not is_ai (only Usage is, and Purchase for capacity).
-- allocation_bucket_id: charges with the same match keys (days, provider,
-- account, model, class, tier, kind, currency) are allocated together as one
-- bucket (an hourly bill has 24 lines a day per usage type; allocating each
-- over the same operations would multiply the rows by 24). Each charge's own
-- split is derived from its bucket's ratios (sql/reports/charge_allocation_splits.sql).
-- Currency: the allocation is in the reporting currency (cfg_settings), like
-- the estimates it is split by and the reports that show it. A line billed in
-- another currency has its effective, billed and list cost converted with
-- [exchange_rates] (aicost_convert_money: exact, half-even to 12 decimals),
-- and billing_currency is then the reporting currency: the currency of the
-- amounts in this relation, never a relabelled one. charge_currency: the
-- line's own. (A rate is required: the billing ingest refuses a bill in a
-- currency without one, and the build refuses to run when one is removed.)

with

classified_charges as (
    select * from charges
),

settings as (
    select cfg_settings.reporting_currency from cfg_settings
),

exchange_rates as (
    select * from cfg_exchange_rates
),

allocatable as (
    select
        classified_charges.charge_id,
        classified_charges.ai_kind,
        classified_charges.provider_key,
        nullif(classified_charges.account_key, '') as account_key,
        classified_charges.model_key,
        classified_charges.bill_model,
        case when classified_charges.ai_kind = 'tokens' then classified_charges.token_class end
            as token_class,
        case when classified_charges.ai_kind = 'tokens' then
            case
                when classified_charges.token_class = 'cache_write'
                    and classified_charges.ai_family = 'anthropic'
                    then 'cache_write_5m'
                else classified_charges.token_class
            end
        end as logged_class,
        case when classified_charges.ai_kind = 'tokens' then classified_charges.tier end as tier,
        cast(classified_charges.charge_period_start as date) as day_from,
        case
            when classified_charges.charge_period_end is null
                or classified_charges.charge_period_end <= classified_charges.charge_period_start
                then cast(classified_charges.charge_period_start as date)
            else cast(classified_charges.charge_period_end - interval 1 microsecond as date)
        end as day_to,
        cast(classified_charges.billing_period_start as date) as billing_period_from,
        case
            when classified_charges.billing_period_end is null
                or classified_charges.billing_period_end
                <= classified_charges.billing_period_start
                then cast(
                    date_trunc('month', classified_charges.billing_period_start)
                    + interval 1 month - interval 1 day as date
                )
            else cast(classified_charges.billing_period_end - interval 1 microsecond as date)
        end as billing_period_to,
        aicost_to_reporting(
            classified_charges.effective_cost,
            classified_charges.billing_currency,
            settings.reporting_currency,
            exchange_rates.rate
        ) as effective_cost,
        aicost_to_reporting(
            classified_charges.billed_cost,
            classified_charges.billing_currency,
            settings.reporting_currency,
            exchange_rates.rate
        ) as billed_cost,
        aicost_to_reporting(
            classified_charges.list_cost,
            classified_charges.billing_currency,
            settings.reporting_currency,
            exchange_rates.rate
        ) as list_cost,
        settings.reporting_currency as billing_currency,
        classified_charges.billing_currency as charge_currency,
        classified_charges.billed_tokens
    from classified_charges
    cross join settings
    left join exchange_rates
        on classified_charges.billing_currency = exchange_rates.currency
    where classified_charges.is_ai
        and classified_charges.ai_kind in ('tokens', 'other_ai')
),

final as (
    select
        allocatable.*,
        'b' || left(md5(concat_ws(
            '|',
            allocatable.day_from,
            allocatable.day_to,
            allocatable.billing_period_from,
            coalesce(allocatable.provider_key, '?'),
            coalesce(allocatable.account_key, '?'),
            coalesce(allocatable.model_key, '?' || coalesce(allocatable.bill_model, '?')),
            coalesce(allocatable.token_class, '?'),
            coalesce(allocatable.logged_class, '?'),
            coalesce(allocatable.tier, '?'),
            allocatable.ai_kind,
            allocatable.billing_currency
        )), 16) as allocation_bucket_id
    from allocatable
)

select * from final
