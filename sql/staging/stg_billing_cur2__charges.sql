-- stg_billing_cur2__charges
-- Purpose: AWS CUR 2.0 (Data Exports, parquet or gzip CSV) bill lines as
--          canonical charges (migrations.CHARGE_COLUMNS, FOCUS vocabulary)
--          with a quarantine reason.
-- Grain:   one row per line read from the export's files (source_file, source_row).
-- Key:     charge_id = '<partition_key>|<16 hex digits of a hash of the file's
--          name>|<source_row>', unique, and the same when the same file is
--          read again (identity_line_item_id is not stable between
--          deliveries and is not kept).
-- materialized: view
-- reads: raw_billing_cur2
--
-- The transform is shared with legacy CUR: aicost_cur_charges() in
-- sql/macros/aicost_billing_cur.sql (the reader in
-- aicost_cli/billing/formats/cur2.py presents both as the same raw columns).
-- partition_key = 'cur2|<bill_payer_account_id>|<YYYY-MM of the billing period>':
-- what a newer delivery of the period replaces as a whole.

with

charges as (
    select * from aicost_cur_charges('raw_billing_cur2', 'cur2')
),

final as (
    select * from charges
)

select * from final
