-- int_charges_classified
-- Purpose: every landed bill line of the days being built, with what the
--          allocation needs: AI or not, kind, provider, model, token class,
--          tier, routing, billed tokens, account, and the Bedrock application
--          inference profile it was billed to.
-- Grain:   one row per landed bill line (same rows as int_charges_scoped).
-- materialized: view
-- reads: int_charges_scoped, int_charge_meters_classified, cfg_inference_profiles, prices
--
-- is_ai: an AI model-usage or AI capacity charge: the meter is AI
--   (int_charge_meters_classified.kind) AND charge_category = 'Usage', or
--   'Purchase' for capacity (reserved / provisioned commitments). Tax, Credit
--   and Adjustment lines (refunds, credits, corrections) are never is_ai, even
--   of an AI service: ai_family still says which service they belong to.
--   Nor is a FOCUS 1.3 split allocation (allocated_method_id set): it is a
--   share of an origin charge that is in the bill too, so counting it would
--   count that charge twice.
-- ai_kind: the meter's kind when is_ai, else NULL.
-- billed_tokens: when the line is per token (ai_kind 'tokens', token_class
--   set): consumed_quantity x its unit size, else pricing_quantity x its unit
--   size, rounded to a whole token; NULL when the unit is unknown.
-- account_key: sub_account_id (AWS usage account, Azure subscription, OpenAI
--   project, Anthropic workspace), else billing_account_id.
-- inference_profile_arn: the Bedrock application inference profile the line
--   was billed to (resource_id 'arn:aws:bedrock:<region>:<acct>:application-
--   inference-profile/<id>[/...]'); profile_tags: the line's own tags of that
--   resource ('user_' / 'user:' prefixes removed: CUR resource tags) overlaid
--   with the profile's tags in [billing.inference_profiles] (the config wins on
--   a key both have); NULL for other lines. A token line whose model is not
--   mapped takes the configured profile's model (model_key_source
--   'inference_profile').

with

scoped as (
    select
        int_charges_scoped.*,
        aicost_charge_meter(
            int_charges_scoped.billing_source,
            int_charges_scoped.service_name,
            int_charges_scoped.sku_meter,
            int_charges_scoped.charge_description,
            int_charges_scoped.consumed_unit,
            int_charges_scoped.pricing_unit,
            int_charges_scoped.extras
        ) as meter
    from int_charges_scoped
),

meters as (
    select * from int_charge_meters_classified
),

configured_profiles as (
    select * from cfg_inference_profiles
),

price_keys as (
    select distinct prices.model_key from prices
),

profiles as (
    select
        configured_profiles.arn,
        configured_profiles.tags,
        coalesce(price_keys.model_key, aicost_model_key(configured_profiles.model)) as model_key
    from configured_profiles
    left join price_keys
        on lower(trim(configured_profiles.model)) = price_keys.model_key
),

joined as (
    select
        scoped.* exclude (meter),
        meters.ai_family,
        meters.usage_type,
        meters.instance_type,
        meters.kind,
        meters.provider_key,
        meters.bill_model,
        meters.model_key,
        meters.model_key_source,
        meters.token_class,
        meters.tier,
        meters.routing,
        meters.consumed_unit_size,
        meters.pricing_unit_size,
        case when contains(scoped.resource_id, ':application-inference-profile/') then
            nullif(regexp_extract(
                scoped.resource_id,
                '^(arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:application-inference-profile/[A-Za-z0-9]+)',
                1
            ), '')
        end as inference_profile_arn
    from scoped
    inner join meters
        on scoped.meter = meters.meter
),

with_profiles as (
    select
        joined.*,
        profiles.model_key as profile_model_key,
        case when joined.inference_profile_arn is not null then
            map_concat(
                map_from_entries(list_filter(
                    list_transform(
                        map_entries(joined.tags),
                        lambda entry: {
                            'key': regexp_replace(entry.key, '^user[_:]', ''),
                            'value': entry.value
                        }
                    ),
                    lambda entry, i: list_position(
                        list_transform(
                            map_keys(joined.tags),
                            lambda k: regexp_replace(k, '^user[_:]', '')
                        ),
                        entry.key
                    ) = i
                )),
                profiles.tags
            )
        end as profile_tags
    from joined
    left join profiles
        on joined.inference_profile_arn = profiles.arn
),

classified as (
    select
        with_profiles.*,
        with_profiles.kind is not null
            and with_profiles.allocated_method_id is null
            and (with_profiles.charge_category = 'Usage'
                or (with_profiles.charge_category = 'Purchase'
                    and with_profiles.kind = 'capacity'))
            as is_ai_charge
    from with_profiles
),

final as (
    select
        cast(classified.charge_period_start as date) as day,
        classified.* exclude (
            ai_family, usage_type, instance_type, kind, provider_key, bill_model, model_key,
            model_key_source, token_class, tier, routing, consumed_unit_size,
            pricing_unit_size, inference_profile_arn, profile_model_key, profile_tags,
            is_ai_charge
        ),
        classified.ai_family,
        classified.usage_type,
        classified.is_ai_charge as is_ai,
        case when classified.is_ai_charge then classified.kind end as ai_kind,
        classified.provider_key,
        classified.bill_model,
        case
            when classified.model_key is not null then classified.model_key
            when classified.kind = 'tokens' then classified.profile_model_key
        end as model_key,
        case
            when classified.model_key is not null then classified.model_key_source
            when classified.kind = 'tokens' and classified.profile_model_key is not null
                then 'inference_profile'
        end as model_key_source,
        classified.token_class,
        classified.tier,
        classified.routing,
        case when classified.kind = 'tokens' and classified.token_class is not null then
            cast(round(coalesce(
                classified.consumed_quantity * classified.consumed_unit_size,
                classified.pricing_quantity * classified.pricing_unit_size
            )) as decimal(38, 0))
        end as billed_tokens,
        coalesce(classified.sub_account_id, classified.billing_account_id) as account_key,
        classified.instance_type,
        classified.inference_profile_arn,
        classified.profile_tags
    from classified
)

select * from final
