-- billing_coverage
-- Purpose: which provider-days have a loaded bill: there, an operation's
--          allocated cost is known (0 when no charge matched it); elsewhere
--          it is unknown (NULL) and the reports fall back to the estimate.
-- Grain:   one row per (provider, billing_period_start) with AI usage charges.
-- materialized: table
-- reads: charges
-- A provider-day is billed when the day is in [billing_period_from,
-- covered_until): from the start of a billing period that has AI usage
-- charges of the provider to the latest end of those charges (an export of
-- a month in progress covers its month so far). A day is closed (the
-- reconciliation's default) when all of it is before covered_until.
-- Rebuilt whole by every build (a group over the charges).

with

classified_charges as (
    select * from charges
),

final as (
    select
        classified_charges.provider_key as provider,
        cast(classified_charges.billing_period_start as date) as billing_period_from,
        max(coalesce(
            classified_charges.charge_period_end,
            classified_charges.charge_period_start + interval 1 day
        )) as covered_until,
        count(*) as charges
    from classified_charges
    where classified_charges.is_ai
        and classified_charges.ai_kind in ('tokens', 'other_ai')
        and classified_charges.provider_key is not null
    group by
        classified_charges.provider_key,
        cast(classified_charges.billing_period_start as date)
)

select * from final
