-- charge_allocation_splits
-- Purpose: one charge's allocation, in FOCUS 1.3 split-allocation
--          vocabulary: the origin charge, allocated_method_id,
--          allocated_ratio and the allocated amounts per allocated
--          operation group (`aicost billing allocations --charge ID`).
-- Grain:   one row per allocated operation group of the charge's bucket
--          (charge_allocations rows of the view asked for).
-- materialized: query
-- reads: int_charges_allocatable, charge_allocations
-- Parameters: $charge_id, $spread (boolean: the --spread-unmatched view).
-- The charge's own amounts are split over its bucket's groups with the
-- bucket's integer weights (allocation_weight) by the same largest-remainder
-- rule as charge_allocations (ties in the same group-key order), so they sum
-- to the charge exactly; a bucket of one charge gives its rows' amounts.
-- allocated_ratio is the bucket's (the same for every charge in it).

with

the_charge as (
    select * from int_charges_allocatable
    where int_charges_allocatable.charge_id = $charge_id
),

bucket_rows as (
    select
        charge_allocations.*,
        the_charge.charge_id,
        sum(charge_allocations.allocation_weight) over () as total_weight,
        sign(the_charge.effective_cost) as effective_sign,
        sign(the_charge.billed_cost) as billed_sign,
        sign(the_charge.list_cost) as list_sign,
        cast(abs(the_charge.effective_cost) * 1000000000000 as hugeint) as effective_units,
        cast(abs(the_charge.billed_cost) * 1000000000000 as hugeint) as billed_units,
        cast(abs(the_charge.list_cost) * 1000000000000 as hugeint) as list_units
    from charge_allocations
    inner join the_charge
        on charge_allocations.allocation_bucket_id = the_charge.allocation_bucket_id
    where charge_allocations.allocation_variant
        in ('both', case when $spread then 'spread' else 'unallocated' end)
),

floors as (
    select
        bucket_rows.*,
        bucket_rows.effective_units * bucket_rows.allocation_weight // bucket_rows.total_weight
            as effective_floor,
        bucket_rows.effective_units * bucket_rows.allocation_weight % bucket_rows.total_weight
            as effective_rest,
        bucket_rows.billed_units * bucket_rows.allocation_weight // bucket_rows.total_weight
            as billed_floor,
        bucket_rows.billed_units * bucket_rows.allocation_weight % bucket_rows.total_weight
            as billed_rest,
        bucket_rows.list_units * bucket_rows.allocation_weight // bucket_rows.total_weight
            as list_floor,
        bucket_rows.list_units * bucket_rows.allocation_weight % bucket_rows.total_weight
            as list_rest
    from bucket_rows
),

ranked as (
    select
        floors.*,
        floors.effective_units - sum(floors.effective_floor) over () as effective_left,
        floors.billed_units - sum(floors.billed_floor) over () as billed_left,
        floors.list_units - sum(floors.list_floor) over () as list_left,
        row_number() over (
            order by floors.effective_rest desc, floors.day, floors.provider, floors.account_key,
                floors.model_key, floors.tier, floors.feature, floors.owner, floors.team,
                floors.model, floors.prompt_version, floors.environment, floors.unit_key
        ) as effective_rank,
        row_number() over (
            order by floors.billed_rest desc, floors.day, floors.provider, floors.account_key,
                floors.model_key, floors.tier, floors.feature, floors.owner, floors.team,
                floors.model, floors.prompt_version, floors.environment, floors.unit_key
        ) as billed_rank,
        row_number() over (
            order by floors.list_rest desc nulls last, floors.day, floors.provider,
                floors.account_key, floors.model_key, floors.tier, floors.feature, floors.owner,
                floors.team, floors.model, floors.prompt_version, floors.environment,
                floors.unit_key
        ) as list_rank
    from floors
),

final as (
    select
        ranked.charge_id,
        ranked.allocated_method_id,
        ranked.allocated_ratio,
        cast(
            aicost_split_share(
                ranked.effective_floor, ranked.effective_rank,
                ranked.effective_left, ranked.effective_sign,
                cast(0.000000000001 as decimal(13, 12))
            ) as decimal(38, 12)
        ) as allocated_effective_cost,
        cast(
            aicost_split_share(
                ranked.billed_floor, ranked.billed_rank,
                ranked.billed_left, ranked.billed_sign,
                cast(0.000000000001 as decimal(13, 12))
            ) as decimal(38, 12)
        ) as allocated_billed_cost,
        cast(
            aicost_split_share(
                ranked.list_floor, ranked.list_rank,
                ranked.list_left, ranked.list_sign,
                cast(0.000000000001 as decimal(13, 12))
            ) as decimal(38, 12)
        ) as allocated_list_cost,
        ranked.billing_currency,
        ranked.day,
        ranked.feature,
        ranked.owner,
        ranked.team,
        ranked.model,
        ranked.provider,
        ranked.prompt_version,
        ranked.environment,
        ranked.unit_key,
        ranked.account_key,
        ranked.tier,
        ranked.operations,
        ranked.allocation_bucket_id
    from ranked
)

select * from final
order by final.allocated_effective_cost desc, final.day, final.feature, final.unit_key
