-- int_charge_meters_classified
-- Purpose: what each distinct meter of the bill lines being built is: AI or
--          not, which AI family, provider, model (as billed and as the logs
--          key it), token class, tier, routing, and the token size of its
--          quantity units. Every regexp runs once per distinct meter.
-- Grain:   one row per distinct int_charges_scoped.meter; key meter.
-- materialized: view
-- reads: int_charges_scoped, cfg_bill_models, prices
--
-- ai_family (which grammar parses the line; NULL = not an AI service):
--   openai             billing_source openai-costs (x_line_item '<model>, <class>')
--   anthropic          billing_source anthropic-costs (x_cost_type, x_token_type, x_model,
--                      x_service_tier, x_inference_geo)
--   bedrock_marketplace a Bedrock model sold through AWS Marketplace: product name
--                      '... (Amazon Bedrock Edition)', or an 'MP:..TokenCount..-Units'
--                      usage type of billing entity 'AWS Marketplace' / a Bedrock code
--   bedrock            service code AmazonBedrock / AmazonBedrockService /
--                      AmazonBedrockFoundationModels, or service 'Amazon Bedrock'
--   azure_openai       meter category / service 'Azure OpenAI' or 'Foundry Models'
--   vertex_ai          service 'Vertex AI'; gemini_api: 'Generative Language API' / 'Gemini API'
--   sagemaker          service code AmazonSageMaker / service 'Amazon SageMaker'
--   gpu_instance       an EC2 instance line whose instance type is a GPU / accelerator
--                      family (p*, g*, gr*, trn*, inf*, dl*), from the usage type
--                      ('BoxUsage:p5.48xlarge', 'SpotUsage:', 'HeavyUsage:') or x_instance_type
-- kind (before the charge category is looked at; charges.ai_kind):
--   tokens     a per-token line (token_class set), or an OpenAI / Anthropic cost line
--              without the breakdown (no line item / cost type: token_class NULL)
--   capacity   Bedrock ProvisionedThroughput / ModelUnits, Azure provisioned (PTU),
--              Vertex provisioned throughput, SageMaker endpoint hosting
--              ('Host:ml.*'), GPU instances
--   other_ai   any other line of an AI service (training, storage, guardrails,
--              images, web search, grounding, tool calls)
-- provider_key: the operations.provider value of the calls the line paid for:
--   bedrock, bedrock_marketplace -> 'bedrock'; azure_openai -> 'azure';
--   vertex_ai -> 'vertex_ai'; gemini_api -> 'gemini'; openai -> 'openai';
--   anthropic -> 'anthropic'; sagemaker -> 'sagemaker'; gpu_instance -> NULL
--   (self-hosted: the capacity pools of the config say which models).
-- bill_model: Bedrock billing name ('Claude4.5Sonnet'; '<name>-custom-model' for
--   a custom model's line), Marketplace product name without ' (Amazon Bedrock
--   Edition)', Azure meter model ('gpt-4o-0806'), Vertex SKU model ('Gemini 2.5
--   Flash'), OpenAI line item model, Anthropic x_model.
-- model_key, model_key_source: the first of
--   'config'   [billing.models] (any provider; names compared by aicost_bill_model_lookup)
--   'bundled'  aicost_cli/data/bill_models.csv for the line's provider_key
--   'model_id' the bill names the API model id (OpenAI, Anthropic, Bedrock
--              '<vendor>.<model>' names such as 'openai.gpt-oss-120b'): the
--              name itself when it is a price-catalog key, else aicost_model_key
--              of it (the key the pricing gives a logged name)
--   NULL: unmapped (listed by `aicost billing unmapped`), never a guess.
-- token_class: input | output | cache_read | cache_write (5-minute, or TTL not
--   stated) | cache_write_1h (Anthropic's 1-hour writes) | NULL.
-- tier (token lines): standard | batch | flex | priority. routing (token lines):
--   global (global cross-region / global endpoint), geo (Azure data zone,
--   Anthropic inference_geo other than global), in_region (Azure regional,
--   Vertex regional, and Bedrock lines without a global marker: in-region OR a
--   geographic cross-region profile, which a Bedrock bill does not tell
--   apart), NULL when the bill says nothing (OpenAI, Anthropic without geo).
-- consumed_unit_size / pricing_unit_size: tokens per unit of consumed_quantity
--   / pricing_quantity (charges.billed_tokens): the unit string (consumed_unit,
--   CUR x_pricing_unit, pricing_unit: '1K tokens' 1000, '1M tokens' 1e6,
--   'tokens' 1), else the description's unit (Marketplace 'Units' lines);
--   Azure token meters: consumed_quantity is the token count (billing-formats.md
--   section 8: '1K'/'1M' only name the price block); Vertex: usage 'requests'
--   / 'count' units of a token SKU are tokens. NULL = unknown, never assumed.

with

scoped as (
    select
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

bill_models as (
    select * from cfg_bill_models
),

price_keys as (
    select distinct prices.model_key from prices
),

meters as (
    select distinct scoped.meter from scoped
),

aws_usage as (
    select
        meters.meter,
        coalesce(meters.meter.usage_type, meters.meter.sku_meter) as aws_usage_type,
        coalesce(
            nullif(regexp_extract(
                coalesce(meters.meter.usage_type, meters.meter.sku_meter, ''),
                ':((?:ml\.)?[a-z0-9-]+\.[a-z0-9]+)$', 1
            ), ''),
            lower(meters.meter.instance_type)
        ) as instance_type
    from meters
),

families as materialized (
    select
        aws_usage.meter,
        aws_usage.aws_usage_type,
        aws_usage.instance_type,
        case
            when aws_usage.meter.billing_source = 'openai-costs' then 'openai'
            when aws_usage.meter.billing_source = 'anthropic-costs' then 'anthropic'
            when aws_usage.meter.product_name like '%(Amazon Bedrock Edition)%'
                or (aicost_marketplace_token_part(aws_usage.aws_usage_type) is not null
                    and (aws_usage.meter.billing_entity = 'AWS Marketplace'
                        or aws_usage.meter.service_code like 'AmazonBedrock%'))
                then 'bedrock_marketplace'
            when aws_usage.meter.service_code in (
                    'AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
                or lower(aws_usage.meter.service_name) in ('amazon bedrock', 'bedrock')
                then 'bedrock'
            when lower(aws_usage.meter.meter_category) in (
                    'azure openai', 'azure openai service', 'foundry models')
                or lower(aws_usage.meter.service_name) in (
                    'azure openai', 'azure openai service', 'foundry models')
                then 'azure_openai'
            when lower(aws_usage.meter.service_name) = 'vertex ai' then 'vertex_ai'
            when lower(aws_usage.meter.service_name) in ('generative language api', 'gemini api')
                then 'gemini_api'
            when aws_usage.meter.service_code = 'AmazonSageMaker'
                or lower(aws_usage.meter.service_name) in ('amazon sagemaker', 'sagemaker')
                then 'sagemaker'
            when (aws_usage.meter.service_code = 'AmazonEC2'
                    or lower(aws_usage.meter.service_name) = 'amazon elastic compute cloud')
                and regexp_matches(
                    coalesce(aws_usage.instance_type, ''),
                    '^(p[0-9]+[a-z]*|g[0-9]+[a-z]*|gr[0-9]+[a-z]*|trn[0-9]+[a-z]*|inf[0-9]+[a-z]*|dl[0-9]+[a-z]*)\.[a-z0-9]+$'
                )
                then 'gpu_instance'
        end as ai_family
    from aws_usage
),

-- The text each grammar parses: usage type, meter, SKU, line item, token type.
texts as (
    select
        families.*,
        case
            when families.ai_family = 'azure_openai' then coalesce(
                families.meter.sku_meter,
                families.meter.meter_name,
                families.meter.meter_subcategory,
                families.meter.description
            )
            when families.ai_family in ('vertex_ai', 'gemini_api')
                then coalesce(families.meter.sku_meter, families.meter.description)
            when families.ai_family = 'openai'
                then coalesce(families.meter.line_item, families.meter.sku_meter)
            when families.ai_family = 'anthropic' then coalesce(
                families.meter.token_type, families.meter.cost_type, families.meter.description
            )
            else coalesce(families.aws_usage_type, families.meter.description)
        end as usage_type
    from families
),

-- Each grammar's parts, computed once (only for its own family).
parsed as (
    select
        texts.*,
        case when texts.ai_family = 'bedrock'
            then aicost_bedrock_usage_parts(texts.usage_type)
        end as bedrock_parts,
        case when texts.ai_family = 'bedrock_marketplace'
            then aicost_marketplace_token_part(texts.usage_type)
        end as marketplace_part,
        case
            when texts.ai_family = 'azure_openai' then aicost_azure_words(texts.usage_type)
            when texts.ai_family in ('vertex_ai', 'gemini_api')
                then aicost_vertex_words(texts.usage_type)
            when texts.ai_family = 'openai'
                then ' ' || regexp_replace(lower(texts.usage_type), '[^a-z0-9]+', ' ', 'g') || ' '
            when texts.ai_family = 'bedrock_marketplace'
                then ' ' || regexp_replace(lower(texts.usage_type), '[^a-z0-9]+', ' ', 'g') || ' '
        end as words,
        case when texts.ai_family = 'openai'
            then aicost_openai_line_parts(texts.usage_type)
        end as openai_parts
    from texts
),

tokenised as (
    select
        parsed.*,
        case parsed.ai_family
            when 'bedrock' then aicost_bedrock_token_class(nullif(parsed.bedrock_parts.token_type, ''))
            when 'bedrock_marketplace' then aicost_marketplace_token_class(parsed.marketplace_part)
            when 'azure_openai' then aicost_azure_token_class(parsed.words)
            when 'vertex_ai' then aicost_vertex_token_class(parsed.words)
            when 'gemini_api' then aicost_vertex_token_class(parsed.words)
            when 'openai' then case when parsed.openai_parts.model <> ''
                then aicost_openai_token_class(parsed.openai_parts.class)
            end
            when 'anthropic' then aicost_anthropic_token_class(parsed.meter.token_type)
        end as token_class
    from parsed
),

classified as (
    select
        tokenised.meter,
        tokenised.ai_family,
        tokenised.usage_type,
        case when tokenised.ai_family in ('gpu_instance', 'sagemaker')
            then tokenised.instance_type
        end as instance_type,
        case
            when tokenised.ai_family is null then null
            when tokenised.ai_family = 'gpu_instance' then 'capacity'
            when tokenised.ai_family = 'sagemaker' then
                case when tokenised.usage_type like '%Host:ml.%' then 'capacity' else 'other_ai' end
            when tokenised.ai_family = 'bedrock'
                and tokenised.token_class is null
                and regexp_matches(tokenised.usage_type, '(?i)provisionedthroughput|modelunits?')
                then 'capacity'
            when tokenised.ai_family = 'azure_openai'
                and regexp_matches(
                    lower(concat_ws(' ', tokenised.usage_type, tokenised.meter.meter_subcategory)),
                    'provisioned|\bptu\b'
                )
                then 'capacity'
            when tokenised.ai_family in ('vertex_ai', 'gemini_api')
                and regexp_matches(lower(tokenised.usage_type), 'provisioned throughput')
                then 'capacity'
            when tokenised.token_class is not null then 'tokens'
            -- a provider cost report without the breakdown: tokens of unknown model and class
            when tokenised.ai_family = 'openai' and tokenised.usage_type is null then 'tokens'
            when tokenised.ai_family = 'anthropic'
                and coalesce(lower(tokenised.meter.cost_type), 'tokens') = 'tokens'
                then 'tokens'
            else 'other_ai'
        end as kind,
        case tokenised.ai_family
            when 'bedrock' then 'bedrock'
            when 'bedrock_marketplace' then 'bedrock'
            when 'azure_openai' then 'azure'
            when 'vertex_ai' then 'vertex_ai'
            when 'gemini_api' then 'gemini'
            when 'openai' then 'openai'
            when 'anthropic' then 'anthropic'
            when 'sagemaker' then 'sagemaker'
        end as provider_key,
        case tokenised.ai_family
            when 'bedrock' then
                case
                    when tokenised.token_class is null then null
                    when lower(tokenised.bedrock_parts.suffixes) like '%-custom-model%'
                        then tokenised.bedrock_parts.bill_model || '-custom-model'
                    else tokenised.bedrock_parts.bill_model
                end
            when 'bedrock_marketplace' then nullif(trim(regexp_replace(
                tokenised.meter.product_name, '\s*\(Amazon Bedrock Edition\)\s*$', ''
            )), '')
            when 'azure_openai' then case when tokenised.token_class is not null
                then aicost_azure_meter_model(tokenised.usage_type)
            end
            when 'vertex_ai' then case when tokenised.token_class is not null
                then aicost_vertex_sku_model(tokenised.usage_type)
            end
            when 'gemini_api' then case when tokenised.token_class is not null
                then aicost_vertex_sku_model(tokenised.usage_type)
            end
            when 'openai' then nullif(trim(tokenised.openai_parts.model), '')
            when 'anthropic' then tokenised.meter.model
        end as bill_model,
        tokenised.token_class,
        case
            when tokenised.token_class is null
                and not (coalesce(tokenised.ai_family, '') = 'anthropic'
                    and coalesce(lower(tokenised.meter.cost_type), 'tokens') = 'tokens')
                then null
            when tokenised.ai_family = 'bedrock' then aicost_words_tier(
                ' ' || replace(lower(tokenised.bedrock_parts.suffixes), '-', ' ') || ' '
            )
            when tokenised.ai_family = 'azure_openai' then aicost_azure_tier(tokenised.words)
            when tokenised.ai_family = 'anthropic' then
                case
                    when tokenised.token_class is null and tokenised.meter.service_tier is null
                        then null
                    else aicost_bill_tier(tokenised.meter.service_tier)
                end
            else aicost_words_tier(tokenised.words)
        end as tier,
        case
            when tokenised.token_class is null
                and not (coalesce(tokenised.ai_family, '') = 'anthropic'
                    and coalesce(lower(tokenised.meter.cost_type), 'tokens') = 'tokens')
                then null
            when tokenised.ai_family = 'bedrock' then
                case when lower(tokenised.bedrock_parts.suffixes) like '%global%'
                    then 'global' else 'in_region' end
            when tokenised.ai_family = 'bedrock_marketplace' then
                case when tokenised.marketplace_part like '%global%'
                    then 'global' else 'in_region' end
            when tokenised.ai_family = 'azure_openai' then aicost_azure_routing(tokenised.words)
            when tokenised.ai_family in ('vertex_ai', 'gemini_api') then
                case when tokenised.words like '% global %' then 'global' else 'in_region' end
            when tokenised.ai_family = 'anthropic' then
                case
                    when lower(tokenised.meter.inference_geo) = 'global' then 'global'
                    when lower(tokenised.meter.inference_geo) in ('', 'not_available') then null
                    when tokenised.meter.inference_geo is not null then 'geo'
                end
        end as routing
    from tokenised
),

config_models as (
    select distinct
        aicost_bill_model_lookup(bill_models.bill_model) as lookup_key,
        bill_models.model_key
    from bill_models
    where bill_models.origin = 'config'
),

bundled_models as (
    select
        bill_models.provider_key,
        aicost_bill_model_lookup(bill_models.bill_model) as lookup_key,
        bill_models.model_key
    from bill_models
    where bill_models.origin = 'bundled'
),

with_lookup as (
    select
        classified.*,
        aicost_bill_model_lookup(classified.bill_model) as lookup_key,
        classified.ai_family in ('openai', 'anthropic')
            or (classified.ai_family = 'bedrock'
                and regexp_matches(coalesce(classified.bill_model, ''), '^[a-z0-9-]+\.[a-z0-9]'))
            as names_model_id
    from classified
),

mapped as (
    select
        with_lookup.* exclude (lookup_key, names_model_id),
        coalesce(
            config_models.model_key,
            bundled_models.model_key,
            case when with_lookup.names_model_id and with_lookup.bill_model is not null then
                coalesce(price_keys.model_key, aicost_model_key(with_lookup.bill_model))
            end
        ) as model_key,
        case
            when config_models.model_key is not null then 'config'
            when bundled_models.model_key is not null then 'bundled'
            when with_lookup.names_model_id and with_lookup.bill_model is not null
                and coalesce(price_keys.model_key, aicost_model_key(with_lookup.bill_model))
                    is not null
                then 'model_id'
        end as model_key_source
    from with_lookup
    left join config_models
        on with_lookup.lookup_key = config_models.lookup_key
    left join bundled_models
        on with_lookup.provider_key = bundled_models.provider_key
        and with_lookup.lookup_key = bundled_models.lookup_key
    left join price_keys
        on with_lookup.names_model_id
        and lower(trim(with_lookup.bill_model)) = price_keys.model_key
),

final as (
    select
        mapped.meter,
        mapped.ai_family,
        mapped.usage_type,
        mapped.instance_type,
        mapped.kind,
        mapped.provider_key,
        mapped.bill_model,
        mapped.model_key,
        mapped.model_key_source,
        mapped.token_class,
        mapped.tier,
        mapped.routing,
        case
            when mapped.ai_family = 'azure_openai' then cast(1 as decimal(38, 0))
            when mapped.ai_family in ('vertex_ai', 'gemini_api') then coalesce(
                aicost_token_unit_size(mapped.meter.consumed_unit),
                case
                    when lower(mapped.meter.consumed_unit) in ('request', 'requests', 'count')
                        then cast(1 as decimal(38, 0))
                end
            )
            else coalesce(
                aicost_token_unit_size(mapped.meter.consumed_unit),
                aicost_token_unit_size(mapped.meter.cur_pricing_unit),
                aicost_description_token_unit_size(mapped.meter.description)
            )
        end as consumed_unit_size,
        case
            when mapped.ai_family in ('azure_openai', 'vertex_ai', 'gemini_api') then null
            else coalesce(
                aicost_token_unit_size(mapped.meter.pricing_unit),
                aicost_description_token_unit_size(mapped.meter.description)
            )
        end as pricing_unit_size
    from mapped
)

select * from final
