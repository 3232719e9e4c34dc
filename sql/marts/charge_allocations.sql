-- charge_allocations
-- Purpose: the bill's AI usage charges split over the operations they paid
--          for, exactly, in FOCUS 1.3 split-allocation vocabulary
--          (allocated_method_id, allocated_ratio, the allocated amounts).
-- Grain:   one row per (allocation_bucket_id, allocation_variant, allocated
--          operation group); the group is int_allocation_targets' grain
--          (day, provider, account_key, model_key, tier, feature, owner,
--          team, model, prompt_version, environment, unit_key, currency) of
--          calls that did not fail unbilled (int_allocation_targets.failed:
--          providers do not bill a failed request, so it gets no share).
-- materialized: incremental_by_day
-- days: allocation_days
-- reads: int_charges_allocatable, int_allocation_targets, cfg_logged_accounts, allocation_days
-- Rebuilt for allocation_days (build_days widened to whole charge periods:
-- aicost_cli/billing/allocation.py), so a charge's rows are always rebuilt
-- together.
-- Matching: a bucket (charges sharing their match keys) goes to the groups of
-- its days with its provider and model key (the group's model key without a
-- geography prefix: int_allocation_targets), its tier (when it has one), its
-- account where both sides have one, and tokens of its class (a bucket
-- without a class: every group of the model). A group without an account
-- (the logs did not say: LiteLLM, OTel) matches a bucket of any account,
-- unless [billing.logged_accounts] lists the accounts whose calls the logs
-- hold for the bucket's provider: then only buckets of those accounts (the
-- charges of another workspace, project or AWS account, e.g. an eval team
-- calling the API directly, stay unallocated instead of landing on the
-- logged features). The class is
-- int_charges_allocatable.logged_class: cache_write_1h -> the 1-hour writes,
-- cache_write_5m -> the 5-minute writes (a bill that states the lifetime),
-- cache_write -> both (a bill that does not). An 'other_ai' bucket that
-- names no model goes to every group of its provider on its days.
-- Weights: each group's estimated cost of the bucket's class (without a
-- class: its whole estimated cost); when the bucket's groups have no
-- estimated cost (unpriced), their tokens of the class; else their
-- operations. allocated_method_id says which.
-- Exact split (each of allocated_ratio, allocated_effective_cost,
-- allocated_billed_cost, allocated_list_cost): largest remainder in integer
-- units (1e-18 for the ratio, 1e-12 for money): each group gets
-- floor(units x weight / total weight); the units left over (fewer than the
-- groups) go one each to the largest remainders, ties in group-key order.
-- So per bucket the amounts sum to the bucket's charges exactly and the
-- ratios to 1 exactly. A negative amount is split as its absolute value and
-- negated. Weights are integers (estimated cost in 1e-12 units, tokens or
-- operations), divided by a power of ten when their total has more than 16
-- digits so that units x weight stays in a HUGEINT (exact for amounts up to
-- 1.7e10; beyond: an overflow error, never a wrong number); allocation_weight
-- keeps each group's integer weight (the per-charge split reuses it). list_cost: NULL
-- when a charge of the bucket has none (unknown, not 0).
-- Unmatched buckets: one row in the group 'unallocated' (feature, owner,
-- team, prompt_version, environment 'unallocated'; model = the model key or
-- the bill's model name; provider = the provider key, else 'unmapped'; no
-- unit), allocated_method_id 'aicost-unallocated', ratio 1. The spread
-- variant (report --spread-unmatched) instead splits it over the same
-- provider's groups of its days by estimated cost, else over its billing
-- period ('aicost-spread-unmatched-*').
-- allocation_variant: 'both' (matched rows, and unallocated rows of buckets
-- that cannot be spread: no operation of their provider in their billing
-- period), 'unallocated' (default view only), 'spread' (spread view only).
-- allocation_range_start/_end: the days the bucket's rows may be on (its
-- days, or its billing period when spread there): the build widens
-- allocation_days by them.

with

charges_in_scope as (
    select * from int_charges_allocatable
    where int_charges_allocatable.day_to >= aicost_allocation_from()
        and int_charges_allocatable.day_from < aicost_allocation_until()
        and exists (
            select 1 from allocation_days
            where allocation_days.day
                between int_charges_allocatable.day_from and int_charges_allocatable.day_to
        )
),

logged_accounts as (
    select * from cfg_logged_accounts
),

buckets as (
    select
        charges_in_scope.allocation_bucket_id,
        min(charges_in_scope.ai_kind) as ai_kind,
        min(charges_in_scope.provider_key) as provider_key,
        min(charges_in_scope.account_key) as account_key,
        min(charges_in_scope.model_key) as model_key,
        min(charges_in_scope.bill_model) as bill_model,
        min(charges_in_scope.token_class) as token_class,
        min(charges_in_scope.logged_class) as logged_class,
        min(charges_in_scope.tier) as tier,
        min(charges_in_scope.day_from) as day_from,
        min(charges_in_scope.day_to) as day_to,
        min(charges_in_scope.billing_period_from) as billing_period_from,
        max(charges_in_scope.billing_period_to) as billing_period_to,
        min(charges_in_scope.billing_currency) as billing_currency,
        sum(charges_in_scope.effective_cost) as effective_cost,
        sum(charges_in_scope.billed_cost) as billed_cost,
        case
            when count(charges_in_scope.list_cost) = count(*)
                then sum(charges_in_scope.list_cost)
        end as list_cost
    from charges_in_scope
    group by charges_in_scope.allocation_bucket_id
),

-- target_id: the group's rank in group-key order (the remainders' tie-break).
-- The split below carries only it; the group's keys are joined back at the
-- end (sorting 6.6M rows with every key for each of the four largest-remainder
-- ranks spilled 29 GB at 10M operations).
targets as materialized (
    select
        int_allocation_targets.*,
        row_number() over (
            order by int_allocation_targets.day, int_allocation_targets.provider,
                int_allocation_targets.account_key, int_allocation_targets.model_key,
                int_allocation_targets.tier, int_allocation_targets.feature,
                int_allocation_targets.owner, int_allocation_targets.team,
                int_allocation_targets.model, int_allocation_targets.prompt_version,
                int_allocation_targets.environment, int_allocation_targets.unit_key,
                int_allocation_targets.currency
        ) as target_id
    from int_allocation_targets
    -- only groups a bucket of this build can reach: none without a charge to
    -- allocate (a constant: the groups are then not even summed)
    where aicost_allocation_has_charges()
        and not int_allocation_targets.failed
        and int_allocation_targets.provider in (select buckets.provider_key from buckets)
),

-- may the bucket go to groups that name no account? (see the header)
bucket_accounts as (
    select
        buckets.allocation_bucket_id,
        buckets.account_key is null
            or buckets.provider_key not in (
                select logged_accounts.provider_key from logged_accounts
            )
            or exists (
                select 1 from logged_accounts
                where logged_accounts.provider_key = buckets.provider_key
                    and logged_accounts.account_key = buckets.account_key
            ) as matches_unnamed_account
    from buckets
),

bucket_days as (
    select
        buckets.allocation_bucket_id,
        unnest(generate_series(buckets.day_from, buckets.day_to, interval 1 day))::date as day
    from buckets
),

-- the groups each bucket matches, with the weights of its class
matched as (
    select
        buckets.allocation_bucket_id,
        'both' as allocation_variant,
        'aicost-proportional-' as method_prefix,
        buckets.day_from as allocation_range_start,
        buckets.day_to as allocation_range_end,
        targets.target_id,
        targets.operations,
        case buckets.logged_class
            when 'input' then targets.estimated_input_cost
            when 'output' then targets.estimated_output_cost
            when 'cache_read' then targets.estimated_cache_read_cost
            when 'cache_write' then targets.estimated_cache_write_cost
            when 'cache_write_5m' then targets.estimated_cache_write_5m_cost
            when 'cache_write_1h' then targets.estimated_cache_write_1h_cost
            else targets.estimated_cost
        end as cost_weight,
        case buckets.logged_class
            when 'input' then targets.logged_input_tokens
            when 'output' then targets.logged_output_tokens
            when 'cache_read' then targets.logged_cache_read_tokens
            when 'cache_write' then targets.logged_cache_write_tokens
            when 'cache_write_5m' then targets.logged_cache_write_5m_tokens
            when 'cache_write_1h' then targets.logged_cache_write_1h_tokens
            else targets.logged_input_tokens + targets.logged_cache_read_tokens
                + targets.logged_cache_write_tokens + targets.logged_output_tokens
        end as token_weight,
        buckets.logged_class is null as any_class
    from buckets
    inner join bucket_accounts
        on buckets.allocation_bucket_id = bucket_accounts.allocation_bucket_id
    inner join bucket_days
        on buckets.allocation_bucket_id = bucket_days.allocation_bucket_id
    inner join targets
        on bucket_days.day = targets.day
        and buckets.provider_key = targets.provider
    where (buckets.model_key = targets.model_key
            or (buckets.model_key is null and buckets.ai_kind = 'other_ai'))
        and (buckets.tier is null or buckets.tier = targets.tier)
        and (buckets.account_key is null
            or buckets.account_key = targets.account_key
            or (targets.account_key is null and bucket_accounts.matches_unnamed_account))
),

-- a class charge goes only to groups that used tokens of its class
matched_groups as (
    select * exclude (any_class) from matched
    where matched.any_class or matched.token_weight > 0
),

unmatched_buckets as (
    select buckets.*
    from buckets
    where buckets.allocation_bucket_id not in (
        select matched_groups.allocation_bucket_id from matched_groups
    )
),

-- spread variant: the provider's groups of the bucket's own days ...
spread_same_days as (
    select
        unmatched_buckets.allocation_bucket_id,
        'spread' as allocation_variant,
        'aicost-spread-unmatched-' as method_prefix,
        unmatched_buckets.day_from as allocation_range_start,
        unmatched_buckets.day_to as allocation_range_end,
        targets.target_id,
        targets.operations,
        targets.estimated_cost as cost_weight,
        targets.logged_input_tokens + targets.logged_cache_read_tokens
            + targets.logged_cache_write_tokens + targets.logged_output_tokens as token_weight
    from unmatched_buckets
    inner join bucket_days
        on unmatched_buckets.allocation_bucket_id = bucket_days.allocation_bucket_id
    inner join targets
        on bucket_days.day = targets.day
        and unmatched_buckets.provider_key = targets.provider
),

-- ... else of its billing period
spread_period as (
    select
        unmatched_buckets.allocation_bucket_id,
        'spread' as allocation_variant,
        'aicost-spread-unmatched-' as method_prefix,
        unmatched_buckets.billing_period_from as allocation_range_start,
        unmatched_buckets.billing_period_to as allocation_range_end,
        targets.target_id,
        targets.operations,
        targets.estimated_cost as cost_weight,
        targets.logged_input_tokens + targets.logged_cache_read_tokens
            + targets.logged_cache_write_tokens + targets.logged_output_tokens as token_weight
    from unmatched_buckets
    inner join targets
        on unmatched_buckets.provider_key = targets.provider
        and targets.day between unmatched_buckets.billing_period_from
        and unmatched_buckets.billing_period_to
    where unmatched_buckets.allocation_bucket_id not in (
        select spread_same_days.allocation_bucket_id from spread_same_days
    )
),

candidates as (
    select * from matched_groups
    union all by name
    select * from spread_same_days
    union all by name
    select * from spread_period
),

candidate_totals as (
    select
        candidates.allocation_bucket_id,
        candidates.allocation_variant,
        coalesce(sum(candidates.cost_weight), 0) as total_cost_weight,
        sum(candidates.token_weight) as total_token_weight
    from candidates
    group by candidates.allocation_bucket_id, candidates.allocation_variant
),

-- integer weights: estimated cost in 1e-12 units, else tokens, else operations
raw_weighted as (
    select
        candidates.*,
        case
            when candidate_totals.total_cost_weight > 0 then 'estimated-cost'
            when candidate_totals.total_token_weight > 0 then 'tokens'
            else 'operations'
        end as weighed_by,
        case
            when candidate_totals.total_cost_weight > 0
                then cast(coalesce(candidates.cost_weight, 0) * 1000000000000 as hugeint)
            when candidate_totals.total_token_weight > 0
                then cast(candidates.token_weight as hugeint)
            else cast(candidates.operations as hugeint)
        end as raw_weight,
        case
            when candidate_totals.total_cost_weight > 0
                then cast(candidate_totals.total_cost_weight * 1000000000000 as hugeint)
            when candidate_totals.total_token_weight > 0
                then cast(candidate_totals.total_token_weight as hugeint)
        end as raw_total
    from candidates
    inner join candidate_totals
        on candidates.allocation_bucket_id = candidate_totals.allocation_bucket_id
        and candidates.allocation_variant = candidate_totals.allocation_variant
),

-- at most 16 digits in a bucket's total weight
weighted as (
    select
        raw_weighted.* exclude (raw_weight, raw_total),
        raw_weighted.raw_weight // cast(
            '1' || repeat('0', greatest(length(cast(coalesce(raw_weighted.raw_total, 0) as varchar)) - 16, 0))
            as hugeint
        ) as weight
    from raw_weighted
),

weight_totals as (
    select
        weighted.allocation_bucket_id,
        weighted.allocation_variant,
        sum(weighted.weight) as total_weight
    from weighted
    group by weighted.allocation_bucket_id, weighted.allocation_variant
),

with_bucket as (
    select
        weighted.*,
        weight_totals.total_weight,
        buckets.ai_kind,
        buckets.token_class,
        buckets.billing_currency,
        sign(buckets.effective_cost) as effective_sign,
        sign(buckets.billed_cost) as billed_sign,
        sign(buckets.list_cost) as list_sign,
        cast(1000000000000000000 as hugeint) as ratio_units,
        cast(abs(buckets.effective_cost) * 1000000000000 as hugeint) as effective_units,
        cast(abs(buckets.billed_cost) * 1000000000000 as hugeint) as billed_units,
        cast(abs(buckets.list_cost) * 1000000000000 as hugeint) as list_units
    from weighted
    inner join weight_totals
        on weighted.allocation_bucket_id = weight_totals.allocation_bucket_id
        and weighted.allocation_variant = weight_totals.allocation_variant
    inner join buckets
        on weighted.allocation_bucket_id = buckets.allocation_bucket_id
),

floors as (
    select
        with_bucket.*,
        with_bucket.ratio_units * with_bucket.weight // with_bucket.total_weight as ratio_floor,
        with_bucket.ratio_units * with_bucket.weight % with_bucket.total_weight as ratio_rest,
        with_bucket.effective_units * with_bucket.weight // with_bucket.total_weight
            as effective_floor,
        with_bucket.effective_units * with_bucket.weight % with_bucket.total_weight
            as effective_rest,
        with_bucket.billed_units * with_bucket.weight // with_bucket.total_weight
            as billed_floor,
        with_bucket.billed_units * with_bucket.weight % with_bucket.total_weight as billed_rest,
        with_bucket.list_units * with_bucket.weight // with_bucket.total_weight as list_floor,
        with_bucket.list_units * with_bucket.weight % with_bucket.total_weight as list_rest
    from with_bucket
),

floor_totals as (
    select
        floors.allocation_bucket_id,
        floors.allocation_variant,
        sum(floors.ratio_floor) as ratio_floor_total,
        sum(floors.effective_floor) as effective_floor_total,
        sum(floors.billed_floor) as billed_floor_total,
        sum(floors.list_floor) as list_floor_total
    from floors
    group by floors.allocation_bucket_id, floors.allocation_variant
),

-- the four largest-remainder ranks over narrow rows (the window sorts carry
-- only these), joined back by (bucket, variant, group)
ranks as (
    select
        floors.allocation_bucket_id,
        floors.allocation_variant,
        floors.target_id,
        row_number() over (
            partition by floors.allocation_bucket_id, floors.allocation_variant
            order by floors.ratio_rest desc, floors.target_id
        ) as ratio_rank,
        row_number() over (
            partition by floors.allocation_bucket_id, floors.allocation_variant
            order by floors.effective_rest desc, floors.target_id
        ) as effective_rank,
        row_number() over (
            partition by floors.allocation_bucket_id, floors.allocation_variant
            order by floors.billed_rest desc, floors.target_id
        ) as billed_rank,
        row_number() over (
            partition by floors.allocation_bucket_id, floors.allocation_variant
            order by floors.list_rest desc nulls last, floors.target_id
        ) as list_rank
    from floors
),

leftovers as (
    select
        floors.*,
        floors.ratio_units - floor_totals.ratio_floor_total as ratio_left,
        floors.effective_units - floor_totals.effective_floor_total as effective_left,
        floors.billed_units - floor_totals.billed_floor_total as billed_left,
        floors.list_units - floor_totals.list_floor_total as list_left,
        ranks.ratio_rank,
        ranks.effective_rank,
        ranks.billed_rank,
        ranks.list_rank
    from floors
    inner join floor_totals
        on floors.allocation_bucket_id = floor_totals.allocation_bucket_id
        and floors.allocation_variant = floor_totals.allocation_variant
    inner join ranks
        on floors.allocation_bucket_id = ranks.allocation_bucket_id
        and floors.allocation_variant = ranks.allocation_variant
        and floors.target_id = ranks.target_id
),

allocated as (
    select
        targets.day,
        leftovers.allocation_bucket_id,
        leftovers.allocation_variant,
        leftovers.method_prefix || leftovers.weighed_by as allocated_method_id,
        leftovers.allocation_range_start,
        leftovers.allocation_range_end,
        leftovers.ai_kind,
        leftovers.token_class,
        targets.provider,
        targets.account_key,
        targets.model_key,
        targets.tier,
        targets.feature,
        targets.owner,
        targets.team,
        targets.model,
        targets.prompt_version,
        targets.environment,
        targets.unit_key,
        leftovers.operations,
        leftovers.weight as allocation_weight,
        cast(
            aicost_split_share(
                leftovers.ratio_floor, leftovers.ratio_rank, leftovers.ratio_left, 1,
                cast(0.000000000000000001 as decimal(19, 18))
            ) as decimal(38, 18)
        ) as allocated_ratio,
        cast(
            aicost_split_share(
                leftovers.effective_floor, leftovers.effective_rank,
                leftovers.effective_left, leftovers.effective_sign,
                cast(0.000000000001 as decimal(13, 12))
            ) as decimal(38, 12)
        ) as allocated_effective_cost,
        cast(
            aicost_split_share(
                leftovers.billed_floor, leftovers.billed_rank,
                leftovers.billed_left, leftovers.billed_sign,
                cast(0.000000000001 as decimal(13, 12))
            ) as decimal(38, 12)
        ) as allocated_billed_cost,
        cast(
            aicost_split_share(
                leftovers.list_floor, leftovers.list_rank,
                leftovers.list_left, leftovers.list_sign,
                cast(0.000000000001 as decimal(13, 12))
            ) as decimal(38, 12)
        ) as allocated_list_cost,
        leftovers.billing_currency
    from leftovers
    inner join targets
        on leftovers.target_id = targets.target_id
),

unallocated as (
    select
        unmatched_buckets.day_from as day,
        unmatched_buckets.allocation_bucket_id,
        case
            when unmatched_buckets.allocation_bucket_id in (
                select candidates.allocation_bucket_id from candidates
                where candidates.allocation_variant = 'spread'
            ) then 'unallocated'
            else 'both'
        end as allocation_variant,
        'aicost-unallocated' as allocated_method_id,
        unmatched_buckets.day_from as allocation_range_start,
        unmatched_buckets.day_to as allocation_range_end,
        unmatched_buckets.ai_kind,
        unmatched_buckets.token_class,
        coalesce(unmatched_buckets.provider_key, 'unmapped') as provider,
        unmatched_buckets.account_key,
        unmatched_buckets.model_key,
        unmatched_buckets.tier,
        'unallocated' as feature,
        'unallocated' as owner,
        'unallocated' as team,
        coalesce(unmatched_buckets.model_key, unmatched_buckets.bill_model, 'unmapped') as model,
        'unallocated' as prompt_version,
        'unallocated' as environment,
        cast(null as varchar) as unit_key,
        cast(0 as bigint) as operations,
        cast(1 as hugeint) as allocation_weight,
        cast(1 as decimal(38, 18)) as allocated_ratio,
        unmatched_buckets.effective_cost as allocated_effective_cost,
        unmatched_buckets.billed_cost as allocated_billed_cost,
        unmatched_buckets.list_cost as allocated_list_cost,
        unmatched_buckets.billing_currency
    from unmatched_buckets
),

final as (
    select * from allocated
    union all by name
    select * from unallocated
)

select * from final
