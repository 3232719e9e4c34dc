"""The malformed-input corpus of the `focus`, `openai-costs` and
`anthropic-costs` billing formats: one small input per kind of real-world
mess, mixed with known good rows, and what must come out of it (the same
conventions as :mod:`tests.corpus`: generated here, no opaque blobs).

Each kind lists the good rows that must land (file, row as a person counts
it), the bad ones that must be quarantined at their file and row (row None:
the whole file), and the exact billed total of the good rows.
``tests/test_billing_formats_corpus.py`` runs each kind through the format's
reader and staging model (``tests/billing_stage.py``); once
``aicost ingest billing`` exists it can run them through the CLI as well.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

BillingBad = tuple[str, int | None]
BillingGood = tuple[str, int]


@dataclass
class BillingKind:
    name: str
    format: str
    files: dict[str, bytes]
    good: list[BillingGood]
    bad: list[BillingBad]
    billed: Decimal


FOCUS_HEADER = (
    "BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
    "ChargePeriodEnd,ChargeCategory,ProviderName,BilledCost,EffectiveCost,Tags"
)


def focus_row(cost: str = "1.25", *, currency: str = "USD", tags: str = "NULL") -> str:
    return (
        f"acct,{currency},2026-06-01 00:00:00,2026-07-01 00:00:00,2026-06-02 10:00:00,"
        f"2026-06-02 11:00:00,Usage,AWS,{cost},{cost},{tags}"
    )


def focus_csv(*rows: str) -> bytes:
    return ("\n".join([FOCUS_HEADER, *rows]) + "\n").encode()


def openai_page(*values: Any, currency: str | None = "usd") -> bytes:
    results = [
        {
            "object": "organization.costs.result",
            "amount": {"value": value, **({"currency": currency} if currency else {})},
            "line_item": "gpt-4o-mini-2024-07-18, input",
            "project_id": None,
        }
        for value in values
    ]
    page = {
        "object": "page",
        "data": [
            {
                "object": "bucket",
                "start_time": 1782950400,
                "end_time": 1783036800,
                "results": results,
            }
        ],
    }
    return json.dumps(page).encode()


def anthropic_page(*amounts: Any) -> bytes:
    results = [{"amount": amount, "currency": "USD", "cost_type": "tokens"} for amount in amounts]
    page = {
        "data": [
            {
                "starting_at": "2026-07-02T00:00:00Z",
                "ending_at": "2026-07-03T00:00:00Z",
                "results": results,
            }
        ]
    }
    return json.dumps(page).encode()


def focus_bad_cost_cell() -> BillingKind:
    return BillingKind(
        "focus_bad_cost_cell",
        "focus",
        {"bill.csv": focus_csv(focus_row("1.25"), focus_row("n/a"), focus_row("2.75"))},
        good=[("bill.csv", 1), ("bill.csv", 3)],
        bad=[("bill.csv", 2)],
        billed=Decimal("4.00"),
    )


def focus_row_too_many_columns() -> BillingKind:
    return BillingKind(
        "focus_row_too_many_columns",
        "focus",
        {"bill.csv": focus_csv(focus_row("1"), focus_row("2") + ",extra", focus_row("3"))},
        good=[("bill.csv", 1), ("bill.csv", 3)],
        bad=[("bill.csv", 2)],
        billed=Decimal(4),
    )


def focus_null_markers_and_empty_cells() -> BillingKind:
    rows = [focus_row("0.5", tags=""), focus_row("0.25", tags="null"), focus_row("1e-2")]
    return BillingKind(
        "focus_null_markers_and_empty_cells",
        "focus",
        {"bill.csv": focus_csv(*rows)},
        good=[("bill.csv", 1), ("bill.csv", 2), ("bill.csv", 3)],
        bad=[],
        billed=Decimal("0.76"),
    )


def focus_missing_currency() -> BillingKind:
    return BillingKind(
        "focus_missing_currency",
        "focus",
        {"bill.csv": focus_csv(focus_row("1", currency=""), focus_row("2"))},
        good=[("bill.csv", 2)],
        bad=[("bill.csv", 1)],
        billed=Decimal(2),
    )


def focus_truncated_gzip() -> BillingKind:
    whole = gzip.compress(focus_csv(*[focus_row(str(n)) for n in range(1, 200)]))
    return BillingKind(
        "focus_truncated_gzip",
        "focus",
        {"bill.csv.gz": whole[: len(whole) // 2], "good.csv": focus_csv(focus_row("9"))},
        good=[("good.csv", 1)],
        bad=[("bill.csv.gz", None)],
        billed=Decimal(9),
    )


def openai_page_without_data() -> BillingKind:
    return BillingKind(
        "openai_page_without_data",
        "openai-costs",
        {
            "a-error.json": json.dumps({"error": {"message": "rate limited"}}).encode(),
            "b-costs.json": openai_page(0.25, 1.5),
        },
        good=[("b-costs.json", 1), ("b-costs.json", 2)],
        bad=[("a-error.json", None)],
        billed=Decimal("1.75"),
    )


def openai_amount_exponents_and_missing_currency() -> BillingKind:
    with_exponent = openai_page("EXP", 2).replace(b'"EXP"', b"3.5e-2")
    return BillingKind(
        "openai_amount_exponents_and_missing_currency",
        "openai-costs",
        {
            "a.json": with_exponent,
            "b.json": openai_page(1, currency=None).replace(b"1782950400", b"1783036800"),
        },
        good=[("a.json", 1), ("a.json", 2)],
        bad=[("b.json", 1)],
        billed=Decimal("2.035"),
    )


def anthropic_amounts_in_cents() -> BillingKind:
    return BillingKind(
        "anthropic_amounts_in_cents",
        "anthropic-costs",
        {"cost.json": anthropic_page("123.45", 250, "1e2", "twelve", None)},
        good=[("cost.json", 1), ("cost.json", 2), ("cost.json", 3)],
        bad=[("cost.json", 4), ("cost.json", 5)],
        billed=Decimal("4.7345"),
    )


def anthropic_not_json() -> BillingKind:
    return BillingKind(
        "anthropic_not_json",
        "anthropic-costs",
        {"cost.json": b"<html>502 Bad Gateway</html>"},
        good=[],
        bad=[("cost.json", None)],
        billed=Decimal(0),
    )


KINDS = [
    focus_bad_cost_cell,
    focus_row_too_many_columns,
    focus_null_markers_and_empty_cells,
    focus_missing_currency,
    focus_truncated_gzip,
    openai_page_without_data,
    openai_amount_exponents_and_missing_currency,
    anthropic_amounts_in_cents,
    anthropic_not_json,
]


def all_billing_kinds() -> list[BillingKind]:
    return [make() for make in KINDS]
