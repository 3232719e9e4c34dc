-- assert_costs_in_reporting_currency
-- Every cost is in the configured reporting currency: an operation's estimate
-- (a price in another currency is converted with a configured rate, never
-- relabelled) and the bill allocated to operations (a line billed in another
-- currency is converted by int_charges_allocatable).
-- reads: operations, charge_allocations, cfg_settings, build_days, allocation_days

select
    operations.source_format as source,
    operations.operation_id as id,
    operations.currency
from operations
where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
    and operations.estimated_cost is not null
    and operations.currency is distinct from (select cfg_settings.reporting_currency from cfg_settings)

union all

select distinct
    'charge_allocations' as source,
    charge_allocations.allocation_bucket_id as id,
    charge_allocations.billing_currency as currency
from charge_allocations
where charge_allocations.day in (select allocation_days.day from allocation_days)
    and charge_allocations.billing_currency
        is distinct from (select cfg_settings.reporting_currency from cfg_settings)
