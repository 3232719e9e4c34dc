-- Value parsing shared by the billing staging models (FOCUS, provider cost
-- reports). Billing files are read with every value as text (VARCHAR): a value
-- that does not parse is a quarantine reason naming the column and the value,
-- never a failed read and never a silent NULL.

-- A text cell as SQL NULL when it is empty or a null marker: FOCUS CSV exports
-- write NULL as the literal `NULL` (the FinOps sample data) or `null` (the
-- FOCUS spec's own examples); OCI writes empty strings.
create or replace temp macro aicost_bill_text(raw) as (
    case when raw is null or trim(raw) in ('', 'NULL', 'null', 'Null') then null else raw end
);

-- An exact decimal from its text: DuckDB parses the digits (and an exponent,
-- `1.5e-3`) exactly, never through DOUBLE. Money is DECIMAL(38, 12): digits
-- past the 12th decimal place are rounded half away from zero.
create or replace temp macro aicost_bill_money(raw) as (
    try_cast(trim(aicost_bill_text(raw)) as decimal(38, 12))
);

-- Unit prices keep 18 decimal places (a price per token is ~1e-7 USD).
create or replace temp macro aicost_bill_price(raw) as (
    try_cast(trim(aicost_bill_text(raw)) as decimal(38, 18))
);

-- A timestamp as naive UTC TIMESTAMP from the spellings billing exports use:
-- ISO 8601 with `Z`, an offset and fractions (`2024-09-18T22:00:00.000Z`,
-- `...0000000Z` from .NET), a space instead of `T` and no zone
-- (`2024-09-18 22:00:00`, taken as UTC), a bare date, and US dates
-- (`9/2/2024`, `9/2/2024 1:05:00 PM`: month first, as Azure writes them).
-- An offset is honoured without depending on the session time zone.
create or replace temp macro aicost_bill_ts(raw) as (
    case
        when aicost_bill_text(raw) is null then null
        when regexp_matches(trim(raw), '^\d{1,2}/\d{1,2}/\d{4}')
            then try_strptime(trim(raw), [
                '%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M',
                '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p'
            ])
        when regexp_matches(trim(raw), '\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|z|[+-]\d\d(:?\d\d)?)$')
            then timezone('UTC', try_cast(trim(raw) as timestamptz))
        else try_cast(trim(raw) as timestamp)
    end
);

-- Why a timestamp cell is unusable (NULL when it is fine). A missing value is
-- a problem only where the column is required (`required`).
create or replace temp macro aicost_bill_ts_problem(column_name, raw, required) as (
    case
        when aicost_bill_text(raw) is null
            then case when required then column_name || ' is missing' end
        when aicost_bill_ts(raw) is null
            then column_name || ' is not a timestamp: ' || left(raw, 60)
        when aicost_bill_ts(raw) < timestamp '2000-01-01'
            or aicost_bill_ts(raw) >= timestamp '2100-01-01'
            then column_name || ' is out of range: ' || left(raw, 60)
    end
);

-- Why a decimal cell is unusable (NULL when it is fine).
create or replace temp macro aicost_bill_decimal_problem(column_name, raw, parsed, required) as (
    case
        when aicost_bill_text(raw) is null
            then case when required then column_name || ' is missing' end
        when parsed is null
            then column_name || ' is not a decimal number: ' || left(raw, 60)
    end
);

-- A FOCUS `Tags` (or `AllocatedTags`) cell as a JSON value: a JSON object or
-- array as written, or the Azure EA form without the outer braces
-- (`"a": "x","b": "y"`). NULL when it is none of these.
create or replace temp macro aicost_bill_tags_json(raw) as (
    case
        when aicost_bill_text(raw) is null then null
        when json_valid(trim(raw)) then trim(raw)::json
        when json_valid('{' || trim(raw) || '}') then ('{' || trim(raw) || '}')::json
    end
);

-- One tag value as text: a string's text, a number's or boolean's literal, a
-- nested value's JSON; a key without a value (JSON null) is `true`, as FOCUS
-- prescribes for valueless tags.
create or replace temp macro aicost_bill_tag_value(value) as (
    case
        when value is null then 'true'
        when json_type(value) = 'VARCHAR' then value ->> '$'
        else value::varchar
    end
);

-- Tags as map(varchar, varchar): a JSON object, or a JSON array of
-- {key, value} objects (the repeated-struct form of BigQuery exports). NULL
-- when the cell is empty or cannot be read as tags (the caller keeps the text).
create or replace temp macro aicost_bill_tags(raw) as (
    case json_type(aicost_bill_tags_json(raw))
        when 'OBJECT' then map_from_entries(list_transform(
            map_entries(try_cast(aicost_bill_tags_json(raw) as map(varchar, json))),
            lambda entry: {'key': entry.key, 'value': aicost_bill_tag_value(entry.value)}
        ))
        when 'ARRAY' then map_from_entries(list_transform(
            list_filter(
                try_cast(aicost_bill_tags_json(raw) as struct("key" varchar, "value" json)[]),
                lambda entry: entry.key is not null
            ),
            lambda entry: {'key': entry.key, 'value': aicost_bill_tag_value(entry.value)}
        ))
    end
);

-- A map without its NULL values, or NULL when nothing is left.
create or replace temp macro aicost_bill_compact(entries) as (
    case
        when len(list_filter(entries, lambda entry: entry.value is not null)) > 0
            then map_from_entries(list_filter(entries, lambda entry: entry.value is not null))
    end
);

-- A FOCUS enumeration value in the specification's own spelling when it is
-- one of the allowed values in another case (OCI writes `Usage-based`; Azure's
-- native `UsageBased` / `OneTime` too); any other value is kept as written.
create or replace temp macro aicost_bill_focus_value(raw, allowed) as (
    coalesce(
        list_filter(
            allowed,
            lambda value: replace(lower(value), '-', '')
                = replace(lower(trim(aicost_bill_text(raw))), '-', '')
        )[1],
        aicost_bill_text(raw)
    )
);

-- The block a price applies to, from a pricing unit's text: `1K Tokens` ->
-- 1000, `1M Tokens` -> 1000000, `1000 Tokens` -> 1000, `10K` -> 10000. NULL
-- when the unit does not start with a block size.
create or replace temp macro aicost_bill_unit_block(unit) as (
    case
        when regexp_matches(coalesce(trim(unit), ''), '^\d+(\.\d+)?\s*[KkMm]?\b')
            then try_cast(regexp_extract(trim(unit), '^(\d+(\.\d+)?)', 1) as decimal(38, 12))
                * case upper(regexp_extract(trim(unit), '^\d+(\.\d+)?\s*([KkMm]?)', 2))
                    when 'K' then 1000
                    when 'M' then 1000000
                    else 1
                end
    end
);

-- value / divisor exactly, to 12 decimal places (half away from zero): DuckDB's
-- DECIMAL division returns DOUBLE. `value` is DECIMAL(38, 12) (its text has
-- exactly 12 decimals, so dropping the point gives its units of 1e-12). NULL
-- when the divisor is not a positive whole number.
create or replace temp macro aicost_bill_divide(value, divisor) as (
    case
        when value is null or divisor is null or divisor <= 0 or divisor <> floor(divisor)
            then null
        else sign(value) * cast(
            (replace(cast(abs(cast(value as decimal(38, 12))) as varchar), '.', '')::hugeint * 2
                + cast(divisor as hugeint))
                // (2 * cast(divisor as hugeint))
            as decimal(38, 0)
        ) * 0.000000000001
    end
);
