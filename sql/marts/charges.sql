-- charges
-- Purpose: the bill, canonical: every landed bill line in FOCUS vocabulary
--          (land_charges' columns) plus its classification for allocation.
-- Grain:   one row per landed bill line; key charge_id (unique within a
--          billing source and partition, see land_charges).
-- materialized: incremental_by_day
-- reads: int_charges_classified
-- Rebuilt per day (day = charge_period_start's UTC date): the build deletes
-- the rows of build_days and inserts this select by name. The output
-- contract (columns, values) is in docs/schema.md ("charges"); the rules in
-- int_charge_meters_classified and int_charges_classified. Columns after
-- land_charges' own:
--   day, ai_family, usage_type, is_ai, ai_kind, provider_key, bill_model,
--   model_key, model_key_source, token_class, tier, routing, billed_tokens,
--   account_key, instance_type, inference_profile_arn, profile_tags.

with

classified as (
    select * from int_charges_classified
),

final as (
    select classified.* from classified
)

select * from final
