"""What the bill classification reads besides ``land_charges``: the model map
and the Bedrock application inference profiles, bound by the build.

``cfg_bill_models`` (provider_key, bill_model, model_key, origin): the
maintained map shipped as ``aicost_cli/data/bill_models.csv`` (origin
``bundled``, per provider) plus the config's ``[billing.models]`` (origin
``config``, provider_key NULL: any provider; they win over the bundled rows).
``cfg_inference_profiles`` (arn, model, tags): ``[billing.inference_profiles]``.
Both are temp tables, recreated by every build (``build.bind_config``); the
build's digests include them, so a change rebuilds every day.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

from aicost_cli.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from aicost_cli.config import Config

_CSV_COLUMNS = (
    "{'provider_key': 'VARCHAR', 'bill_model': 'VARCHAR', 'model_key': 'VARCHAR', "
    "'source': 'VARCHAR'}"
)


def _bundled_csv() -> Traversable:
    return resources.files("aicost_cli") / "data" / "bill_models.csv"


def bundled_sha256() -> str:
    """sha256 of the bundled ``aicost_cli/data/bill_models.csv`` (in the build's
    digests: a new aicost with a changed map rebuilds the charges)."""
    return hashlib.sha256(_bundled_csv().read_bytes()).hexdigest()


def lookup_key(name: str) -> str:
    """The key a bill model name is matched by: the SQL macro
    ``aicost_bill_model_lookup`` (lower case, trimmed, runs of spaces and
    underscores as one '-')."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def config_models(config: Config) -> dict[str, str]:
    """``[billing.models]`` checked: two names that are the same bill model
    (they differ only in case, spaces or underscores) must not map to two keys."""
    seen: dict[str, tuple[str, str]] = {}
    where = config.path or "the config"
    for name, key in config.billing.models.items():
        lookup = lookup_key(name)
        if lookup in seen and seen[lookup][1] != key:
            raise ConfigError(
                f"{where}: billing.models maps '{seen[lookup][0]}' and '{name}' (the same bill "
                f"model) to different model keys",
                hint="keep one of them",
            )
        seen[lookup] = (name, key)
    return dict(config.billing.models)


def bind(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Create ``cfg_bill_models``, ``cfg_inference_profiles`` and
    ``cfg_logged_accounts`` (temp tables) from the bundled map and the config.
    Values are parameters, never SQL."""
    con.execute(
        "create or replace temp table cfg_bill_models (provider_key varchar, "
        "bill_model varchar not null, model_key varchar not null, origin varchar not null)"
    )
    with resources.as_file(_bundled_csv()) as csv_path:
        con.execute(
            f"""
            insert into cfg_bill_models
            select provider_key, bill_model, model_key, 'bundled'
            from read_csv(
                ?, header = true, delim = ',', quote = '"', escape = '"',
                auto_detect = false, columns = {_CSV_COLUMNS}
            )
            """,
            [str(csv_path)],
        )
    overrides = config_models(config)
    if overrides:
        con.executemany(
            "insert into cfg_bill_models values (null, ?, ?, 'config')",
            [[name, key] for name, key in overrides.items()],
        )
    con.execute(
        "create or replace temp table cfg_inference_profiles (arn varchar not null, "
        "model varchar not null, tags map(varchar, varchar))"
    )
    profiles = config.billing.inference_profiles
    if profiles:
        con.executemany(
            "insert into cfg_inference_profiles values (?, ?, "
            "case when len(?::varchar[]) > 0 then map(?::varchar[], ?::varchar[]) end)",
            [
                [arn, p.model, list(p.tags), list(p.tags), list(p.tags.values())]
                for arn, p in sorted(profiles.items())
            ],
        )
    con.execute(
        "create or replace temp table cfg_logged_accounts (provider_key varchar not null, "
        "account_key varchar not null)"
    )
    logged = [
        [provider, account]
        for provider, accounts in sorted(config.billing.logged_accounts.items())
        for account in accounts
    ]
    if logged:
        con.executemany("insert into cfg_logged_accounts values (?, ?)", logged)


def digest_data(config: Config) -> dict[str, object]:
    """What of ``[billing]`` the built tables depend on (for build.config_digest)."""
    return {
        "models": dict(sorted(config.billing.models.items())),
        "inference_profiles": {
            arn: [p.model, dict(sorted(p.tags.items()))]
            for arn, p in sorted(config.billing.inference_profiles.items())
        },
        "logged_accounts": {k: list(v) for k, v in sorted(config.billing.logged_accounts.items())},
    }
