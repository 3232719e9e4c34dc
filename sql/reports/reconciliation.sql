-- reconciliation
-- Purpose: the bill against the logs: per period, provider, model and (where
--          the bill has it) token class, what was billed and what the logged
--          calls were estimated to cost, the quantities on both sides, and
--          a finding that names the likely cause of a difference.
-- Grain:   one row per (period_start, provider, model, token_class) of the
--          grouping asked for (--by; a key not asked for is NULL and the
--          runner drops its column), plus one 'credits and refunds' row per
--          period and provider.
-- materialized: query
-- reads: charges, int_charges_allocatable, allocated_costs, billing_coverage, cfg_settings, cfg_exchange_rates
-- Parameters: $period ('day' | 'month'), $by_provider, $by_model,
--          $by_class (booleans), $cost ('effective' | 'billed' | 'list': the
--          charge amount shown as billed_cost), $tolerance (percent),
--          $include_open (boolean), $since, $until (dates or NULL).
-- Bill side: AI usage charges of ai_kind 'tokens' (not 'other_ai' or
-- capacity: they have no token quantity to compare), on the day their
-- charge period starts; billed_quantity = their billed_tokens (NULL when a
-- charge states none: a partial quantity would mislead). Log side: the
-- model calls (allocated_costs), tokens and estimated cost per class (input =
-- uncached input), model as the bill keys it (aicost_model_base_key: no
-- Bedrock geography prefix). Calls a capacity pool served on a day the pool
-- has a cost (allocated_costs.capacity_billed) are left out: the pool's bill
-- pays for them, not tokens, and 'aicost report capacity' compares it with
-- what they served; a pool-day without a charge yet leaves them in ('no bill
-- loaded' when their provider has no bill either).
-- Cache writes: where the bill states their lifetime (Anthropic: a 5-minute
-- 'cache_write' and a 1-hour 'cache_write_1h' class; int_charges_allocatable
-- .logged_class), 'cache_write' is compared with the 5-minute writes logged
-- and 'cache_write_1h' with the 1-hour ones; elsewhere 'cache_write' with
-- all the writes logged (5m + 1h).
-- Token class: a (period, provider, model) is compared per class when
-- --by has token_class and the bill has classes for it; else as a whole
-- (all classes; estimated_cost = the calls' whole estimated cost).
-- operations: the model calls of the (period, provider, model), on each of
-- its class rows.
-- billed_cost: NULL when no bill is loaded for the provider on any of the
-- row's logged days (billing_coverage), never 0; 0 when a bill is loaded
-- but names nothing of the row; NULL when a line of the row does not state
-- the basis asked for (--cost list of a bill without list costs).
-- Closed days (default): a day counts when the provider's loaded bill
-- covers all of it (billing_coverage.covered_until after its end); for a
-- provider without a loaded bill, when the latest bill of any provider
-- does. $include_open counts every day.
-- difference = billed_cost - estimated_cost; difference_pct = difference /
-- estimated_cost x 100, rounded half away from zero to 2 decimals (integer
-- arithmetic). quantity_gap = billed_quantity - logged_tokens.
-- finding, in this order: 'amount unknown' (bill lines whose amount of the
-- basis is not stated: the Anthropic cost report has no list cost);
-- 'no bill loaded' (billed_cost NULL); 'ok'
-- (|difference| <= tolerance% of estimated_cost, or both 0); when both
-- quantities are known: 'traffic not logged' / 'logged but not billed'
-- (|quantity_gap| > tolerance% of the logged tokens, by its sign), else
-- 'price differs' (same quantity, another rate); without a billed
-- quantity (a provider cost report states only money): the bill is taken
-- to be at the catalogue rate, so more billed than estimated is 'traffic not
-- logged' and less is 'logged but not billed' (a negotiated rate cannot be
-- told apart without a quantity: load the bill with quantities for that).
-- Credits and refunds (charges that are not AI usage, of category Credit or
-- Adjustment, or class Correction) are never allocated: one row per period
-- and provider, model '(credits and refunds)', finding 'credits and
-- refunds', billed_cost their sum.

with

classified_charges as (
    select * from charges
),

coverage as (
    select * from billing_coverage
),

latest_bill as (
    select max(coverage.covered_until) as covered_until from coverage
),

allocatable_charges as (
    select * from int_charges_allocatable
),

bill_lines as (
    select
        allocatable_charges.day_from as day,
        allocatable_charges.provider_key as provider,
        coalesce(allocatable_charges.model_key, allocatable_charges.bill_model, 'unmapped')
            as model,
        allocatable_charges.token_class,
        coalesce(allocatable_charges.logged_class in ('cache_write_5m', 'cache_write_1h'), false)
            as states_cache_lifetime,
        case $cost
            when 'billed' then allocatable_charges.billed_cost
            when 'list' then allocatable_charges.list_cost
            else allocatable_charges.effective_cost
        end as amount,
        allocatable_charges.billed_tokens
    from allocatable_charges
    where allocatable_charges.ai_kind = 'tokens'
        and allocatable_charges.provider_key is not null
),

bill_days as (
    select bill_lines.*
    from bill_lines
    where ($since is null or bill_lines.day >= $since)
        and ($until is null or bill_lines.day < $until)
        and ($include_open or exists (
            select 1 from coverage
            where coverage.provider = bill_lines.provider
                and cast(bill_lines.day as timestamp) + interval 1 day <= coverage.covered_until
        ))
),

logged_days as (
    select
        allocated_costs.day,
        allocated_costs.provider,
        aicost_model_base_key(allocated_costs.model) as model,
        allocated_costs.operations,
        allocated_costs.estimated_cost,
        allocated_costs.logged_input_tokens,
        allocated_costs.logged_cache_read_tokens,
        allocated_costs.logged_cache_write_tokens,
        allocated_costs.logged_cache_write_1h_tokens,
        allocated_costs.logged_output_tokens,
        allocated_costs.estimated_input_cost,
        allocated_costs.estimated_cache_read_cost,
        allocated_costs.estimated_cache_write_cost,
        allocated_costs.estimated_cache_write_1h_cost,
        allocated_costs.estimated_output_cost,
        exists (
            select 1 from coverage
            where coverage.provider = allocated_costs.provider
                and allocated_costs.day >= coverage.billing_period_from
                and cast(allocated_costs.day as timestamp) < coverage.covered_until
        ) as is_billed,
        exists (
            select 1 from coverage
            where coverage.provider = allocated_costs.provider
                and allocated_costs.day >= coverage.billing_period_from
        ) as provider_has_bill
    from allocated_costs
    where allocated_costs.allocation_variant = 'both'
        and allocated_costs.operations > 0
        and not allocated_costs.capacity_billed
        and ($since is null or allocated_costs.day >= $since)
        and ($until is null or allocated_costs.day < $until)
),

logged_closed as (
    select logged_days.*
    from logged_days
    cross join latest_bill
    where $include_open
        or (logged_days.is_billed and exists (
            select 1 from coverage
            where coverage.provider = logged_days.provider
                and cast(logged_days.day as timestamp) + interval 1 day <= coverage.covered_until
        ))
        or (not logged_days.is_billed
            and cast(logged_days.day as timestamp) + interval 1 day
            <= latest_bill.covered_until)
),

-- the grouping keys asked for (NULL = not grouped by)
bill_keyed as (
    select
        date_trunc($period, cast(bill_days.day as timestamp)) as period_start,
        case when $by_provider then bill_days.provider end as provider,
        case when $by_model then bill_days.model end as model,
        bill_days.token_class,
        bill_days.states_cache_lifetime,
        bill_days.amount,
        bill_days.billed_tokens
    from bill_days
),

classed as (
    select
        bill_keyed.period_start,
        bill_keyed.provider,
        bill_keyed.model,
        bool_or(bill_keyed.states_cache_lifetime) as splits_cache_writes
    from bill_keyed
    where $by_class and bill_keyed.token_class is not null
    group by bill_keyed.period_start, bill_keyed.provider, bill_keyed.model
),

bill_grouped as (
    select
        bill_keyed.period_start,
        bill_keyed.provider,
        bill_keyed.model,
        case when classed.period_start is not null then bill_keyed.token_class end
            as token_class,
        -- NULL when a line states no amount of the basis (list cost): unknown, not 0
        case when count(bill_keyed.amount) = count(*) then sum(bill_keyed.amount) end
            as billed_cost,
        case
            when count(bill_keyed.billed_tokens) = count(*) then sum(bill_keyed.billed_tokens)
        end as billed_quantity,
        true as has_bill_lines
    from bill_keyed
    left join classed
        on bill_keyed.period_start = classed.period_start
        and bill_keyed.provider is not distinct from classed.provider
        and bill_keyed.model is not distinct from classed.model
    group by all
),

logged_keyed as (
    select
        date_trunc($period, cast(logged_closed.day as timestamp)) as period_start,
        case when $by_provider then logged_closed.provider end as provider,
        case when $by_model then logged_closed.model end as model,
        logged_closed.*  exclude (day, provider, model)
    from logged_closed
),

logged_models as (
    select
        logged_keyed.period_start,
        logged_keyed.provider,
        logged_keyed.model,
        classed.period_start is not null as is_classed,
        coalesce(classed.splits_cache_writes, false) as splits_cache_writes,
        cast(sum(logged_keyed.operations) as bigint) as operations,
        sum(logged_keyed.estimated_cost) as estimated_cost,
        cast(sum(logged_keyed.logged_input_tokens) as bigint) as input_tokens,
        cast(sum(logged_keyed.logged_cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(logged_keyed.logged_cache_write_tokens) as bigint) as cache_write_tokens,
        cast(sum(logged_keyed.logged_cache_write_1h_tokens) as bigint) as cache_write_1h_tokens,
        cast(sum(logged_keyed.logged_output_tokens) as bigint) as output_tokens,
        sum(logged_keyed.estimated_input_cost) as input_cost,
        sum(logged_keyed.estimated_cache_read_cost) as cache_read_cost,
        sum(logged_keyed.estimated_cache_write_cost) as cache_write_cost,
        sum(logged_keyed.estimated_cache_write_1h_cost) as cache_write_1h_cost,
        sum(logged_keyed.estimated_output_cost) as output_cost,
        bool_or(logged_keyed.is_billed) as is_billed
    from logged_keyed
    left join classed
        on logged_keyed.period_start = classed.period_start
        and logged_keyed.provider is not distinct from classed.provider
        and logged_keyed.model is not distinct from classed.model
    group by all
),

classes as (
    select classes.token_class
    from (values ('input'), ('output'), ('cache_read'), ('cache_write'), ('cache_write_1h'))
        as classes (token_class)
),

logged_grouped as (
    select
        logged_models.period_start,
        logged_models.provider,
        logged_models.model,
        classes.token_class,
        logged_models.operations,
        case classes.token_class
            when 'input' then logged_models.input_cost
            when 'output' then logged_models.output_cost
            when 'cache_read' then logged_models.cache_read_cost
            when 'cache_write_1h' then logged_models.cache_write_1h_cost
            else case when logged_models.splits_cache_writes
                then logged_models.cache_write_cost - logged_models.cache_write_1h_cost
                else logged_models.cache_write_cost
            end
        end as estimated_cost,
        case classes.token_class
            when 'input' then logged_models.input_tokens
            when 'output' then logged_models.output_tokens
            when 'cache_read' then logged_models.cache_read_tokens
            when 'cache_write_1h' then logged_models.cache_write_1h_tokens
            else case when logged_models.splits_cache_writes
                then logged_models.cache_write_tokens - logged_models.cache_write_1h_tokens
                else logged_models.cache_write_tokens
            end
        end as logged_tokens,
        logged_models.is_billed
    from logged_models
    cross join classes
    where logged_models.is_classed
        -- the 1-hour writes apart only where the bill states the lifetime
        and (classes.token_class <> 'cache_write_1h' or logged_models.splits_cache_writes)
    union all
    select
        logged_models.period_start,
        logged_models.provider,
        logged_models.model,
        cast(null as varchar) as token_class,
        logged_models.operations,
        logged_models.estimated_cost,
        logged_models.input_tokens + logged_models.cache_read_tokens
            + logged_models.cache_write_tokens + logged_models.output_tokens as logged_tokens,
        logged_models.is_billed
    from logged_models
    where not logged_models.is_classed
),

joined as (
    select
        coalesce(bill_grouped.period_start, logged_grouped.period_start) as period_start,
        coalesce(bill_grouped.provider, logged_grouped.provider) as provider,
        coalesce(bill_grouped.model, logged_grouped.model) as model,
        coalesce(bill_grouped.token_class, logged_grouped.token_class) as token_class,
        case
            when bill_grouped.has_bill_lines then bill_grouped.billed_cost
            when logged_grouped.is_billed then cast(0 as decimal(38, 12))
        end as billed_cost,
        coalesce(bill_grouped.has_bill_lines, false) as has_bill_lines,
        case
            when logged_grouped.period_start is null then cast(0 as decimal(38, 12))
            else logged_grouped.estimated_cost
        end as estimated_cost,
        bill_grouped.billed_quantity,
        coalesce(logged_grouped.logged_tokens, 0) as logged_tokens,
        coalesce(logged_grouped.operations, 0) as operations
    from bill_grouped
    full outer join logged_grouped
        on bill_grouped.period_start = logged_grouped.period_start
        and bill_grouped.provider is not distinct from logged_grouped.provider
        and bill_grouped.model is not distinct from logged_grouped.model
        and bill_grouped.token_class is not distinct from logged_grouped.token_class
    -- a class the bill has no line for and nothing was logged in: no row
    where not (bill_grouped.period_start is null and logged_grouped.logged_tokens = 0
        and coalesce(logged_grouped.estimated_cost, 0) = 0
        and logged_grouped.token_class is not null)
),

measured as (
    select
        joined.*,
        joined.billed_cost - joined.estimated_cost as difference,
        joined.billed_quantity - joined.logged_tokens as quantity_gap,
        abs(joined.billed_cost - joined.estimated_cost) * 100
            <= cast($tolerance as decimal(9, 4)) * joined.estimated_cost as cost_within,
        abs(joined.billed_quantity - joined.logged_tokens) * 100
            <= cast($tolerance as decimal(9, 4)) * joined.logged_tokens as quantity_within
    from joined
),

findings as (
    select
        measured.*,
        case
            when measured.billed_cost is null and measured.has_bill_lines then 'amount unknown'
            when measured.billed_cost is null then 'no bill loaded'
            when measured.billed_cost = 0 and coalesce(measured.estimated_cost, 0) = 0
                and coalesce(measured.billed_quantity, 0) = measured.logged_tokens then 'ok'
            when measured.cost_within then 'ok'
            when measured.billed_quantity is not null and not measured.quantity_within
                then case
                    when measured.quantity_gap > 0 then 'traffic not logged'
                    else 'logged but not billed'
                end
            when measured.billed_quantity is not null then 'price differs'
            when measured.billed_cost > coalesce(measured.estimated_cost, 0)
                then 'traffic not logged'
            else 'logged but not billed'
        end as finding
    from measured
),

credits as (
    select
        date_trunc($period, cast(classified_charges.charge_period_start as timestamp))
            as period_start,
        case when $by_provider then
            coalesce(classified_charges.provider_key, classified_charges.provider)
        end as provider,
        case when $by_model then '(credits and refunds)' end as model,
        cast(null as varchar) as token_class,
        -- in the reporting currency, as int_charges_allocatable converts
        -- the usage lines
        sum(aicost_to_reporting(
            case $cost
                when 'billed' then classified_charges.billed_cost
                when 'list' then classified_charges.list_cost
                else classified_charges.effective_cost
            end,
            classified_charges.billing_currency,
            (select cfg_settings.reporting_currency from cfg_settings),
            exchange_rates.rate
        )) as billed_cost
    from classified_charges
    left join cfg_exchange_rates as exchange_rates
        on classified_charges.billing_currency = exchange_rates.currency
    where not coalesce(classified_charges.is_ai, false)
        and classified_charges.allocated_method_id is null
        and (classified_charges.charge_category in ('Credit', 'Adjustment')
            or classified_charges.charge_class = 'Correction')
        and ($since is null or cast(classified_charges.charge_period_start as date) >= $since)
        and ($until is null or cast(classified_charges.charge_period_start as date) < $until)
    group by all
),

final as (
    select
        findings.period_start,
        findings.provider,
        findings.model,
        findings.token_class,
        cast(findings.billed_cost as decimal(38, 12)) as billed_cost,
        cast(findings.estimated_cost as decimal(38, 12)) as estimated_cost,
        cast(findings.difference as decimal(38, 12)) as difference,
        case
            when findings.estimated_cost > 0 and findings.difference is not null then
                cast(
                    sign(findings.difference)
                    * cast(
                        ((abs(findings.difference) * 1000000000000)::hugeint * 20000
                            + (findings.estimated_cost * 1000000000000)::hugeint)
                        // (2 * (findings.estimated_cost * 1000000000000)::hugeint)
                        as decimal(38, 0)
                    )
                    * cast(0.01 as decimal(3, 2))
                    as decimal(18, 2)
                )
        end as difference_pct,
        cast(findings.billed_quantity as decimal(38, 12)) as billed_quantity,
        cast(findings.logged_tokens as bigint) as logged_tokens,
        cast(findings.quantity_gap as decimal(38, 12)) as quantity_gap,
        cast(findings.operations as bigint) as operations,
        findings.finding
    from findings
    union all
    select
        credits.period_start,
        credits.provider,
        credits.model,
        credits.token_class,
        cast(credits.billed_cost as decimal(38, 12)) as billed_cost,
        cast(null as decimal(38, 12)) as estimated_cost,
        cast(null as decimal(38, 12)) as difference,
        cast(null as decimal(18, 2)) as difference_pct,
        cast(null as decimal(38, 12)) as billed_quantity,
        cast(null as bigint) as logged_tokens,
        cast(null as decimal(38, 12)) as quantity_gap,
        cast(null as bigint) as operations,
        'credits and refunds' as finding
    from credits
)

select * from final
order by
    final.period_start,
    final.provider nulls last,
    final.finding = 'credits and refunds',
    final.model nulls last,
    final.token_class nulls last
