"""Numbered schema migrations, recorded in ``_aicost_migrations``.

Append new migrations at the end; never edit one that has shipped.
``docs/schema.md`` documents the tables; ``tests/test_schema.py`` pins them.
"""

from __future__ import annotations

MONEY = "DECIMAL(38, 12)"
RATE = "DECIMAL(18, 12)"  # USD per token / per request

MIGRATIONS: list[tuple[str, str]] = [
    (
        "create_operations",
        f"""
        create sequence if not exists ingest_run_seq start 1;

        create table ingest_runs (
            ingest_run_id bigint not null,
            started_at timestamp not null,
            finished_at timestamp,
            kind varchar not null,            -- requests | billing | prices
            sources varchar[],
            files_read bigint,
            files_skipped bigint,
            records_read bigint,
            operations_inserted bigint,
            duplicates_skipped bigint,
            quarantined bigint
        );

        create table ingested_files (
            source_file varchar not null,
            source_format varchar not null,
            size_bytes bigint,
            modified_at timestamp,
            fingerprint varchar not null,
            ingest_run_id bigint not null,
            records_read bigint not null,
            operations_inserted bigint not null,
            duplicates_skipped bigint not null,
            quarantined bigint not null,
            ingested_at timestamp not null
        );

        -- The canonical table: one row per operation a gateway or tracer recorded.
        -- No PRIMARY KEY on purpose (2x ingest cost); uniqueness of
        -- (source_format, operation_id) is kept by the ingest's anti-join and
        -- checked by sql/audits/assert_operation_ids_unique.sql.
        create table operations (
            operation_id varchar not null,
            source_format varchar not null,
            trace_id varchar,
            parent_id varchar,
            conversation_id varchar,
            unit_id varchar not null,
            operation_name varchar,
            started_at timestamp not null,
            ended_at timestamp,
            kind varchar not null,
            is_model_call boolean not null,
            provider varchar,
            model varchar,
            request_model varchar,
            response_model varchar,
            input_tokens bigint not null,
            cache_read_tokens bigint not null,
            cache_write_5m_tokens bigint not null,
            cache_write_1h_tokens bigint not null,
            output_tokens bigint not null,
            reasoning_tokens bigint not null,
            service_tier varchar not null,
            is_batch boolean not null,
            attempt integer,
            status varchar not null,
            error_type varchar,
            latency_ms bigint,
            feature varchar,
            team varchar,
            user_id varchar,
            prompt_version varchar,
            environment varchar,
            tags map(varchar, varchar),
            source_cost {MONEY},
            model_key varchar,
            price_id varchar,
            pricing_status varchar not null,
            estimated_cost {MONEY},
            source_file varchar not null,
            source_line bigint,
            ingest_run_id bigint not null
        );

        create table quarantine (
            ingest_run_id bigint not null,
            source_file varchar not null,
            source_line bigint,
            source_format varchar,
            reason varchar not null,
            record varchar,
            quarantined_at timestamp not null
        );

        -- Effective-dated price catalog. A row applies to operations of
        -- model_key and service_tier whose prompt (all input classes) exceeds
        -- threshold_tokens, from effective_from until the next row's
        -- effective_from. origin 'imported' overrides 'bundled'.
        create table prices (
            price_id varchar not null,
            model_key varchar not null,
            provider varchar,
            service_tier varchar not null,
            threshold_tokens bigint not null,
            effective_from timestamp not null,
            input_per_token {RATE},
            output_per_token {RATE},
            cache_read_per_token {RATE},
            cache_write_5m_per_token {RATE},
            cache_write_1h_per_token {RATE},
            reasoning_per_token {RATE},
            per_request {RATE},
            currency varchar not null,
            source varchar,
            origin varchar not null,
            imported_at timestamp not null
        );

        create table catalog_state (
            name varchar not null,
            value varchar not null
        );
        """,
    ),
]

#: Columns of every landing table: what a source's staging model read from one
#: record, typed, with the whole metadata maps (never only the configured
#: keys), plus where it came from. Nothing here depends on the configuration
#: or the price catalog: attribution, trace inheritance and prices are applied
#: by the build (``aicost_cli/build.py``), so a config or price change, or a
#: late trace root, is applied to what is stored by rebuilding.
LANDED_COLUMNS = f"""
            operation_id varchar not null,
            source_format varchar not null,
            trace_id varchar,
            parent_id varchar,
            operation_name varchar,
            started_at timestamp not null,
            ended_at timestamp,
            kind varchar not null,
            is_model_call boolean not null,
            provider varchar,
            model varchar,
            request_model varchar,
            response_model varchar,
            input_tokens bigint not null,
            cache_read_tokens bigint not null,
            cache_write_5m_tokens bigint not null,
            cache_write_1h_tokens bigint not null,
            output_tokens bigint not null,
            reasoning_tokens bigint not null,
            service_tier varchar not null,
            is_batch boolean not null,
            attempt integer,
            status varchar not null,
            error_type varchar,
            latency_ms bigint,
            attributes map(varchar, varchar),
            attributes_fallback map(varchar, varchar),
            attributes_tags map(varchar, varchar),
            native_feature varchar,
            native_team varchar,
            native_user varchar,
            native_conversation_id varchar,
            native_prompt_version varchar,
            native_environment varchar,
            tags map(varchar, varchar),
            source_cost {MONEY},
            source_file varchar not null,
            source_line bigint,
            ingest_run_id bigint not null
"""

#: the request-log sources, each with its landing table ``land_<source>``
LANDING_SOURCES = ("litellm", "otel", "bedrock", "aicost")


def _landing_migration() -> str:
    tables = "\n".join(
        f"create table land_{source} ({LANDED_COLUMNS});" for source in LANDING_SOURCES
    )
    # Stores made before landing existed: their operations become landed rows.
    # Attribution decided at their ingest is kept as the rows' own (native_*)
    # values, so reports do not change; everything else is rebuilt from here.
    carried = "\n".join(
        f"""
        insert into land_{source}
        select operation_id, source_format, trace_id, parent_id, operation_name, started_at,
            ended_at, kind, is_model_call, provider, model, request_model, response_model,
            input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
            output_tokens, reasoning_tokens, service_tier, is_batch, attempt, status, error_type,
            latency_ms, null, null, null, feature, team, user_id, conversation_id,
            prompt_version, environment, tags, source_cost, source_file, source_line,
            ingest_run_id
        from operations where source_format = '{source}';"""
        for source in LANDING_SOURCES
    )
    return f"""
        {tables}
        {carried}
        drop table operations;
        -- What the derived tables were built with (digests of the config, the
        -- price catalog and the SQL models): a difference means a full rebuild.
        create table build_state (name varchar not null, value varchar not null);
        create table build_runs (
            build_id bigint not null,
            started_at timestamp not null,
            finished_at timestamp not null,
            trigger varchar not null,          -- ingest | build | prices | upgrade
            is_full boolean not null,
            days_rebuilt bigint not null,
            operations bigint not null
        );
    """


MIGRATIONS.append(("landing_and_build", _landing_migration()))

#: Columns of ``land_charges``: one billing line as its export stated it, in
#: FOCUS vocabulary (snake_case), typed, config-free. Each billing format's
#: staging model (``sql/staging/stg_billing_<format>__charges.sql``) produces
#: exactly these columns (plus ``quarantine_reason``). What a charge *means*
#: for allocation (is it AI, which model, token class, tier) is decided by the
#: build (``sql/intermediate/int_charges_*``), so a better usage-type parser or
#: a config override applies to stored bills by rebuilding.
#:
#: ``partition_key`` is what a re-delivery replaces as a whole
#: (``<billing_source>|<billing account>|<period>``: a CUR/FOCUS billing
#: period, or one day bucket of a provider cost report). ``extras`` holds the
#: format's own fields under documented ``x_`` keys (``x_line_item_type``,
#: ``x_product_code``, ``x_billing_entity``, ``x_operation``, ``x_usage_type``,
#: ``x_iam_principal``, ``x_model``, ``x_token_type``, ``x_service_tier``, ...).
CHARGE_COLUMNS = f"""
            charge_id varchar not null,
            billing_source varchar not null,
            partition_key varchar not null,
            billing_account_id varchar,
            billing_account_name varchar,
            sub_account_id varchar,
            sub_account_name varchar,
            billing_period_start timestamp not null,
            billing_period_end timestamp,
            charge_period_start timestamp not null,
            charge_period_end timestamp,
            provider varchar not null,
            publisher varchar,
            invoice_issuer varchar,
            invoice_id varchar,
            charge_category varchar not null,
            charge_class varchar,
            charge_frequency varchar,
            charge_description varchar,
            pricing_category varchar,
            billed_cost {MONEY} not null,
            effective_cost {MONEY} not null,
            list_cost {MONEY},
            contracted_cost {MONEY},
            billing_currency varchar not null,
            list_unit_price DECIMAL(38, 18),
            contracted_unit_price DECIMAL(38, 18),
            service_name varchar,
            service_category varchar,
            service_subcategory varchar,
            sku_id varchar,
            sku_price_id varchar,
            sku_meter varchar,
            resource_id varchar,
            resource_name varchar,
            resource_type varchar,
            region_id varchar,
            availability_zone varchar,
            consumed_quantity {MONEY},
            consumed_unit varchar,
            pricing_quantity {MONEY},
            pricing_unit varchar,
            commitment_discount_id varchar,
            commitment_discount_type varchar,
            commitment_discount_status varchar,
            commitment_discount_category varchar,
            allocated_method_id varchar,
            allocated_resource_id varchar,
            tags map(varchar, varchar),
            extras map(varchar, varchar),
            source_file varchar not null,
            source_row bigint,
            ingest_run_id bigint not null
"""

MIGRATIONS.append(
    (
        "billing_charges",
        f"""
        -- What the billing ingest read: one row per bill line (see CHARGE_COLUMNS).
        create table land_charges ({CHARGE_COLUMNS});
        -- One row per landed partition: what a re-delivery replaces as a whole.
        create table billing_partitions (
            partition_key varchar not null,
            billing_source varchar not null,
            billing_account_id varchar,
            period_start timestamp not null,
            period_end timestamp,
            charges bigint not null,
            files varchar[] not null,
            ingest_run_id bigint not null,
            replaced_run_id bigint,
            landed_at timestamp not null
        );
        """,
    )
)

#: The id key of a landed operation: the low 64 bits of the MD5 of its
#: operation_id (stable across DuckDB versions, unlike hash()). The ingest
#: finds the re-sent ids of a run by this 8-byte key, and only then compares
#: the ids themselves for the few keys that match (audit
#: assert_operation_ids_unique does the same on operations), instead of
#: streaming every landed id string past the run's ids.
ID_KEY_SQL = "md5_number_lower({})"

MIGRATIONS.append(
    (
        "landing_id_keys",
        "\n".join(
            f"""
        alter table land_{source} add column id_key ubigint;
        update land_{source} set id_key = {ID_KEY_SQL.format("operation_id")};
        """
            for source in LANDING_SOURCES
        ),
    )
)
# (its own transaction: DuckDB adds a constraint only without outstanding updates)
MIGRATIONS.append(
    (
        "landing_id_keys_required",
        "\n".join(
            f"alter table land_{source} alter column id_key set not null;"
            for source in LANDING_SOURCES
        ),
    )
)
