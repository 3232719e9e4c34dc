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
    select int_charges_scoped.meter from int_charges_scoped
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
        coalesce(meters.meter.usage_type, meters.meter.sku_meter) as usage_type,
        coalesce(
            nullif(regexp_extract(
                coalesce(meters.meter.usage_type, meters.meter.sku_meter, ''),
                ':((?:ml\.)?[a-z0-9-]+\.[a-z0-9]+)$', 1
            ), ''),
            lower(meters.meter.instance_type)
        ) as instance_type
    from meters
),

families as (
    select
        aws_usage.meter,
        aws_usage.usage_type,
        aws_usage.instance_type,
        case
            when aws_usage.meter.billing_source = 'openai-costs' then 'openai'
            when aws_usage.meter.billing_source = 'anthropic-costs' then 'anthropic'
            when aws_usage.meter.product_name like '%(Amazon Bedrock Edition)%'
                or (aicost_marketplace_token_part(aws_usage.usage_type) is not null
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

-- One CTE per grammar; each yields the same columns.
bedrock_parsed as (
    select
        families.meter,
        families.ai_family,
        families.usage_type,
        cast(null as varchar) as instance_type,
        aicost_bedrock_usage_parts(families.usage_type) as parts
    from families
    where families.ai_family = 'bedrock'
),

bedrock_lines as (
    select
        bedrock_parsed.meter,
        bedrock_parsed.ai_family,
        bedrock_parsed.usage_type,
        bedrock_parsed.instance_type,
        case
            when bedrock_parsed.parts.token_type <> '' then 'tokens'
            when regexp_matches(bedrock_parsed.usage_type, '(?i)provisionedthroughput|modelunits?')
                then 'capacity'
            else 'other_ai'
        end as kind,
        'bedrock' as provider_key,
        case
            when bedrock_parsed.parts.token_type = '' then null
            when lower(bedrock_parsed.parts.suffixes) like '%-custom-model%'
                then bedrock_parsed.parts.bill_model || '-custom-model'
            else bedrock_parsed.parts.bill_model
        end as bill_model,
        aicost_bedrock_token_class(nullif(bedrock_parsed.parts.token_type, '')) as token_class,
        case when bedrock_parsed.parts.token_type <> '' then
            aicost_words_tier(' ' || replace(lower(bedrock_parsed.parts.suffixes), '-', ' ') || ' ')
        end as tier,
        case when bedrock_parsed.parts.token_type <> '' then
            case
                when lower(bedrock_parsed.parts.suffixes) like '%global%' then 'global'
                else 'in_region'
            end
        end as routing
    from bedrock_parsed
),

marketplace_lines as (
    select
        families.meter,
        families.ai_family,
        families.usage_type,
        cast(null as varchar) as instance_type,
        case
            when aicost_marketplace_token_class(aicost_marketplace_token_part(families.usage_type))
                is not null then 'tokens'
            else 'other_ai'
        end as kind,
        'bedrock' as provider_key,
        nullif(trim(regexp_replace(
            families.meter.product_name, '\s*\(Amazon Bedrock Edition\)\s*$', ''
        )), '') as bill_model,
        aicost_marketplace_token_class(aicost_marketplace_token_part(families.usage_type))
            as token_class,
        case when aicost_marketplace_token_part(families.usage_type) is not null then
            case
                when aicost_marketplace_token_part(families.usage_type) like '%batch%' then 'batch'
                when aicost_marketplace_token_part(families.usage_type) like '%flex%' then 'flex'
                when aicost_marketplace_token_part(families.usage_type) like '%priority%'
                    then 'priority'
                else 'standard'
            end
        end as tier,
        case when aicost_marketplace_token_part(families.usage_type) is not null then
            case
                when aicost_marketplace_token_part(families.usage_type) like '%global%'
                    then 'global'
                else 'in_region'
            end
        end as routing
    from families
    where families.ai_family = 'bedrock_marketplace'
),

azure_meters as (
    select
        families.meter,
        families.ai_family,
        coalesce(
            families.meter.sku_meter,
            families.meter.meter_name,
            families.meter.meter_subcategory,
            families.meter.description
        ) as usage_type
    from families
    where families.ai_family = 'azure_openai'
),

azure_lines as (
    select
        azure_meters.meter,
        azure_meters.ai_family,
        azure_meters.usage_type,
        cast(null as varchar) as instance_type,
        case
            when regexp_matches(
                    lower(concat_ws(' ', azure_meters.usage_type, azure_meters.meter.meter_subcategory)),
                    'provisioned|\bptu\b'
                ) then 'capacity'
            when aicost_azure_token_class(azure_meters.usage_type) is not null then 'tokens'
            else 'other_ai'
        end as kind,
        'azure' as provider_key,
        case when aicost_azure_token_class(azure_meters.usage_type) is not null
            then aicost_azure_meter_model(azure_meters.usage_type)
        end as bill_model,
        aicost_azure_token_class(azure_meters.usage_type) as token_class,
        case when aicost_azure_token_class(azure_meters.usage_type) is not null
            then aicost_azure_tier(azure_meters.usage_type)
        end as tier,
        case when aicost_azure_token_class(azure_meters.usage_type) is not null
            then aicost_azure_routing(azure_meters.usage_type)
        end as routing
    from azure_meters
),

vertex_skus as (
    select
        families.meter,
        families.ai_family,
        coalesce(families.meter.sku_meter, families.meter.description) as usage_type
    from families
    where families.ai_family in ('vertex_ai', 'gemini_api')
),

vertex_lines as (
    select
        vertex_skus.meter,
        vertex_skus.ai_family,
        vertex_skus.usage_type,
        cast(null as varchar) as instance_type,
        case
            when regexp_matches(lower(vertex_skus.usage_type), 'provisioned throughput')
                then 'capacity'
            when aicost_vertex_token_class(vertex_skus.usage_type) is not null then 'tokens'
            else 'other_ai'
        end as kind,
        case vertex_skus.ai_family when 'gemini_api' then 'gemini' else 'vertex_ai' end
            as provider_key,
        case when aicost_vertex_token_class(vertex_skus.usage_type) is not null
            then aicost_vertex_sku_model(vertex_skus.usage_type)
        end as bill_model,
        aicost_vertex_token_class(vertex_skus.usage_type) as token_class,
        case when aicost_vertex_token_class(vertex_skus.usage_type) is not null
            then aicost_words_tier(aicost_vertex_words(vertex_skus.usage_type))
        end as tier,
        case when aicost_vertex_token_class(vertex_skus.usage_type) is not null then
            case
                when regexp_matches(aicost_vertex_words(vertex_skus.usage_type), ' global ')
                    then 'global'
                else 'in_region'
            end
        end as routing
    from vertex_skus
),

openai_lines as (
    select
        families.meter,
        families.ai_family,
        coalesce(families.meter.line_item, families.meter.sku_meter) as usage_type,
        cast(null as varchar) as instance_type,
        case
            when coalesce(families.meter.line_item, families.meter.sku_meter) is null then 'tokens'
            when aicost_openai_line_class(coalesce(families.meter.line_item, families.meter.sku_meter))
                is not null then 'tokens'
            else 'other_ai'
        end as kind,
        'openai' as provider_key,
        aicost_openai_line_model(coalesce(families.meter.line_item, families.meter.sku_meter))
            as bill_model,
        aicost_openai_line_class(coalesce(families.meter.line_item, families.meter.sku_meter))
            as token_class,
        case
            when aicost_openai_line_class(coalesce(families.meter.line_item, families.meter.sku_meter))
                is not null
                then aicost_words_tier(
                    ' ' || regexp_replace(
                        lower(coalesce(families.meter.line_item, families.meter.sku_meter)),
                        '[^a-z0-9]+', ' ', 'g'
                    ) || ' '
                )
        end as tier,
        cast(null as varchar) as routing
    from families
    where families.ai_family = 'openai'
),

anthropic_lines as (
    select
        families.meter,
        families.ai_family,
        coalesce(
            families.meter.token_type, families.meter.cost_type, families.meter.description
        ) as usage_type,
        cast(null as varchar) as instance_type,
        case
            when families.meter.cost_type is null or lower(families.meter.cost_type) = 'tokens'
                then 'tokens'
            else 'other_ai'
        end as kind,
        'anthropic' as provider_key,
        families.meter.model as bill_model,
        aicost_anthropic_token_class(families.meter.token_type) as token_class,
        case
            when families.meter.cost_type is null or lower(families.meter.cost_type) = 'tokens'
                then aicost_bill_tier(families.meter.service_tier)
        end as tier,
        case
            when families.meter.cost_type is not null and lower(families.meter.cost_type) <> 'tokens'
                then null
            when lower(families.meter.inference_geo) = 'global' then 'global'
            when lower(families.meter.inference_geo) in ('', 'not_available') then null
            when families.meter.inference_geo is not null then 'geo'
        end as routing
    from families
    where families.ai_family = 'anthropic'
),

compute_lines as (
    select
        families.meter,
        families.ai_family,
        families.usage_type,
        families.instance_type,
        case
            when families.ai_family = 'gpu_instance' then 'capacity'
            when families.usage_type like '%Host:ml.%' then 'capacity'
            else 'other_ai'
        end as kind,
        case when families.ai_family = 'sagemaker' then 'sagemaker' end as provider_key,
        cast(null as varchar) as bill_model,
        cast(null as varchar) as token_class,
        cast(null as varchar) as tier,
        cast(null as varchar) as routing
    from families
    where families.ai_family in ('sagemaker', 'gpu_instance')
),

other_lines as (
    select
        families.meter,
        families.ai_family,
        coalesce(families.usage_type, families.meter.description) as usage_type,
        cast(null as varchar) as instance_type,
        cast(null as varchar) as kind,
        cast(null as varchar) as provider_key,
        cast(null as varchar) as bill_model,
        cast(null as varchar) as token_class,
        cast(null as varchar) as tier,
        cast(null as varchar) as routing
    from families
    where families.ai_family is null
),

classified as (
    select * from bedrock_lines
    union all
    select * from marketplace_lines
    union all
    select * from azure_lines
    union all
    select * from vertex_lines
    union all
    select * from openai_lines
    union all
    select * from anthropic_lines
    union all
    select * from compute_lines
    union all
    select * from other_lines
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
