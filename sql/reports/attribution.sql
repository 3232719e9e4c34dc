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
-- allocated_cost and basis (billed | estimated | mixed) come with the groups
-- (from allocated_costs, as in unit_economics; NULL for the user and
-- tag:<key> dimensions, which the allocation's grain does not keep).
-- cost is the best known cost, as in unit_economics: allocated_cost
-- ('billed'), estimated_cost ('estimated', or no basis; NULL when every call
-- is unpriced), allocated_cost + the estimated cost of the rows without a
-- bill ('mixed'). share is cost / total cost (the estimated share when no
-- bill is loaded), rounded half-up to 6 decimals by integer arithmetic; rows
-- are ordered by cost by the runner.

with

groups as (
    select * from attribution_groups
),

costed as (
    select
        groups.*,
        case groups.basis
            when 'billed' then groups.allocated_cost
            when 'mixed' then groups.allocated_cost + groups.unbilled_estimated_cost
            else groups.estimated_cost
        end::decimal(38, 12) as cost
    from groups
),

total as (
    select sum(costed.cost) as cost from costed
),

final as (
    select
        costed.* exclude (estimated_cost, allocated_cost, basis, unbilled_estimated_cost, cost),
        costed.estimated_cost,
        case
            when total.cost > 0 and costed.cost >= 0 then
                ((costed.cost * 1000000000000)::hugeint * 2000000
                    + (total.cost * 1000000000000)::hugeint)
                // (2 * (total.cost * 1000000000000)::hugeint)
                * 0.000001::decimal(7, 6)
            when total.cost > 0 then
                -(((-costed.cost * 1000000000000)::hugeint * 2000000
                    + (total.cost * 1000000000000)::hugeint)
                // (2 * (total.cost * 1000000000000)::hugeint)
                * 0.000001::decimal(7, 6))
        end::decimal(9, 6) as share,
        costed.allocated_cost,
        costed.basis,
        costed.cost
    from costed
    cross join total
)

select * from final
order by final.cost desc nulls last
