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
