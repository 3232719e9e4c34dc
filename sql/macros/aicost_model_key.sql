-- aicost_model_key(model)
-- Purpose: the canonical price-catalog key of a logged model name, e.g.
--          'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0' -> 'claude-sonnet-4-5',
--          'amazon.nova-pro-v1:0' -> 'amazon.nova-pro', 'gpt-4o-2024-08-06' -> 'gpt-4o'.
-- This folder is the one exception to "pure select": only `create or replace
-- temp macro` statements. Pure regexp_replace chains (no DuckDB-only
-- functions beyond lower/trim/regexp_replace/nullif) so it ports to other engines.
--
-- Steps, innermost first (each regexp is anchored; each runs once):
--   1. lower-case and trim.
--   2. Bedrock ARN (optionally behind a route prefix): keep what follows the
--      last '/' ('arn:aws:bedrock:...:inference-profile/us.anthropic...').
--   3. Route / provider path segments, repeated: anthropic/ bedrock/
--      bedrock_converse/ converse/ invoke/ openai/ azure/ azure_ai/ vertex_ai/
--      vertex_ai_beta/ gemini/ google/ mistral/ models/ publishers/<x>/
--      projects/<p>/locations/<l>/ and AWS region segments ('us-east-1/').
--   4. Bedrock geography / inference-profile prefixes: us. us-gov. eu. apac.
--      au. jp. global.
--   5. Bedrock vendor prefixes whose catalog key is bare: anthropic. meta.
--      mistral. openai. deepseek. qwen. ('amazon.' and 'cohere.' are KEPT:
--      the catalog keys are 'amazon.nova-pro', 'cohere.rerank-v3-5').
--   6. Version / date suffixes, in this order:
--      ':0' (any ':<n>'), '@20240620' / '@001' / '@latest' (anything after '@'),
--      '-20250929-v1' / '-20241022-v2' (date + Bedrock version), '-v1'
--      (only v1: '-v2' is part of names such as amazon.titan-embed-text-v2),
--      '-20250929', '-2024-08-06', '-latest', '-001'..'-009',
--      and Anthropic's '-0' aliases ('claude-sonnet-4-0' -> 'claude-sonnet-4').
--   4-digit suffixes ('-2411', '-0613') are NOT stripped: for Mistral and old
--   OpenAI models they name versions with different prices, so those stay
--   unpriced (visible in `missing_prices`) rather than being priced wrongly.
create or replace temp macro aicost_model_key(model) as (
    nullif(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
        regexp_replace(
            lower(trim(model)),
            '^([^/]*/)*arn:.*/', ''),
            '^((anthropic|bedrock|bedrock_converse|converse|invoke|openai|azure|azure_ai|vertex_ai|vertex_ai_beta|gemini|google|mistral|models|publishers/[^/]+|projects/[^/]+/locations/[^/]+|[a-z]{2}(-gov)?-[a-z]+-[0-9]+)/)+', ''),
            '^(us-gov|us|eu|apac|au|jp|global)\.', ''),
            '^(anthropic|meta|mistral|openai|deepseek|qwen)\.', ''),
            ':[0-9]+$', ''),
            '@[a-z0-9._-]*$', ''),
            '-[0-9]{8}-v[0-9]+$', ''),
            '-v1$', ''),
            '-[0-9]{8}$', ''),
            '-[0-9]{4}-[0-9]{2}-[0-9]{2}$', ''),
            '-latest$', ''),
            '-00[0-9]$', ''),
            '^(claude-[a-z]+-[0-9]+)-0$', '\1'),
        ''
    )
);

-- aicost_model_geo_key(model)
-- Purpose: the price-catalog key of a Bedrock geography (regional) inference
--          profile, e.g. 'bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0'
--          -> 'us.claude-sonnet-4-5'; NULL for any other name (global profiles,
--          plain model ids, other providers). Regional profiles of newer models
--          cost more than the global one (Claude Sonnet 4.5 and later: +10%): the
--          catalog has '<geo>.<key>' rows for those, and int_model_names_resolved
--          tries this key before aicost_model_key's (which prices the global rate).
create or replace temp macro aicost_model_geo_key(model) as (
    case
        when regexp_matches(
            regexp_replace(
                regexp_replace(lower(trim(model)), '^([^/]*/)*arn:.*/', ''),
                '^((bedrock|bedrock_converse|converse|invoke|[a-z]{2}(-gov)?-[a-z]+-[0-9]+)/)+', ''),
            '^(us-gov|us|eu|apac|au|jp|ca)\.')
            then regexp_extract(
                regexp_replace(
                    regexp_replace(lower(trim(model)), '^([^/]*/)*arn:.*/', ''),
                    '^((bedrock|bedrock_converse|converse|invoke|[a-z]{2}(-gov)?-[a-z]+-[0-9]+)/)+', ''),
                '^(us-gov|us|eu|apac|au|jp|ca)\.', 1) || '.' || aicost_model_key(model)
    end
);
