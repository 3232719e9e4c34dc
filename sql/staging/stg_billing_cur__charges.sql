-- stg_billing_cur__charges
-- Purpose: legacy AWS Cost and Usage Report (CUR 1: CSV with lineItem/UsageType-style
--          headers and resourceTags/user:<tag> columns, or Athena parquet with
--          line_item_* and resource_tags_user_* columns) bill lines as
--          canonical charges (migrations.CHARGE_COLUMNS, FOCUS vocabulary)
--          with a quarantine reason.
-- Grain:   one row per line read from the export's files (source_file, source_row).
-- Key:     charge_id = '<partition_key>|<16 hex digits of a hash of the file's
--          name>|<source_row>', unique, and the same when the same file is
--          read again (identity_line_item_id is not stable between
--          deliveries and is not kept).
-- materialized: view
-- reads: raw_billing_cur
--
-- The transform is shared with CUR 2.0: aicost_cur_charges() in
-- sql/macros/aicost_billing_cur.sql (the reader in
-- aicost_cli/billing/formats/cur.py renames the legacy columns to their
-- CUR 2.0 names and gathers tag and cost category columns into maps).
-- partition_key = 'cur|<bill_payer_account_id>|<YYYY-MM of the billing period>':
-- what a newer delivery of the period replaces as a whole.

with

charges as (
    select * from aicost_cur_charges('raw_billing_cur', 'cur')
),

final as (
    select * from charges
)

select * from final
