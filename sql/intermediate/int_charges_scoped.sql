-- int_charges_scoped
-- Purpose: the landed bill lines of the days the current build rebuilds, each
--          with `meter`: the fields its classification depends on, as one
--          struct (int_charge_meters_classified parses each distinct meter
--          once; a 10M-line bill has a few thousand).
-- Grain:   one row per landed bill line (land_charges) whose
--          charge_period_start falls on a day of build_days.
-- materialized: view
-- reads: land_charges, build_days
-- Meter fields, taken from the FOCUS columns and the format's extras (x_ keys):
--   billing_source, service_code (CUR x_product_code | AWS FOCUS x_ServiceCode),
--   billing_entity (CUR x_billing_entity), service_name, meter_category /
--   meter_subcategory (Azure FOCUS x_SkuMeterCategory / x_SkuMeterSubcategory),
--   meter_name (Azure FOCUS 1.0 x_SkuMeterName), product_name (CUR
--   x_product_name), usage_type (CUR x_usage_type | FOCUS x_UsageType),
--   sku_meter, description (CUR x_line_item_description | charge_description),
--   consumed_unit, pricing_unit, cur_pricing_unit (CUR x_pricing_unit),
--   instance_type (CUR x_instance_type), line_item (OpenAI x_line_item),
--   cost_type, token_type, model, service_tier, inference_geo (Anthropic x_*).

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
    select
        landed.*,
        {
            'billing_source': landed.billing_source,
            'service_code': coalesce(
                nullif(landed.extras['x_product_code'], ''),
                nullif(landed.extras['x_ServiceCode'], '')
            ),
            'billing_entity': nullif(landed.extras['x_billing_entity'], ''),
            'service_name': landed.service_name,
            'meter_category': nullif(landed.extras['x_SkuMeterCategory'], ''),
            'meter_subcategory': nullif(landed.extras['x_SkuMeterSubcategory'], ''),
            'meter_name': nullif(landed.extras['x_SkuMeterName'], ''),
            'product_name': nullif(landed.extras['x_product_name'], ''),
            'usage_type': coalesce(
                nullif(landed.extras['x_usage_type'], ''),
                nullif(landed.extras['x_UsageType'], '')
            ),
            'sku_meter': nullif(landed.sku_meter, ''),
            'description': coalesce(
                nullif(landed.extras['x_line_item_description'], ''),
                nullif(landed.charge_description, '')
            ),
            'consumed_unit': nullif(landed.consumed_unit, ''),
            'pricing_unit': nullif(landed.pricing_unit, ''),
            'cur_pricing_unit': nullif(landed.extras['x_pricing_unit'], ''),
            'instance_type': nullif(landed.extras['x_instance_type'], ''),
            'line_item': nullif(landed.extras['x_line_item'], ''),
            'cost_type': nullif(landed.extras['x_cost_type'], ''),
            'token_type': nullif(landed.extras['x_token_type'], ''),
            'model': nullif(landed.extras['x_model'], ''),
            'service_tier': nullif(landed.extras['x_service_tier'], ''),
            'inference_geo': nullif(landed.extras['x_inference_geo'], '')
        } as meter
    from landed
)

select * from final
