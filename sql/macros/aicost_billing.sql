-- Parsing helpers of the bill classification (int_charge_meters_classified):
-- usage types, meters, SKUs and line items -> model as the bill names it,
-- token class, tier and routing. Pure functions of strings: a string no
-- grammar recognises gives NULL (never a guess), and nothing here raises.
-- This folder is the one exception to "pure select": it holds only
-- `create or replace temp macro` statements, loaded before the models.
-- These macros call only macros of this file defined above them (macro files
-- load in name order).

-- aicost_bill_model_lookup(name): the key a bill model name is looked up by in
-- the model map (bundled aicost_cli/data/bill_models.csv and [billing.models]):
-- lower case, trimmed, runs of spaces and underscores as one '-'
-- ('Claude Haiku 4.5' -> 'claude-haiku-4.5', 'gpt 4o 0513' -> 'gpt-4o-0513').
-- aicost_cli.billing.classify.lookup_key is the same rule in Python.
create or replace temp macro aicost_bill_model_lookup(name) as (
    nullif(regexp_replace(lower(trim(name)), '[\s_]+', '-', 'g'), '')
);

-- aicost_charge_meter(...): what a bill line's classification depends on, as
-- one struct (see int_charges_scoped): the same struct for the lines of one
-- meter, so the parsing runs once per distinct struct. Fields, from the FOCUS
-- columns and the format's extras (x_ keys): billing_source, service_code (CUR
-- x_product_code | AWS FOCUS x_ServiceCode), billing_entity (CUR
-- x_billing_entity), service_name, meter_category / meter_subcategory (Azure
-- FOCUS x_SkuMeterCategory / x_SkuMeterSubcategory), meter_name (Azure FOCUS
-- 1.0 x_SkuMeterName), product_name (CUR x_product_name), usage_type (CUR
-- x_usage_type | FOCUS x_UsageType), sku_meter, description (CUR
-- x_line_item_description | charge_description), consumed_unit, pricing_unit,
-- cur_pricing_unit (CUR x_pricing_unit), instance_type (CUR x_instance_type),
-- line_item (OpenAI x_line_item), cost_type, token_type, model, service_tier,
-- inference_geo (Anthropic x_*). Empty strings are NULL.
create or replace temp macro aicost_charge_meter(
    billing_source, service_name, sku_meter, charge_description, consumed_unit,
    pricing_unit, extras
) as (
    {
        'billing_source': billing_source,
        'service_code': coalesce(
            nullif(extras['x_product_code'], ''), nullif(extras['x_ServiceCode'], '')
        ),
        'billing_entity': nullif(extras['x_billing_entity'], ''),
        'service_name': service_name,
        'meter_category': nullif(extras['x_SkuMeterCategory'], ''),
        'meter_subcategory': nullif(extras['x_SkuMeterSubcategory'], ''),
        'meter_name': nullif(extras['x_SkuMeterName'], ''),
        'product_name': nullif(extras['x_product_name'], ''),
        'usage_type': coalesce(
            nullif(extras['x_usage_type'], ''), nullif(extras['x_UsageType'], '')
        ),
        'sku_meter': nullif(sku_meter, ''),
        'description': coalesce(
            nullif(extras['x_line_item_description'], ''), nullif(charge_description, '')
        ),
        'consumed_unit': nullif(consumed_unit, ''),
        'pricing_unit': nullif(pricing_unit, ''),
        'cur_pricing_unit': nullif(extras['x_pricing_unit'], ''),
        'instance_type': nullif(extras['x_instance_type'], ''),
        'line_item': nullif(extras['x_line_item'], ''),
        'cost_type': nullif(extras['x_cost_type'], ''),
        'token_type': nullif(extras['x_token_type'], ''),
        'model': nullif(extras['x_model'], ''),
        'service_tier': nullif(extras['x_service_tier'], ''),
        'inference_geo': nullif(extras['x_inference_geo'], '')
    }
);

-- aicost_unit_text(unit): a unit as comparable text: lower case, '_' as a
-- space, no thousands separators, single spaces ('1000_tokens' -> '1000 tokens').
create or replace temp macro aicost_unit_text(unit) as (
    trim(regexp_replace(lower(replace(replace(unit, '_', ' '), ',', '')), '\s+', ' ', 'g'))
);

-- aicost_token_unit_size(unit): how many tokens one unit of quantity is, from a
-- unit string ('tokens' 1, '1K tokens' / '1000 Tokens' / '1000_tokens' 1,000,
-- '1M tokens' / '1000000 Tokens' / 'million tokens' 1,000,000); NULL for any
-- other unit ('Units', 'Hrs', 'requests', '1K' alone): never assumed.
create or replace temp macro aicost_token_unit_size(unit) as (
    case
        when unit is null then null
        when regexp_matches(aicost_unit_text(unit), '^(1 )?tokens?( count)?$')
            then cast(1 as decimal(38, 0))
        when regexp_matches(aicost_unit_text(unit), '^(1 ?k|1000|k|thousand|one thousand) ?tokens?$')
            then cast(1000 as decimal(38, 0))
        when regexp_matches(
            aicost_unit_text(unit), '^(1 ?m|1000000|m|mtok|million|one million) ?tokens?$')
            then cast(1000000 as decimal(38, 0))
    end
);

-- aicost_description_token_unit_size(description): the token unit a line item
-- description names, for lines whose pricing unit is the generic 'Units'
-- (Bedrock Marketplace models): the third '|'-separated part (as AWS CUDOS
-- reads it), else a 'per 1M [input] tokens' / 'per 1K tokens' phrase; NULL
-- when the description names no token unit.
create or replace temp macro aicost_description_token_unit_size(description) as (
    coalesce(
        aicost_token_unit_size(nullif(trim(split_part(description, '|', 3)), '')),
        case regexp_extract(
                aicost_unit_text(description),
                '(?:per|/) ?(1 ?k|1000|thousand|1 ?m|1000000|million) (?:[a-z-]+ ){0,3}tokens?\b', 1)
            when '1k' then cast(1000 as decimal(38, 0))
            when '1 k' then cast(1000 as decimal(38, 0))
            when '1000' then cast(1000 as decimal(38, 0))
            when 'thousand' then cast(1000 as decimal(38, 0))
            when '1m' then cast(1000000 as decimal(38, 0))
            when '1 m' then cast(1000000 as decimal(38, 0))
            when '1000000' then cast(1000000 as decimal(38, 0))
            when 'million' then cast(1000000 as decimal(38, 0))
        end
    )
);

-- Amazon Bedrock first-party usage types (product AmazonBedrock, priced per
-- 1K tokens): '<REGION>-<BillingName>-<token type>[-<suffix>...]', e.g.
-- 'USE1-Claude4.5Sonnet-input-tokens', '-output-tokens',
-- '-cache-read-input-token-count', '-cache-write-input-token-count',
-- 'USE1-openai.gpt-oss-120b-mantle-input-tokens-standard',
-- 'USE1-xai.grok-4.3-mantle-cache-read-tokens-flex'; suffixes -batch -flex
-- -priority -standard -custom-model -cross-region-global. The region prefix
-- (upper-case letters and a digit: USE1, EUC1, APS3, UGW1) is optional.
-- Groups: 1 billing name, 2 token type, 3 the suffixes ('' when none).
create or replace temp macro aicost_bedrock_usage_parts(usage_type) as (
    regexp_extract(
        usage_type,
        '^(?:[A-Z]{2,4}[0-9]-)?(.+?)-(?i:(?:mantle-)?(input-tokens?|output-tokens?|cache-read-input-tokens?(?:-count)?|cache-read-tokens?|cache-write-input-tokens?(?:-count)?|cache-write-tokens?))((?i:-[a-z0-9]+)*)$',
        ['bill_model', 'token_type', 'suffixes']
    )
);

-- The token class of a Bedrock token type ('input-tokens' -> 'input').
create or replace temp macro aicost_bedrock_token_class(token_type) as (
    case
        when lower(token_type) like 'input%' then 'input'
        when lower(token_type) like 'output%' then 'output'
        when lower(token_type) like 'cache-read%' then 'cache_read'
        when lower(token_type) like 'cache-write%' then 'cache_write'
    end
);

-- Amazon Bedrock Marketplace usage types (Claude 4.x, Cohere ...; billing
-- entity 'AWS Marketplace', priced per 1M tokens):
-- 'USE1-MP:USE1_InputTokenCount-Units', '..._OutputTokenCount-Units',
-- '..._InputTokenCount_Global-Units', '..._CacheReadInputTokenCount-Units',
-- '..._CacheWriteInputTokenCount-Units', and the snake forms
-- '..._input_tokens_standard-Units', '..._input_tokens_global_standard-Units',
-- '..._cache_read_tokens_standard-Units'. Returns the token part with
-- underscores removed, lower case ('inputtokencountglobal'), or NULL.
create or replace temp macro aicost_marketplace_token_part(usage_type) as (
    nullif(
        replace(lower(regexp_extract(
            usage_type, '(?i)MP:(?:[A-Z]{2,4}[0-9]_)?([a-z_]*token[a-z_]*)-Units$', 1
        )), '_', ''),
        ''
    )
);

create or replace temp macro aicost_marketplace_token_class(token_part) as (
    case
        when token_part like 'input%' then 'input'
        when token_part like 'output%' then 'output'
        when token_part like 'cacheread%' then 'cache_read'
        when token_part like 'cachewrite%' then 'cache_write'
    end
);

-- Azure OpenAI / Foundry Models meters (billing-formats.md 4.1), e.g.
-- 'gpt-4o-0806-Inp-regnl Tokens', 'gpt-4o-mini-0718-Batch-Inp-glbl Tokens',
-- 'o4-mini 0416 Inp glbl Tokens', 'gpt-5-codex-ccchd-inp-glbl Tokens',
-- '5.4 mini cd Inp Gl 1M Tokens', 'text-embedding-3-large-glbl Tokens',
-- 'gpt 4o 0513 Input global Tokens'. Words (separated by spaces or '-'):
-- Inp/inp/in/Input = input, Outp/Opt/out/Output = output, cached/cchd/ccchd/cd
-- = cached input, followed by Wr = cache write; glbl/Gl/global = global,
-- DZone/Dz/datazone = data zone, regnl/Rg/regional = regional; Batch; PP =
-- priority; '1K'/'1M' = the price block. The model is the text before the
-- first such word. The class / tier / routing macros take the meter's words
-- (aicost_azure_words: lower case, one space between words, padded), computed
-- once per meter by the caller.
create or replace temp macro aicost_azure_words(meter) as (
    ' ' || regexp_replace(lower(trim(meter)), '[\s-]+', ' ', 'g') || ' '
);

create or replace temp macro aicost_azure_meter_model(meter) as (
    nullif(trim(regexp_extract(
        meter,
        '^(.+?)[\s-]+(?i:inp|input|in|outp|output|out|opt|cached|cchd|ccchd|cd|glbl|gl|global|dzone|dz|datazone|regnl|rg|regional|batch|pp|priority|1k|1m|tokens?)(?:[\s-]|$)',
        1
    )), '')
);

create or replace temp macro aicost_azure_token_class(words) as (
    case
        when not regexp_matches(words, ' tokens? ') then null
        when regexp_matches(words, ' (cached|cchd|ccchd|cd|cache) (wr|write) ')
            then 'cache_write'
        when regexp_matches(words, ' (cached|cchd|ccchd|cd) ')
            then 'cache_read'
        when regexp_matches(words, ' (outp|output|out|opt) ') then 'output'
        when regexp_matches(words, ' (inp|input|in) ') then 'input'
        -- an embedding meter names no class: its tokens are input
        when regexp_matches(words, 'embedding') then 'input'
    end
);

create or replace temp macro aicost_azure_tier(words) as (
    case
        when regexp_matches(words, ' batch ') then 'batch'
        when regexp_matches(words, ' (pp|priority) ') then 'priority'
        when regexp_matches(words, ' flex ') then 'flex'
        else 'standard'
    end
);

create or replace temp macro aicost_azure_routing(words) as (
    case
        when regexp_matches(words, ' (glbl|gl|global) ') then 'global'
        when regexp_matches(words, ' (dzone|dz|datazone|data zone) ')
            then 'geo'
        when regexp_matches(words, ' (regnl|rg|regional) ') then 'in_region'
    end
);

-- Vertex AI / Gemini API SKUs (billing-formats.md 4.2), e.g.
-- 'Gemini 2.5 Flash GA Text Input - Predictions', 'Gemini 2.5 Flash GA Text
-- Output (Thinking On) - Predictions', 'Gemini 2.5 Flash GA Input Text
-- Caching', 'Gemini 3 Flash Text Input Caching Storage' (hourly storage: not
-- tokens), 'Gemini 3.7 Flash Global Text Input - Predictions' (global
-- endpoint). The model is the text before the first qualifier word; the class
-- macro takes the SKU's words (aicost_vertex_words), computed once by the caller.
create or replace temp macro aicost_vertex_words(sku) as (
    ' ' || regexp_replace(lower(trim(sku)), '[^a-z0-9.]+', ' ', 'g') || ' '
);

create or replace temp macro aicost_vertex_sku_model(sku) as (
    nullif(trim(regexp_extract(
        regexp_replace(sku, '\s+-\s+.*$', ''),
        '^(.+?)\s+(?i:ga|preview|global|batch|flex|priority|text|image|audio|video|thinking|input|output|caching|cached|long|short|tokens?|characters?)\b',
        1
    )), '')
);

create or replace temp macro aicost_vertex_token_class(words) as (
    case
        when regexp_matches(words, ' (storage|characters?|grounding|search) ')
            then null
        when regexp_matches(words, ' (caching|cached|cache) ') then 'cache_read'
        when regexp_matches(words, ' output ') then 'output'
        when regexp_matches(words, ' input ') then 'input'
    end
);

create or replace temp macro aicost_words_tier(words) as (
    case
        when regexp_matches(words, ' batch ') then 'batch'
        when regexp_matches(words, ' flex ') then 'flex'
        when regexp_matches(words, ' priority ') then 'priority'
        else 'standard'
    end
);

-- OpenAI Costs API line items: '<model>, <class>' ('gpt-4o-2024-08-06, input',
-- '..., output', '..., cached input', '..., input (batch)'). Line items without
-- a ', ' part (tool calls, storage) name no model.
create or replace temp macro aicost_openai_line_parts(line_item) as (
    regexp_extract(line_item, '^(.*),\s*([^,]*)$', ['model', 'class'])
);

-- The token class of the class part of a line item ('cached input' -> cache_read).
create or replace temp macro aicost_openai_token_class(class_part) as (
    case
        when regexp_matches(lower(class_part), '(cache[d]? ?write|cache creation)') then 'cache_write'
        when regexp_matches(lower(class_part), '(cached|cache read)') then 'cache_read'
        when regexp_matches(lower(class_part), 'input') then 'input'
        when regexp_matches(lower(class_part), 'output') then 'output'
    end
);

-- Anthropic Admin API cost_report token_type -> token class. The 1-hour cache
-- writes keep their own class ('cache_write_1h': they cost 2x input, the
-- 5-minute ones 1.25x); 5-minute writes are 'cache_write'.
create or replace temp macro aicost_anthropic_token_class(token_type) as (
    case lower(token_type)
        when 'uncached_input_tokens' then 'input'
        when 'input_tokens' then 'input'
        when 'output_tokens' then 'output'
        when 'cache_read_input_tokens' then 'cache_read'
        when 'cache_creation.ephemeral_5m_input_tokens' then 'cache_write'
        when 'cache_creation.ephemeral_1h_input_tokens' then 'cache_write_1h'
    end
);

-- A provider's service tier word -> standard | batch | flex | priority
-- ('priority_on_demand' -> priority, 'flex_discount' -> flex).
create or replace temp macro aicost_bill_tier(raw) as (
    case
        when raw is null or trim(raw) = '' then 'standard'
        when lower(raw) like 'batch%' then 'batch'
        when lower(raw) like 'flex%' then 'flex'
        when lower(raw) like 'priority%' then 'priority'
        else 'standard'
    end
);

-- aicost_model_base_key(model_key): an operations.model_key without the
-- Bedrock geography prefix ('us.claude-sonnet-4-5' -> 'claude-sonnet-4-5'),
-- the space charges.model_key is in (a bill does not tell a geographic
-- cross-region profile from in-region use; see charges.routing).
create or replace temp macro aicost_model_base_key(model_key) as (
    regexp_replace(model_key, '^(us-gov|us|eu|apac|au|jp|ca)\.', '')
);

-- aicost_split_share(floor_units, rank, left_units, sign, unit): one share of
-- a largest-remainder split, back to money: the share's whole units
-- (floor_units, plus one more when its rank is among the left_units largest
-- remainders) times the unit (1e-12 for money, 1e-18 for ratios), with the
-- split amount's sign. Exact (integer units times a DECIMAL unit); callers
-- cast to their scale.
create or replace temp macro aicost_split_share(floor_units, rank, left_units, sign, unit) as (
    cast(floor_units + case when rank <= left_units then 1 else 0 end as decimal(38, 0))
    * unit * sign
);
