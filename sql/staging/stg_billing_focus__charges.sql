-- stg_billing_focus__charges
-- Purpose: FOCUS 1.0-1.4 rows (AWS, Microsoft, Google, Oracle; CSV or parquet,
--          every value read as text) as canonical charges, with a quarantine
--          reason. Mapping and quirks: docs/billing-formats.md.
-- Grain:   one row per data row of a FOCUS file.
-- Key:     charge_id = 'focus:' || sha256([partition_key, source_file, source_row]).
-- Partition: 'focus|<BillingAccountId>|<BillingPeriodStart as YYYY-MM-DD>' (a file
--          holding several accounts or periods feeds several partitions).
-- materialized: view
-- reads: raw_billing_focus
--
-- Quarantined: a row the reader could not split (read_problem), a required value
-- missing (BilledCost, EffectiveCost, BillingPeriodStart, ChargePeriodStart,
-- ChargeCategory, BillingCurrency, ServiceProviderName/ProviderName), or any money,
-- quantity, unit price or timestamp that is present but does not parse (the
-- reason names the column and the value). Money is parsed from its text into
-- DECIMAL(38, 12), never through DOUBLE.
--
-- FOCUS 1.3 split allocations: a row with AllocatedMethodId set is an allocated
-- charge, a share of an origin charge that is also in the file. It is landed
-- with allocated_method_id set; a billed total counts only rows where
-- allocated_method_id is null.

with

raw_billing_focus_rows as (
    select * from raw_billing_focus
),

cleaned as (
    select
        raw_billing_focus_rows.source_file,
        raw_billing_focus_rows.source_row,
        raw_billing_focus_rows.read_problem,
        raw_billing_focus_rows.extra_columns,
        raw_billing_focus_rows."BilledCost" as billed_cost_text,
        raw_billing_focus_rows."EffectiveCost" as effective_cost_text,
        raw_billing_focus_rows."ListCost" as list_cost_text,
        raw_billing_focus_rows."ContractedCost" as contracted_cost_text,
        raw_billing_focus_rows."ListUnitPrice" as list_unit_price_text,
        raw_billing_focus_rows."ContractedUnitPrice" as contracted_unit_price_text,
        raw_billing_focus_rows."ConsumedQuantity" as consumed_quantity_text,
        raw_billing_focus_rows."PricingQuantity" as pricing_quantity_text,
        raw_billing_focus_rows."x_PricingBlockSize" as pricing_block_size_text,
        raw_billing_focus_rows."BillingPeriodStart" as billing_period_start_text,
        raw_billing_focus_rows."BillingPeriodEnd" as billing_period_end_text,
        raw_billing_focus_rows."ChargePeriodStart" as charge_period_start_text,
        raw_billing_focus_rows."ChargePeriodEnd" as charge_period_end_text,
        raw_billing_focus_rows."Tags" as tags_text,
        aicost_bill_text(raw_billing_focus_rows."BillingAccountId") as billing_account_id,
        aicost_bill_text(raw_billing_focus_rows."BillingAccountName") as billing_account_name,
        aicost_bill_text(raw_billing_focus_rows."SubAccountId") as sub_account_id,
        aicost_bill_text(raw_billing_focus_rows."SubAccountName") as sub_account_name,
        coalesce(
            aicost_bill_text(raw_billing_focus_rows."ServiceProviderName"),
            aicost_bill_text(raw_billing_focus_rows."ProviderName")
        ) as provider,
        aicost_bill_text(raw_billing_focus_rows."PublisherName") as publisher,
        aicost_bill_text(raw_billing_focus_rows."InvoiceIssuerName") as invoice_issuer,
        coalesce(
            aicost_bill_text(raw_billing_focus_rows."InvoiceId"),
            aicost_bill_text(raw_billing_focus_rows."x_InvoiceId")
        ) as invoice_id,
        aicost_bill_focus_value(
            raw_billing_focus_rows."ChargeCategory",
            ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']
        ) as charge_category,
        aicost_bill_focus_value(raw_billing_focus_rows."ChargeClass", ['Correction'])
            as charge_class,
        aicost_bill_focus_value(
            raw_billing_focus_rows."ChargeFrequency", ['One-Time', 'Recurring', 'Usage-Based']
        ) as charge_frequency,
        aicost_bill_text(raw_billing_focus_rows."ChargeDescription") as charge_description,
        aicost_bill_focus_value(
            raw_billing_focus_rows."PricingCategory", ['Standard', 'Dynamic', 'Committed', 'Other']
        ) as pricing_category,
        case
            when regexp_matches(trim(aicost_bill_text(raw_billing_focus_rows."BillingCurrency")),
                '^[A-Za-z]{3}$')
                then upper(trim(raw_billing_focus_rows."BillingCurrency"))
            else aicost_bill_text(raw_billing_focus_rows."BillingCurrency")
        end as billing_currency,
        aicost_bill_text(raw_billing_focus_rows."ServiceName") as service_name,
        aicost_bill_text(raw_billing_focus_rows."ServiceCategory") as service_category,
        aicost_bill_text(raw_billing_focus_rows."ServiceSubcategory") as service_subcategory,
        aicost_bill_text(raw_billing_focus_rows."SkuId") as sku_id,
        aicost_bill_text(raw_billing_focus_rows."SkuPriceId") as sku_price_id,
        coalesce(
            aicost_bill_text(raw_billing_focus_rows."SkuMeter"),
            aicost_bill_text(raw_billing_focus_rows."x_SkuMeterName")
        ) as sku_meter,
        aicost_bill_text(raw_billing_focus_rows."ResourceId") as resource_id,
        aicost_bill_text(raw_billing_focus_rows."ResourceName") as resource_name,
        aicost_bill_text(raw_billing_focus_rows."ResourceType") as resource_type,
        aicost_bill_text(raw_billing_focus_rows."RegionId") as region_id,
        aicost_bill_text(raw_billing_focus_rows."AvailabilityZone") as availability_zone,
        aicost_bill_text(raw_billing_focus_rows."ConsumedUnit") as consumed_unit,
        aicost_bill_text(raw_billing_focus_rows."PricingUnit") as pricing_unit,
        aicost_bill_text(raw_billing_focus_rows."CommitmentDiscountId") as commitment_discount_id,
        aicost_bill_text(raw_billing_focus_rows."CommitmentDiscountType")
            as commitment_discount_type,
        aicost_bill_focus_value(raw_billing_focus_rows."CommitmentDiscountStatus", ['Used', 'Unused'])
            as commitment_discount_status,
        aicost_bill_focus_value(
            raw_billing_focus_rows."CommitmentDiscountCategory", ['Spend', 'Usage']
        ) as commitment_discount_category,
        aicost_bill_text(raw_billing_focus_rows."AllocatedMethodId") as allocated_method_id,
        aicost_bill_text(raw_billing_focus_rows."AllocatedResourceId") as allocated_resource_id,
        -- FOCUS columns without a canonical column of their own, under their
        -- snake_case FOCUS name
        [
            {'key': 'allocated_method_details',
             'value': aicost_bill_text(raw_billing_focus_rows."AllocatedMethodDetails")},
            {'key': 'allocated_resource_name',
             'value': aicost_bill_text(raw_billing_focus_rows."AllocatedResourceName")},
            {'key': 'allocated_tags',
             'value': aicost_bill_text(raw_billing_focus_rows."AllocatedTags")},
            {'key': 'billing_account_type',
             'value': aicost_bill_text(raw_billing_focus_rows."BillingAccountType")},
            {'key': 'capacity_reservation_id',
             'value': aicost_bill_text(raw_billing_focus_rows."CapacityReservationId")},
            {'key': 'capacity_reservation_status',
             'value': aicost_bill_text(raw_billing_focus_rows."CapacityReservationStatus")},
            {'key': 'commitment_discount_name',
             'value': aicost_bill_text(raw_billing_focus_rows."CommitmentDiscountName")},
            {'key': 'commitment_discount_quantity',
             'value': aicost_bill_text(raw_billing_focus_rows."CommitmentDiscountQuantity")},
            {'key': 'commitment_discount_unit',
             'value': aicost_bill_text(raw_billing_focus_rows."CommitmentDiscountUnit")},
            {'key': 'commitment_program_eligibility_details',
             'value': aicost_bill_text(
                raw_billing_focus_rows."CommitmentProgramEligibilityDetails")},
            {'key': 'contract_applied',
             'value': aicost_bill_text(raw_billing_focus_rows."ContractApplied")},
            {'key': 'host_provider_name',
             'value': aicost_bill_text(raw_billing_focus_rows."HostProviderName")},
            {'key': 'pricing_currency',
             'value': aicost_bill_text(raw_billing_focus_rows."PricingCurrency")},
            {'key': 'pricing_currency_contracted_unit_price',
             'value': aicost_bill_text(
                raw_billing_focus_rows."PricingCurrencyContractedUnitPrice")},
            {'key': 'pricing_currency_effective_cost',
             'value': aicost_bill_text(raw_billing_focus_rows."PricingCurrencyEffectiveCost")},
            {'key': 'pricing_currency_list_unit_price',
             'value': aicost_bill_text(raw_billing_focus_rows."PricingCurrencyListUnitPrice")},
            {'key': 'region_name', 'value': aicost_bill_text(raw_billing_focus_rows."RegionName")},
            {'key': 'sku_price_details',
             'value': aicost_bill_text(raw_billing_focus_rows."SkuPriceDetails")},
            {'key': 'sub_account_type',
             'value': aicost_bill_text(raw_billing_focus_rows."SubAccountType")}
        ] as focus_extras
    from raw_billing_focus_rows
),

parsed as (
    select
        cleaned.*,
        aicost_bill_money(cleaned.billed_cost_text) as billed_cost,
        aicost_bill_money(cleaned.effective_cost_text) as effective_cost,
        aicost_bill_money(cleaned.list_cost_text) as list_cost,
        aicost_bill_money(cleaned.contracted_cost_text) as contracted_cost,
        aicost_bill_price(cleaned.list_unit_price_text) as list_unit_price,
        aicost_bill_price(cleaned.contracted_unit_price_text) as contracted_unit_price,
        aicost_bill_money(cleaned.consumed_quantity_text) as consumed_quantity,
        aicost_bill_money(cleaned.pricing_quantity_text) as stated_pricing_quantity,
        aicost_bill_money(cleaned.pricing_block_size_text) as pricing_block_size,
        aicost_bill_ts(cleaned.billing_period_start_text) as billing_period_start,
        aicost_bill_ts(cleaned.billing_period_end_text) as billing_period_end,
        aicost_bill_ts(cleaned.charge_period_start_text) as charge_period_start,
        aicost_bill_ts(cleaned.charge_period_end_text) as charge_period_end,
        aicost_bill_tags(cleaned.tags_text) as tags
    from cleaned
),

quantities as (
    select
        parsed.*,
        -- Azure meters priced per block (`1K Tokens`, x_PricingBlockSize 1000):
        -- ConsumedQuantity counts units (tokens), the pricing quantity counts
        -- blocks. A file that states PricingQuantity is taken as given; one that
        -- does not gets ConsumedQuantity / block size (exact, 12 places).
        coalesce(
            parsed.stated_pricing_quantity,
            aicost_bill_divide(
                parsed.consumed_quantity,
                coalesce(parsed.pricing_block_size, aicost_bill_unit_block(parsed.pricing_unit))
            )
        ) as pricing_quantity,
        -- A consistency check, not money arithmetic (hence DOUBLE): Microsoft's
        -- FOCUS 1.0 export (the FinOps sample, 31 of 51 rows) states ListCost =
        -- ListUnitPrice x ConsumedQuantity with PricingQuantity = ConsumedQuantity
        -- / 10000, i.e. ConsumedQuantity there counts pricing blocks, not units.
        case
            when parsed.list_unit_price <> 0
                and abs(parsed.list_unit_price::double * parsed.stated_pricing_quantity::double
                    - parsed.list_cost::double)
                    > greatest(1e-9, abs(parsed.list_cost::double) * 1e-4)
                and abs(parsed.list_unit_price::double * parsed.consumed_quantity::double
                    - parsed.list_cost::double)
                    <= greatest(1e-9, abs(parsed.list_cost::double) * 1e-4)
                then 'list_cost_matches_consumed_quantity'
        end as quantity_check
    from parsed
),

keyed as (
    select
        quantities.*,
        'focus|' || coalesce(quantities.billing_account_id, '') || '|'
            || strftime(quantities.billing_period_start, '%Y-%m-%d') as partition_key
    from quantities
),

final as (
    select
        'focus:' || sha256(to_json([
            keyed.partition_key, keyed.source_file, keyed.source_row::varchar
        ])) as charge_id,
        'focus' as billing_source,
        keyed.partition_key,
        keyed.billing_account_id,
        keyed.billing_account_name,
        keyed.sub_account_id,
        keyed.sub_account_name,
        keyed.billing_period_start,
        keyed.billing_period_end,
        keyed.charge_period_start,
        keyed.charge_period_end,
        keyed.provider,
        keyed.publisher,
        keyed.invoice_issuer,
        keyed.invoice_id,
        keyed.charge_category,
        keyed.charge_class,
        keyed.charge_frequency,
        keyed.charge_description,
        keyed.pricing_category,
        keyed.billed_cost,
        keyed.effective_cost,
        keyed.list_cost,
        keyed.contracted_cost,
        keyed.billing_currency,
        keyed.list_unit_price,
        keyed.contracted_unit_price,
        keyed.service_name,
        keyed.service_category,
        keyed.service_subcategory,
        keyed.sku_id,
        keyed.sku_price_id,
        keyed.sku_meter,
        keyed.resource_id,
        keyed.resource_name,
        keyed.resource_type,
        keyed.region_id,
        keyed.availability_zone,
        keyed.consumed_quantity,
        keyed.consumed_unit,
        keyed.pricing_quantity::decimal(38, 12) as pricing_quantity,
        keyed.pricing_unit,
        keyed.commitment_discount_id,
        keyed.commitment_discount_type,
        keyed.commitment_discount_status,
        keyed.commitment_discount_category,
        keyed.allocated_method_id,
        keyed.allocated_resource_id,
        keyed.tags,
        aicost_bill_compact(
            coalesce(map_entries(keyed.extra_columns), [])
            || keyed.focus_extras
            || [
                {'key': 'x_tags_unparsed',
                 'value': case when keyed.tags is null then aicost_bill_text(keyed.tags_text) end},
                {'key': 'x_aicost_quantity_check', 'value': keyed.quantity_check}
            ]
        ) as extras,
        keyed.source_file,
        keyed.source_row,
        cast(null as bigint) as ingest_run_id,
        coalesce(
            keyed.read_problem,
            aicost_bill_decimal_problem('BilledCost', keyed.billed_cost_text, keyed.billed_cost, true),
            aicost_bill_decimal_problem(
                'EffectiveCost', keyed.effective_cost_text, keyed.effective_cost, true
            ),
            aicost_bill_ts_problem('BillingPeriodStart', keyed.billing_period_start_text, true),
            aicost_bill_ts_problem('ChargePeriodStart', keyed.charge_period_start_text, true),
            case when keyed.charge_category is null then 'ChargeCategory is missing' end,
            case when keyed.billing_currency is null then 'BillingCurrency is missing' end,
            case
                when keyed.provider is null then 'ServiceProviderName / ProviderName is missing'
            end,
            aicost_bill_ts_problem('BillingPeriodEnd', keyed.billing_period_end_text, false),
            aicost_bill_ts_problem('ChargePeriodEnd', keyed.charge_period_end_text, false),
            aicost_bill_decimal_problem('ListCost', keyed.list_cost_text, keyed.list_cost, false),
            aicost_bill_decimal_problem(
                'ContractedCost', keyed.contracted_cost_text, keyed.contracted_cost, false
            ),
            aicost_bill_decimal_problem(
                'ListUnitPrice', keyed.list_unit_price_text, keyed.list_unit_price, false
            ),
            aicost_bill_decimal_problem(
                'ContractedUnitPrice',
                keyed.contracted_unit_price_text,
                keyed.contracted_unit_price,
                false
            ),
            aicost_bill_decimal_problem(
                'ConsumedQuantity', keyed.consumed_quantity_text, keyed.consumed_quantity, false
            ),
            aicost_bill_decimal_problem(
                'PricingQuantity',
                keyed.pricing_quantity_text,
                keyed.stated_pricing_quantity,
                false
            ),
            aicost_bill_decimal_problem(
                'x_PricingBlockSize', keyed.pricing_block_size_text, keyed.pricing_block_size, false
            )
        ) as quarantine_reason
    from keyed
)

select * from final
