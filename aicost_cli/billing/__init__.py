"""Billing: read the real bill, allocate it to operations, reconcile, capacity.

Layout (agreed between the pieces; each owns its files):

- ``billing/formats/``: one module per billing export format (``cur2``,
  ``cur``, ``focus``, ``openai_costs``, ``anthropic_costs``), each declaring a
  :class:`~aicost_cli.billing.formats.base.BillingFormat`: how to recognise a
  file, how to read it into the raw relation ``raw_billing_<name>``, and its
  staging model ``sql/staging/stg_billing_<name>__charges.sql`` that turns
  the raw relation into exactly ``migrations.CHARGE_COLUMNS`` plus
  ``quarantine_reason``.
- ``billing/ingest.py``: ``aicost ingest billing``: expand paths (local, globs,
  ``s3://`` with Data Exports manifests), stage, quarantine, replace whole
  partitions in ``land_charges`` (``billing_partitions``), then ``build`` for
  the days of the old and new charges.
- ``sql/intermediate/int_charges_*``: classification (AI charge, model key,
  token class, tier) and allocation to operations; ``sql/marts/charges``,
  ``charge_allocations``; ``sql/reports/reconciliation.sql``, capacity.
- ``billing/settings.py``: the ``[billing]`` and ``[[capacity.pools]]``
  sections of the config.
"""
