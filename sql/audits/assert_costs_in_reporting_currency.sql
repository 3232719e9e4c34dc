-- assert_costs_in_reporting_currency
-- Every cost is in the configured reporting currency (a price in another
-- currency is converted with a configured rate, never relabelled).
-- reads: operations, cfg_settings, build_days

select
    operations.source_format,
    operations.operation_id,
    operations.currency
from operations
where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
    and operations.estimated_cost is not null
    and operations.currency is distinct from (select cfg_settings.reporting_currency from cfg_settings)
