"""The effective-dated price catalog: bundled list prices, LiteLLM imports,
listing and coverage reports, and the currencies costs are reported in.

Submodules: :mod:`~aicost_cli.prices.catalog` (the ``prices`` table, the
bundled CSV, the catalog digest), :mod:`~aicost_cli.prices.litellm` (import),
:mod:`~aicost_cli.prices.queries` (``prices list`` / ``prices missing``),
:mod:`~aicost_cli.prices.currency` (reporting currency, exchange rates),
:mod:`~aicost_cli.prices.rebuild` (import, then rebuild).

Money never passes through ``float``: the bundled CSV is cast by DuckDB to
``DECIMAL(18, 12)``, LiteLLM's JSON is parsed with ``parse_float=Decimal``,
and costs are computed in SQL (``sql/intermediate/int_operations_priced.sql``
and the models it reads). Stored operations are never re-priced in place:
the build (:mod:`aicost_cli.build`) rebuilds them whenever
:func:`prices_digest` changes.

Keys. Bundled rows use canonical bare keys (``claude-sonnet-4-5``, ``gpt-4o``,
``amazon.nova-pro``) -- what ``aicost_model_key()`` (``sql/macros``) returns.
Imported LiteLLM rows keep LiteLLM's key *exactly* (``gemini/gemini-2.5-pro``,
``us.anthropic.claude-sonnet-4-5-20250929-v1:0``, ``gpt-4o``). Matching compares
an operation's raw model names and their normalised forms with ``model_key``
for equality; price keys themselves are never normalised. So an imported key
that is already canonical (``gpt-4o``) overrides the bundled row of that key,
and a provider-specific key (Bedrock regional, Azure, OpenRouter, ...) prices
exactly the operations that logged that very name. Many LiteLLM keys with
*different* prices normalise to one canonical key, so aliasing them would pick
one arbitrarily; we do not.
"""

from __future__ import annotations

from aicost_cli.prices.catalog import (
    BUNDLED_STATE_KEY,
    PRICES_COLUMNS,
    RATE_COLUMNS,
    RATE_SCALE,
    RATE_TYPE,
    SERVICE_TIERS,
    bundled_sha256,
    ensure_bundled,
    prices_digest,
)
from aicost_cli.prices.currency import (
    bind_currency,
    require_exchange_rates,
    unconvertible_currencies,
)
from aicost_cli.prices.litellm import (
    IMPORT_DEFAULT_FROM,
    MAX_PER_TOKEN_RATE,
    ImplausiblePriceError,
    ImportResult,
    import_litellm,
    litellm_entry_rows,
    litellm_rates,
)
from aicost_cli.prices.queries import list_prices, missing_prices
from aicost_cli.prices.rebuild import import_and_rebuild

__all__ = [
    "BUNDLED_STATE_KEY",
    "IMPORT_DEFAULT_FROM",
    "MAX_PER_TOKEN_RATE",
    "PRICES_COLUMNS",
    "RATE_COLUMNS",
    "RATE_SCALE",
    "RATE_TYPE",
    "SERVICE_TIERS",
    "ImplausiblePriceError",
    "ImportResult",
    "bind_currency",
    "bundled_sha256",
    "ensure_bundled",
    "import_and_rebuild",
    "import_litellm",
    "list_prices",
    "litellm_entry_rows",
    "litellm_rates",
    "missing_prices",
    "prices_digest",
    "require_exchange_rates",
    "unconvertible_currencies",
]
