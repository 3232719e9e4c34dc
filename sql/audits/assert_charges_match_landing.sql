-- assert_charges_match_landing
-- Each rebuilt day of `charges` has exactly the bill lines landed for it
-- (land_charges, day = charge_period_start's date): the same count and the
-- same billed and effective cost. Offending rows: one per day that differs.

with

days_to_check as (
    select build_days.day from build_days
),

landed as (
    select
        cast(land_charges.charge_period_start as date) as day,
        count(*) as charges,
        sum(land_charges.billed_cost) as billed_cost,
        sum(land_charges.effective_cost) as effective_cost
    from land_charges
    where cast(land_charges.charge_period_start as date)
        in (select days_to_check.day from days_to_check)
    group by cast(land_charges.charge_period_start as date)
),

built as (
    select
        charges.day,
        count(*) as charges,
        sum(charges.billed_cost) as billed_cost,
        sum(charges.effective_cost) as effective_cost
    from charges
    where charges.day in (select days_to_check.day from days_to_check)
    group by charges.day
),

final as (
    select
        coalesce(landed.day, built.day) as day,
        landed.charges as landed_charges,
        built.charges as built_charges,
        landed.billed_cost as landed_billed_cost,
        built.billed_cost as built_billed_cost
    from landed
    full outer join built
        on landed.day = built.day
    where landed.charges is distinct from built.charges
        or landed.billed_cost is distinct from built.billed_cost
        or landed.effective_cost is distinct from built.effective_cost
)

select * from final
