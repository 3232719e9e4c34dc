-- int_operations_unioned
-- Purpose: the landed operations of every request-log source, for the days
--          the current build rebuilds (build_days).
-- Grain:   one row per landed record; key (source_format, operation_id),
--          unique across the landing tables (the ingest lands each id once).
-- materialized: view
-- reads: land_litellm, land_otel, land_bedrock, land_aicost, build_days
-- aicost_build_from() / aicost_build_until() (macros the build defines: the
-- range that covers build_days) let the scans skip row groups outside the
-- days being built; build_days itself then picks the exact days.
-- All landing tables share one column list (migrations.LANDED_COLUMNS), in
-- the same order, so a plain union all is exact (portable: no by-name union).

with

days_to_build as (
    select build_days.day from build_days
),

landed_litellm as (
    select land_litellm.* from land_litellm
    where land_litellm.started_at >= aicost_build_from()
        and land_litellm.started_at < aicost_build_until()
        and cast(land_litellm.started_at as date) in (select days_to_build.day from days_to_build)
),

landed_otel as (
    select land_otel.* from land_otel
    where land_otel.started_at >= aicost_build_from()
        and land_otel.started_at < aicost_build_until()
        and cast(land_otel.started_at as date) in (select days_to_build.day from days_to_build)
),

landed_bedrock as (
    select land_bedrock.* from land_bedrock
    where land_bedrock.started_at >= aicost_build_from()
        and land_bedrock.started_at < aicost_build_until()
        and cast(land_bedrock.started_at as date) in (select days_to_build.day from days_to_build)
),

landed_aicost as (
    select land_aicost.* from land_aicost
    where land_aicost.started_at >= aicost_build_from()
        and land_aicost.started_at < aicost_build_until()
        and cast(land_aicost.started_at as date) in (select days_to_build.day from days_to_build)
),

final as (
    select * from landed_litellm
    union all
    select * from landed_otel
    union all
    select * from landed_bedrock
    union all
    select * from landed_aicost
)

select * from final
