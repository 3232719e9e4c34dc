"""``aicost prices import``: import a price file, then rebuild what it prices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from aicost_cli.prices.catalog import ensure_bundled
from aicost_cli.prices.currency import require_exchange_rates
from aicost_cli.prices.litellm import ImportResult, import_litellm

if TYPE_CHECKING:
    import duckdb

    from aicost_cli.build import BuildResult
    from aicost_cli.config import Config


def import_and_rebuild(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    path: Path,
    effective_from: date | None = None,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[ImportResult, BuildResult]:
    """Import a LiteLLM price file (one transaction for the price rows), then
    rebuild every derived table (``aicost_cli.build.build(full=True)``).

    Checks first that the config can convert every price currency (the
    imported rows are USD, as the bundled ones): a configuration the build
    would refuse imports nothing. Stored operations are never updated in
    place: the build recomputes them from the landed data and the new
    catalog. If the build fails, the prices stay imported and the next build
    (any ingest or ``aicost prices import``) sees the changed catalog digest
    and rebuilds.
    """
    from aicost_cli.build import build  # lazy: the build imports this package

    ensure_bundled(con)
    require_exchange_rates(con, config)
    result = import_litellm(con, path, effective_from)
    built = build(con, config, full=True, progress=progress)
    return result, built
