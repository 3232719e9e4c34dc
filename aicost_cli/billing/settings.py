"""The ``[billing]`` and ``[[capacity.pools]]`` sections of the config.

```toml
[billing]
tolerance_pct = "2"              # reconciliation: a difference within this is "ok"

[billing.models]                 # bill model names -> the model keys the logs use
"Claude4.5Sonnet" = "claude-sonnet-4-5"

[billing.logged_accounts]        # the accounts whose calls the logs hold, per provider
anthropic = ["wrkspc_01jFWtbRmCSbzV9K47COUcdm"]   # Anthropic workspace ids
openai = ["proj_abc"]                              # OpenAI project ids (AWS: account ids)

[billing.inference_profiles."arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"]
model = "claude-sonnet-4-5"      # a Bedrock application inference profile: its model
tags = { feature = "support-bot" }

[[capacity.pools]]               # reserved / provisioned capacity serving self-hosted models
name = "gpu-llama"
# which charges are the pool: a charge is in the pool when its resource id is
# one of resource_ids, OR its usage type (or SKU meter) matches one of the
# usage_types globs (* any text, ? one character), OR it carries every one of
# the tags; accounts (optional) then keeps only charges of those (sub)accounts
match = { usage_types = ["BoxUsage:p5.48xlarge", "HeavyUsage:p5.48xlarge"] }
models = ["llama-3-70b"]             # the model keys whose operations the pool serves
capacity_tokens_per_hour = 4000000   # optional: utilisation = served / capacity
comparable_model = "gpt-4o"          # optional: the API model to compare with
```

Read strictly like the rest of the config: unknown keys are errors naming
the file and the key. A pool must match on something (resource ids, usage
types or tags); a model served by two pools is an error (whose operations
would the capacity serve?). A charge matching two pools is found by the
build (``aicost_cli.billing.capacity.check_pool_overlaps``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost_cli.errors import ConfigError

_BILLING_KEYS = ("tolerance_pct", "models", "inference_profiles", "logged_accounts")
#: the provider keys of bill lines (charges.provider_key), for [billing.logged_accounts]
PROVIDER_KEYS = ("anthropic", "openai", "bedrock", "azure", "vertex_ai", "gemini", "sagemaker")
_PROFILE_KEYS = ("model", "tags")
_POOL_KEYS = ("name", "match", "models", "capacity_tokens_per_hour", "comparable_model")
_MATCH_KEYS = ("resource_ids", "usage_types", "tags", "accounts")


@dataclass(frozen=True)
class InferenceProfile:
    model: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BillingConfig:
    tolerance_pct: Decimal = Decimal(2)
    #: bill model name (Bedrock billing name, Azure meter model, ...) -> model key
    models: dict[str, str] = field(default_factory=dict)
    #: application inference profile ARN -> its model and tags
    inference_profiles: dict[str, InferenceProfile] = field(default_factory=dict)
    #: provider key -> the accounts (Anthropic workspaces, OpenAI projects, AWS
    #: accounts) whose calls the logs hold: a logged call that names no account
    #: is taken to be of one of these, so another account's charges of that
    #: provider are never allocated to it (they stay unallocated)
    logged_accounts: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CapacityPool:
    name: str
    models: tuple[str, ...]
    resource_ids: tuple[str, ...] = ()
    usage_types: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    capacity_tokens_per_hour: int | None = None
    comparable_model: str | None = None
    #: billing or sub account ids the pool's charges must belong to (empty: any)
    accounts: tuple[str, ...] = ()


def _check_keys(where: Path, section: str, raw: dict[str, Any], valid: tuple[str, ...]) -> None:
    from aicost_cli.config import _unknown  # the config's own "did you mean" message

    for key in raw:
        if key not in valid:
            raise _unknown(where, f"{section}.{key}", valid)


def _string_map(where: Path, key: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in raw.items()
    ):
        raise ConfigError(f"{where}: '{key}' must be a table of names to strings")
    return dict(raw)


def _string_list(where: Path, key: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(raw)


def parse_billing(where: Path, raw: Any) -> BillingConfig:
    from aicost_cli.config import parse_money

    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'billing' must be a table ([billing])")
    _check_keys(where, "billing", raw, _BILLING_KEYS)
    tolerance = BillingConfig.tolerance_pct
    if "tolerance_pct" in raw:
        tolerance = parse_money(raw["tolerance_pct"], where, "billing.tolerance_pct")
        if tolerance < 0 or tolerance > 100:
            raise ConfigError(f"{where}: 'billing.tolerance_pct' must be between 0 and 100")
    models = _string_map(where, "billing.models", raw.get("models", {}))
    profiles: dict[str, InferenceProfile] = {}
    profiles_raw = raw.get("inference_profiles", {})
    if not isinstance(profiles_raw, dict):
        raise ConfigError(f"{where}: 'billing.inference_profiles' must be a table")
    for arn, value in profiles_raw.items():
        key = f"billing.inference_profiles.{arn}"
        if not isinstance(value, dict):
            raise ConfigError(
                f"{where}: '{key}' must be a table",
                hint='e.g. { model = "claude-sonnet-4-5", tags = { feature = "support-bot" } }',
            )
        _check_keys(where, key, value, _PROFILE_KEYS)
        model = value.get("model")
        if not isinstance(model, str) or not model:
            raise ConfigError(f"{where}: '{key}.model' must name a model key")
        tags = _string_map(where, f"{key}.tags", value.get("tags", {}))
        profiles[arn] = InferenceProfile(model=model, tags=tags)
    logged_raw = raw.get("logged_accounts", {})
    if not isinstance(logged_raw, dict):
        raise ConfigError(
            f"{where}: 'billing.logged_accounts' must be a table of provider = [accounts]",
            hint='e.g. anthropic = ["wrkspc_01..."]',
        )
    logged: dict[str, tuple[str, ...]] = {}
    for provider, accounts in logged_raw.items():
        if provider not in PROVIDER_KEYS:
            raise ConfigError(
                f"{where}: 'billing.logged_accounts.{provider}' is not a provider of bill lines",
                hint="one of: " + ", ".join(PROVIDER_KEYS),
            )
        listed = _string_list(where, f"billing.logged_accounts.{provider}", accounts)
        if not listed:
            raise ConfigError(
                f"{where}: 'billing.logged_accounts.{provider}' must name at least one account",
                hint="leave the provider out to match its charges of every account",
            )
        logged[provider] = tuple(sorted(set(listed)))
    return BillingConfig(
        tolerance_pct=tolerance,
        models=models,
        inference_profiles=profiles,
        logged_accounts=logged,
    )


def parse_capacity(where: Path, raw: Any) -> tuple[CapacityPool, ...]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'capacity' must be a table of [[capacity.pools]]")
    _check_keys(where, "capacity", raw, ("pools",))
    pools_raw = raw.get("pools", [])
    if not isinstance(pools_raw, list):
        raise ConfigError(
            f"{where}: 'capacity.pools' must be an array of tables ([[capacity.pools]])"
        )
    pools: list[CapacityPool] = []
    for index, pool in enumerate(pools_raw):
        key = f"capacity.pools[{index}]"
        if not isinstance(pool, dict):
            raise ConfigError(f"{where}: '{key}' must be a table")
        _check_keys(where, key, pool, _POOL_KEYS)
        name = pool.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: '{key}.name' must be a non-empty string")
        if any(p.name == name for p in pools):
            raise ConfigError(f"{where}: capacity pool '{name}' is defined twice")
        match = pool.get("match", {})
        if not isinstance(match, dict) or not match:
            raise ConfigError(
                f"{where}: '{key}.match' must say which charges the pool is",
                hint='e.g. match = { usage_types = ["BoxUsage:p5.48xlarge"] }',
            )
        _check_keys(where, f"{key}.match", match, _MATCH_KEYS)
        models = _string_list(where, f"{key}.models", pool.get("models"))
        if not models:
            raise ConfigError(f"{where}: '{key}.models' must name the models the pool serves")
        capacity = pool.get("capacity_tokens_per_hour")
        if capacity is not None and (
            isinstance(capacity, bool) or not isinstance(capacity, int) or capacity <= 0
        ):
            raise ConfigError(
                f"{where}: '{key}.capacity_tokens_per_hour' must be a positive integer"
            )
        comparable = pool.get("comparable_model")
        if comparable is not None and (not isinstance(comparable, str) or not comparable):
            raise ConfigError(f"{where}: '{key}.comparable_model' must name a model key")
        resource_ids = _string_list(
            where, f"{key}.match.resource_ids", match.get("resource_ids", [])
        )
        usage_types = _string_list(where, f"{key}.match.usage_types", match.get("usage_types", []))
        tags = _string_map(where, f"{key}.match.tags", match.get("tags", {}))
        accounts = _string_list(where, f"{key}.match.accounts", match.get("accounts", []))
        if not (resource_ids or usage_types or tags):
            raise ConfigError(
                f"{where}: '{key}.match' must name resource_ids, usage_types or tags "
                "(accounts only narrows them)",
                hint='e.g. match = { usage_types = ["BoxUsage:p5.48xlarge"] }',
            )
        for model in models:
            other = next((p.name for p in pools if model in p.models), None)
            if other is not None:
                raise ConfigError(
                    f"{where}: model '{model}' is served by two capacity pools "
                    f"('{other}' and '{name}')",
                    hint="each model's operations can be served by one pool only",
                )
        if len(set(models)) != len(models):
            raise ConfigError(f"{where}: '{key}.models' names a model twice")
        pools.append(
            CapacityPool(
                name=name,
                models=models,
                resource_ids=resource_ids,
                usage_types=usage_types,
                tags=tags,
                capacity_tokens_per_hour=capacity,
                comparable_model=comparable,
                accounts=accounts,
            )
        )
    return tuple(pools)
