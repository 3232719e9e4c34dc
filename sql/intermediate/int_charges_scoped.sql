-- int_charges_scoped
-- Purpose: the landed bill lines of the days the current build rebuilds.
-- Grain:   one row per landed bill line (land_charges) whose
--          charge_period_start falls on a day of build_days.
-- materialized: view
-- reads: land_charges, build_days
-- aicost_build_from() / aicost_build_until() let the scan skip row groups
-- outside the days being built; build_days then picks the exact days.
-- The classification reads these lines twice: once for their distinct meters
-- (aicost_charge_meter: the fields the classification depends on, as one
-- struct; int_charge_meters_classified parses each distinct meter once: a
-- 10M-line bill has a few thousand), once to join every line to its meter.

with

days_to_build as (
    select build_days.day from build_days
),

landed as (
    select land_charges.* from land_charges
    where land_charges.charge_period_start >= aicost_build_from()
        and land_charges.charge_period_start < aicost_build_until()
        and cast(land_charges.charge_period_start as date)
            in (select days_to_build.day from days_to_build)
),

final as (
    select landed.* from landed
)

select * from final
