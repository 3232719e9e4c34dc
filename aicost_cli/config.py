"""The aicost configuration file (TOML), read exactly and strictly.

Unknown keys and bad values are :class:`ConfigError` naming the file, the key
and the expected form. Money may be written as a TOML number or a string and
is read exactly (``value_per_unit = 18.00`` and ``"18.00"`` are the same).

``[exchange_rates]`` converts prices stated in another currency into the
reporting ``currency``: ``USD = "0.92"`` means 1 USD = 0.92 units of the
reporting currency. Keys are 3-letter codes (upper-cased); values are read
exactly, must be positive, below 1,000,000,000 and have at most 18 decimals
(the DECIMAL(38, 18) the pricing model reads). An entry for the reporting
currency itself must be 1.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from aicost_cli.billing.settings import BillingConfig, CapacityPool, parse_billing, parse_capacity
from aicost_cli.errors import ConfigError
from aicost_cli.paths import config_candidates

UNIT_KINDS = ("conversation", "trace", "request")

#: Default attribution keys, looked up (in order) in the request metadata that
#: each source carries (LiteLLM spend_logs_metadata / requester_metadata /
#: ``key:value`` request tags; OTel span then resource attributes and
#: ``traceloop.association.properties.*``; Bedrock requestMetadata).
DEFAULT_ATTRIBUTION: dict[str, tuple[str, ...]] = {
    "feature_keys": (
        "feature",
        "feature_name",
        "use_case",
        "app.feature",
        "traceloop.association.properties.feature",
    ),
    "team_keys": ("team", "team_name", "traceloop.association.properties.team"),
    "user_keys": (
        "user",
        "user_id",
        "end_user",
        "customer_id",
        "user.id",
        "enduser.id",
        "traceloop.association.properties.user_id",
        "traceloop.association.properties.customer_id",
    ),
    "prompt_version_keys": (
        "prompt_version",
        "prompt.version",
        "prompt_template_version",
        "traceloop.prompt.version",
    ),
    "environment_keys": (
        "environment",
        "env",
        "deployment.environment",
        "deployment.environment.name",
    ),
    "conversation_keys": (
        "conversation_id",
        "session_id",
        "session.id",
        "gen_ai.conversation.id",
        "traceloop.association.properties.session_id",
    ),
}


@dataclass(frozen=True)
class FeatureConfig:
    name: str
    owner: str | None = None
    unit: str = "conversation"
    value_per_unit: Decimal | None = None


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    db_path: Path | None = None
    currency: str = "USD"
    features: dict[str, FeatureConfig] = field(default_factory=dict)
    attribution: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_ATTRIBUTION)
    )
    #: 1 unit of the key's currency = this many units of ``currency``
    exchange_rates: dict[str, Decimal] = field(default_factory=dict)
    billing: BillingConfig = field(default_factory=BillingConfig)
    capacity_pools: tuple[CapacityPool, ...] = ()


_TOP_KEYS = (
    "db_path",
    "currency",
    "features",
    "attribution",
    "exchange_rates",
    "billing",
    "capacity",
)
EXCHANGE_RATE_LIMIT = Decimal(1_000_000_000)
EXCHANGE_RATE_SCALE = 18
_FEATURE_KEYS = ("owner", "unit", "value_per_unit")


def _unknown(where: Path, key: str, valid: tuple[str, ...]) -> ConfigError:
    near = difflib.get_close_matches(key.split(".")[-1], valid, n=1)
    hint = f"did you mean '{near[0]}'?" if near else f"valid keys: {', '.join(valid)}"
    return ConfigError(f"{where}: unknown key '{key}'", hint=hint)


def parse_money(value: object, where: Path, key: str) -> Decimal:
    """Read a money amount exactly from a TOML number or string."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be an amount like \"18.00\", not a boolean")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # tomllib gives floats; repr() is the shortest string that round-trips,
        # i.e. exactly what the user wrote for any amount with <= 15 digits.
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ConfigError(
                f"{where}: '{key}' = {value!r} is not an amount",
                hint='write it like value_per_unit = "18.00"',
            ) from None
        if not amount.is_finite():
            raise ConfigError(f"{where}: '{key}' must be a finite amount, got {value!r}")
        return amount
    raise ConfigError(
        f"{where}: '{key}' must be an amount like \"18.00\", got {type(value).__name__}"
    )


def _feature(where: Path, name: str, raw: Any) -> FeatureConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [features.{name}] must be a table")
    for key in raw:
        if key not in _FEATURE_KEYS:
            raise _unknown(where, f"features.{name}.{key}", _FEATURE_KEYS)
    owner = raw.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise ConfigError(f"{where}: 'features.{name}.owner' must be a string (a team name)")
    unit = raw.get("unit", "conversation")
    if unit not in UNIT_KINDS:
        raise ConfigError(
            f"{where}: 'features.{name}.unit' = {unit!r} is not a unit kind",
            hint=f"use one of: {', '.join(UNIT_KINDS)}",
        )
    value = raw.get("value_per_unit")
    money = None
    if value is not None:
        money = parse_money(value, where, f"features.{name}.value_per_unit")
        if money < 0:
            raise ConfigError(f"{where}: 'features.{name}.value_per_unit' must not be negative")
    return FeatureConfig(name=name, owner=owner, unit=unit, value_per_unit=money)


def _exchange_rates(where: Path, raw: Any, currency: str) -> dict[str, Decimal]:
    example = '[exchange_rates] then one line per currency, e.g. USD = "0.92"'
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'exchange_rates' must be a table", hint=example)
    rates: dict[str, Decimal] = {}
    for code, value in raw.items():
        key = f"exchange_rates.{code}"
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise ConfigError(f"{where}: '{key}' is not a 3-letter ISO currency code", hint=example)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(
                f"{where}: '{key}' must be a rate like \"0.92\", got {type(value).__name__}"
            )
        try:
            rate = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
        except InvalidOperation:
            raise ConfigError(
                f"{where}: '{key}' = {value!r} is not a number", hint=example
            ) from None
        if not rate.is_finite() or rate <= 0 or rate >= EXCHANGE_RATE_LIMIT:
            raise ConfigError(
                f"{where}: '{key}' must be a positive rate below 1,000,000,000, got {value!r}",
                hint=f"1 {code.upper()} = that many {currency}",
            )
        exponent = rate.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -EXCHANGE_RATE_SCALE:
            raise ConfigError(
                f"{where}: '{key}' = {value!r} has more than {EXCHANGE_RATE_SCALE} decimals"
            )
        code = code.upper()
        if code in rates:
            raise ConfigError(f"{where}: '{key}' is given twice (currency codes ignore case)")
        if code == currency:
            if rate != 1:
                raise ConfigError(
                    f"{where}: '{key}' is the reporting currency: its rate can only be 1"
                )
            continue
        rates[code] = rate
    return rates


def parse_config(data: dict[str, Any], where: Path) -> Config:
    for key in data:
        if key not in _TOP_KEYS:
            raise _unknown(where, key, _TOP_KEYS)
    db_path = data.get("db_path")
    if db_path is not None and not isinstance(db_path, str):
        raise ConfigError(f"{where}: 'db_path' must be a string path")
    currency = data.get("currency", "USD")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise ConfigError(f"{where}: 'currency' must be a 3-letter ISO code like \"USD\"")
    features_raw = data.get("features", {})
    if not isinstance(features_raw, dict):
        raise ConfigError(f"{where}: 'features' must be a table of [features.<name>] tables")
    features = {name: _feature(where, name, raw) for name, raw in features_raw.items()}
    attribution = dict(DEFAULT_ATTRIBUTION)
    attr_raw = data.get("attribution", {})
    if not isinstance(attr_raw, dict):
        raise ConfigError(f"{where}: 'attribution' must be a table")
    for key, keys in attr_raw.items():
        if key not in DEFAULT_ATTRIBUTION:
            raise _unknown(where, f"attribution.{key}", tuple(DEFAULT_ATTRIBUTION))
        if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
            raise ConfigError(
                f"{where}: 'attribution.{key}' must be a list of metadata key names",
                hint=f'e.g. {key} = ["feature", "use_case"]',
            )
        attribution[key] = tuple(keys)
    exchange_rates = _exchange_rates(where, data.get("exchange_rates", {}), currency.upper())
    return Config(
        path=where,
        db_path=Path(db_path) if db_path else None,
        currency=currency.upper(),
        features=features,
        attribution=attribution,
        exchange_rates=exchange_rates,
        billing=parse_billing(where, data.get("billing", {})),
        capacity_pools=parse_capacity(where, data.get("capacity", {})),
    )


def load_config(explicit: Path | None = None) -> Config:
    for candidate, must_exist in config_candidates(explicit):
        if not candidate.exists():
            if must_exist:
                raise ConfigError(
                    f"config file {candidate} does not exist",
                    hint="check the --config path or AICOST_CONFIG",
                )
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{candidate} is not valid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{candidate} is not UTF-8 text (a byte {exc.object[exc.start]:#04x} "
                f"at offset {exc.start})",
                hint="save the config file as UTF-8",
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {candidate}: {exc.strerror}") from None
        return parse_config(data, candidate)
    return Config()
