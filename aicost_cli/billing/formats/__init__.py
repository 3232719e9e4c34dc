"""The billing export formats, in detection order.

Each module declares one :class:`~aicost_cli.billing.formats.base.BillingFormat`
(see ``base.py`` for the contract). :func:`detect` returns the first format
whose ``detect`` accepts a file, so a more specific format comes first
(CUR 2.0 before legacy CUR: both have snake_case ``line_item_*`` columns).
"""

from __future__ import annotations

from aicost_cli.billing.formats import anthropic_costs, cur, cur2, focus, openai_costs
from aicost_cli.billing.formats.base import BillingFormat, FileSample

REGISTRY: list[BillingFormat] = [
    cur2.FORMAT,
    cur.FORMAT,
    focus.FORMAT,
    openai_costs.FORMAT,
    anthropic_costs.FORMAT,
]

BY_NAME: dict[str, BillingFormat] = {fmt.name: fmt for fmt in REGISTRY}

#: every --format value the CLI accepts (a format not registered yet is a usage error)
FORMAT_NAMES = ("cur2", "cur", "focus", "openai-costs", "anthropic-costs")


def detect(sample: FileSample) -> BillingFormat | None:
    """The format of a file, or None when no format recognises it."""
    for fmt in REGISTRY:
        if fmt.detect(sample):
            return fmt
    return None


__all__ = ["BY_NAME", "FORMAT_NAMES", "REGISTRY", "BillingFormat", "FileSample", "detect"]
