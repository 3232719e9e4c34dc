-- attribution
-- Purpose: who and what caused the spend: operations, units and estimated
--          cost grouped by the requested dimensions, with each group's share.
-- Grain:   one row per combination of the requested dimensions
--          (attribution_groups, built by the report runner from a fixed
--          whitelist of dimension columns: from the daily rollup for whole
--          days, from operation_measures for a partial day or for the
--          dimensions the rollup does not keep: user and tag:<key>).
-- materialized: query
-- reads: attribution_groups
-- Parameters: none here; the runner filters attribution_groups by time.
-- share is estimated_cost / total estimated_cost, rounded half-up to 6
-- decimals by integer arithmetic. allocated_cost and basis (billed |
-- estimated | mixed) come with the groups (from allocated_costs, as in
-- unit_economics; NULL for the user and tag:<key> dimensions, which the
-- allocation's grain does not keep).

with

groups as (
    select * from attribution_groups
),

total as (
    select sum(groups.estimated_cost) as estimated_cost from groups
),

final as (
    select
        groups.* exclude (estimated_cost, allocated_cost, basis),
        groups.estimated_cost,
        case
            when total.estimated_cost > 0 then
                ((groups.estimated_cost * 1000000000000)::hugeint * 2000000
                    + (total.estimated_cost * 1000000000000)::hugeint)
                // (2 * (total.estimated_cost * 1000000000000)::hugeint)
                * 0.000001::decimal(7, 6)
        end::decimal(9, 6) as share,
        groups.allocated_cost,
        groups.basis
    from groups
    cross join total
)

select * from final
order by final.estimated_cost desc
