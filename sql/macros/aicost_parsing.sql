-- Parsing helpers shared by every staging model.
-- This folder is the one exception to "pure select": it holds only
-- `create or replace temp macro` statements, loaded before the models.
--
-- Raw leaves are read as VARCHAR (the tolerant type: a JSON number, string,
-- bool or object all arrive as text), so that a wrong type is a quarantine
-- reason instead of a failed read.

-- A token count as BIGINT; NULL when absent or not a whole non-negative number
-- in range (see aicost_token_problem for the reason).
create or replace temp macro aicost_tokens(raw) as (
    case
        when raw is null then null
        when try_cast(raw as bigint) between 0 and 50000000
            and (not contains(raw, '.') or try_cast(raw as double) = try_cast(raw as bigint))
            then try_cast(raw as bigint)
    end
);

-- Why a raw token count is unusable, or NULL when it is fine (absent is fine).
create or replace temp macro aicost_token_problem(field_name, raw) as (
    case
        when raw is null then null
        when try_cast(raw as double) is null
            then field_name || ' is not a number: ' || left(raw, 60)
        when try_cast(raw as double) < 0
            then field_name || ' is negative: ' || raw
        when try_cast(raw as double) > 50000000
            then field_name || ' is absurd (over 50,000,000 tokens): ' || raw
        when try_cast(raw as double) <> floor(try_cast(raw as double))
            then field_name || ' is not a whole number: ' || raw
    end
);

-- A timestamp as naive UTC TIMESTAMP from epoch seconds / milliseconds /
-- microseconds / nanoseconds (by magnitude) or an ISO-8601 / 'YYYY-MM-DD HH:MM:SS'
-- string. Offsets are honoured (parsed as TIMESTAMPTZ, then cast under
-- TimeZone=UTC); strings without an offset are taken as UTC.
create or replace temp macro aicost_ts(raw) as (
    case
        when raw is null or trim(raw) = '' then null
        when try_cast(raw as double) is not null then
            case
                when abs(try_cast(raw as double)) >= 1e17
                    then make_timestamp((try_cast(raw as hugeint) // 1000)::bigint)
                when abs(try_cast(raw as double)) >= 1e14
                    then make_timestamp(try_cast(raw as bigint))
                when abs(try_cast(raw as double)) >= 1e11
                    then make_timestamp((try_cast(raw as double) * 1000)::bigint)
                else make_timestamp((try_cast(raw as double) * 1000000)::bigint)
            end
        else try_cast(try_cast(raw as timestamptz) as timestamp)
    end
);

-- Why a raw timestamp is unusable, or NULL when it is fine.
-- Timestamps before 2000 or after 2100 are taken as garbage.
create or replace temp macro aicost_ts_problem(field_name, raw) as (
    case
        when raw is null or trim(raw) = '' then field_name || ' is missing'
        when aicost_ts(raw) is null then field_name || ' is not a timestamp: ' || left(raw, 60)
        when aicost_ts(raw) < timestamp '2000-01-01' or aicost_ts(raw) >= timestamp '2100-01-01'
            then field_name || ' is out of range: ' || left(raw, 60)
    end
);

-- 'key:value' tags as a map ('key' alone maps to ''). When a key repeats,
-- its first value wins (map keys must be unique); tags with an empty key are
-- dropped. The common case (distinct, non-empty keys) takes the fast branch;
-- the de-duplicating branch runs only for the lists that need it.
create or replace temp macro aicost_tag_key(t) as (split_part(coalesce(t, ''), ':', 1));

create or replace temp macro aicost_tag_value(t) as (
    case when contains(t, ':') then substr(t, strpos(t, ':') + 1) else '' end
);

create or replace temp macro aicost_tags_map(tag_list) as (
    case
        when tag_list is null or len(tag_list) = 0 then null
        when len(tag_list) = 1 and aicost_tag_key(tag_list[1]) <> ''
            then map([aicost_tag_key(tag_list[1])], [aicost_tag_value(tag_list[1])])
        when len(list_distinct(list_transform(tag_list, lambda t: aicost_tag_key(t)))) = len(tag_list)
            and not list_contains(list_transform(tag_list, lambda t: aicost_tag_key(t)), '')
            then map(
                list_transform(tag_list, lambda t: aicost_tag_key(t)),
                list_transform(tag_list, lambda t: aicost_tag_value(t))
            )
        else map_from_entries(list_filter(
            list_transform(
                tag_list,
                lambda t: {'key': aicost_tag_key(t), 'value': aicost_tag_value(t)}
            ),
            lambda entry, i: entry.key <> '' and list_position(
                list_transform(tag_list, lambda t: aicost_tag_key(t)), entry.key
            ) = i
        ))
    end
);

-- Uncached input from an input count that includes cached tokens (OpenAI
-- prompt_tokens, OTel gen_ai.usage.input_tokens): total - cache reads - cache
-- writes; a source that left the writes out of the total (some LiteLLM and
-- instrumentation versions) would go negative: then only the reads are
-- subtracted, and never below 0.
create or replace temp macro aicost_uncached_input(total, cache_read, cache_write) as (
    case
        when total - cache_read - cache_write >= 0 then total - cache_read - cache_write
        else greatest(total - cache_read, 0)
    end
);

-- Normalised operation kind from a source's own vocabulary.
create or replace temp macro aicost_kind(raw) as (
    case
        when raw is null then 'other'
        when lower(raw) in ('chat', 'completion', 'acompletion', 'responses', 'aresponses',
                            'anthropic_messages', 'generate_content', 'converse', 'invokemodel',
                            'invokemodelwithresponsestream', 'conversestream', 'llm')
            then 'chat'
        when lower(raw) in ('text_completion', 'atext_completion') then 'completion'
        when lower(raw) in ('embedding', 'aembedding', 'embeddings', 'embed') then 'embeddings'
        when lower(raw) in ('rerank', 'arerank') then 'rerank'
        when lower(raw) in ('image_generation', 'aimage_generation', 'image') then 'image'
        when lower(raw) in ('transcription', 'atranscription', 'speech', 'aspeech', 'audio')
            then 'audio'
        when lower(raw) in ('invoke_agent', 'create_agent', 'agent') then 'agent'
        when lower(raw) in ('execute_tool', 'tool', 'call_mcp_tool') then 'tool'
        when lower(raw) in ('retrieval', 'retriever', 'search_memory') then 'retrieval'
        when lower(raw) in ('invoke_workflow', 'workflow', 'task', 'chain') then 'workflow'
        else 'other'
    end
);

-- Model calls are the billable kinds.
create or replace temp macro aicost_is_model_call(kind) as (
    kind in ('chat', 'completion', 'embeddings', 'rerank', 'image', 'audio')
);

-- Normalised service tier: standard | batch | flex | priority.
create or replace temp macro aicost_service_tier(raw) as (
    case
        when raw is null or lower(raw) in ('', 'default', 'standard', 'auto', 'on_demand', 'scale')
            then 'standard'
        when lower(raw) in ('batch', 'batches') then 'batch'
        when lower(raw) = 'flex' then 'flex'
        when lower(raw) in ('priority', 'fast') then 'priority'
        else 'standard'
    end
);

-- Provider names as one vocabulary across sources.
create or replace temp macro aicost_provider(raw) as (
    case
        when raw is null or raw = '' then null
        when lower(raw) in ('aws.bedrock', 'bedrock', 'bedrock_converse', 'aws_bedrock') then 'bedrock'
        when lower(raw) in ('az.ai.openai', 'azure.ai.openai', 'azure', 'azure_ai', 'az.ai.inference',
                            'azure.ai.inference') then 'azure'
        when lower(raw) in ('gcp.vertex_ai', 'vertex_ai', 'vertex_ai_beta', 'vertex') then 'vertex_ai'
        when lower(raw) in ('gcp.gemini', 'gemini', 'gcp.gen_ai', 'google') then 'gemini'
        when lower(raw) in ('mistral_ai', 'mistral', 'mistralai') then 'mistral'
        else lower(raw)
    end
);

-- The text of a JSON value read where text is expected: a string's text, a
-- number's or boolean's literal; NULL for null, an object or an array (see
-- aicost_json_not_text).
create or replace temp macro aicost_json_text(raw) as (
    case
        when json_type(raw) = 'VARCHAR' then raw ->> '$'
        when json_type(raw) in ('BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN') then raw::varchar
    end
);

create or replace temp macro aicost_json_not_text(raw) as (
    coalesce(json_type(raw) in ('OBJECT', 'ARRAY'), false)
);
