-- OTLP/JSON helpers for stg_otel__operations.

-- An OTLP AnyValue (read with text leaves) as text: scalars as written,
-- arrays and key-value lists as their JSON.
create or replace temp macro aicost_otel_value(v) as (
    coalesce(
        v.stringValue, v.intValue, v.doubleValue, v.boolValue,
        v.arrayValue::varchar, v.kvlistValue::varchar
    )
);

-- An OTLP attribute list as (key, text value) entries, without entries whose
-- key is missing or whose value is longer than 1,024 characters (prompts,
-- completions, tool payloads: content, not attribution).
create or replace temp macro aicost_otel_entries(attrs) as (
    list_filter(
        list_transform(attrs, lambda a: {'key': a.key, 'value': aicost_otel_value(a.value)}),
        lambda entry: entry.key is not null and coalesce(strlen(entry.value), 0) <= 1024
    )
);

-- An OTLP attribute list as MAP(VARCHAR, VARCHAR). The OTel spec requires
-- unique keys; should an exporter repeat one anyway, its first value wins
-- (the slower de-duplicating branch runs only for such lists).
create or replace temp macro aicost_otel_map(attrs) as (
    case
        when attrs is null or len(attrs) = 0 then null
        when len(list_distinct(list_transform(attrs, lambda a: a.key))) = len(attrs)
            then map_from_entries(aicost_otel_entries(attrs))
        else map_from_entries(list_filter(
            aicost_otel_entries(attrs),
            lambda entry, i: list_position(
                list_transform(aicost_otel_entries(attrs), lambda e: e.key), entry.key
            ) = i
        ))
    end
);

-- OTLP span kind (number or 'SPAN_KIND_*' name) as a lower-case word.
create or replace temp macro aicost_otel_span_kind(raw) as (
    case upper(coalesce(raw, ''))
        when '1' then 'internal' when 'SPAN_KIND_INTERNAL' then 'internal'
        when '2' then 'server' when 'SPAN_KIND_SERVER' then 'server'
        when '3' then 'client' when 'SPAN_KIND_CLIENT' then 'client'
        when '4' then 'producer' when 'SPAN_KIND_PRODUCER' then 'producer'
        when '5' then 'consumer' when 'SPAN_KIND_CONSUMER' then 'consumer'
    end
);
