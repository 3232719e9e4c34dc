-- assert_priced_has_price_row
-- A priced operation names a price row that exists and has a cost; an
-- unpriced or structural one has neither (unknown is never shown as 0).
-- reads: operations, prices, build_days

select
    operations.source_format,
    operations.operation_id,
    operations.pricing_status,
    operations.price_id,
    operations.estimated_cost
from operations
where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
    and (
        (operations.pricing_status = 'priced' and (
            operations.estimated_cost is null
            or operations.price_id is null
            or operations.price_id not in (select prices.price_id from prices)
        ))
        or (operations.pricing_status <> 'priced' and operations.estimated_cost is not null)
        or operations.pricing_status not in ('priced', 'unpriced', 'not_billable')
    )
