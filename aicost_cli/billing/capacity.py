"""Reserved and provisioned capacity: the ``[[capacity.pools]]`` the build binds,
and the check that no bill line is in two pools.

The models (``int_capacity_charges`` -> ``int_capacity_charges_daily`` ->
``capacity_daily`` -> ``capacity_allocations``) read the pools from temp
tables bound here, as data (never pasted into SQL):

* ``cfg_capacity_pools(pool, capacity_tokens_per_hour, comparable_model)``
* ``cfg_capacity_pool_models(pool, model_key)``: the models a pool serves
* ``cfg_capacity_pool_matches(pool, kind, pattern)``: ``kind`` is
  ``resource_id`` (equal) or ``usage_type`` (a DuckDB ``glob`` over the
  charge's usage type or SKU meter)
* ``cfg_capacity_pool_tags(pool, tag_key, tag_value)``: every one must match
* ``cfg_capacity_pool_accounts(pool, account_id)``: narrows the pool to
  charges of these billing or sub accounts (no row: any account)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aicost_cli.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from aicost_cli.config import Config


def bind_pools(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """(Re)create the ``cfg_capacity_*`` temp tables from the config."""
    con.execute(
        "create or replace temp table cfg_capacity_pools (pool varchar not null, "
        "capacity_tokens_per_hour bigint, comparable_model varchar)"
    )
    con.execute(
        "create or replace temp table cfg_capacity_pool_models "
        "(pool varchar not null, model_key varchar not null)"
    )
    con.execute(
        "create or replace temp table cfg_capacity_pool_matches "
        "(pool varchar not null, kind varchar not null, pattern varchar not null)"
    )
    con.execute(
        "create or replace temp table cfg_capacity_pool_tags "
        "(pool varchar not null, tag_key varchar not null, tag_value varchar not null)"
    )
    con.execute(
        "create or replace temp table cfg_capacity_pool_accounts "
        "(pool varchar not null, account_id varchar not null)"
    )
    pools = config.capacity_pools
    if not pools:
        return
    con.executemany(
        "insert into cfg_capacity_pools values (?, ?, ?)",
        [[p.name, p.capacity_tokens_per_hour, p.comparable_model] for p in pools],
    )
    con.executemany(
        "insert into cfg_capacity_pool_models values (?, ?)",
        [[p.name, model] for p in pools for model in p.models],
    )
    matches = [[p.name, "resource_id", r] for p in pools for r in p.resource_ids]
    matches += [[p.name, "usage_type", u] for p in pools for u in p.usage_types]
    if matches:
        con.executemany("insert into cfg_capacity_pool_matches values (?, ?, ?)", matches)
    tags = [[p.name, k, v] for p in pools for k, v in sorted(p.tags.items())]
    if tags:
        con.executemany("insert into cfg_capacity_pool_tags values (?, ?, ?)", tags)
    accounts = [[p.name, a] for p in pools for a in p.accounts]
    if accounts:
        con.executemany("insert into cfg_capacity_pool_accounts values (?, ?)", accounts)


def pools_digest_data(config: Config) -> list[dict[str, object]]:
    """What of the pools the derived tables depend on (for the config digest)."""
    return [
        {
            "name": p.name,
            "models": list(p.models),
            "resource_ids": list(p.resource_ids),
            "usage_types": list(p.usage_types),
            "tags": dict(sorted(p.tags.items())),
            "accounts": list(p.accounts),
            "capacity_tokens_per_hour": p.capacity_tokens_per_hour,
            "comparable_model": p.comparable_model,
        }
        for p in config.capacity_pools
    ]


def check_pool_overlaps(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Raise :class:`ConfigError` when a bill line matches two pools (its cost
    would be counted twice). Runs inside the build, after the models: the
    build's transaction is rolled back."""
    if len(config.capacity_pools) < 2:
        return
    rows = con.execute(
        "select int_capacity_charges.charge_id, "
        "list(distinct int_capacity_charges.pool order by int_capacity_charges.pool), "
        "count(*) over () "
        "from int_capacity_charges "
        "group by int_capacity_charges.billing_source, int_capacity_charges.charge_id "
        "having count(distinct int_capacity_charges.pool) > 1 "
        "order by int_capacity_charges.charge_id limit 1"
    ).fetchall()
    if not rows:
        return
    charge_id, pools, count = rows[0]
    where = config.path if config.path is not None else "the config"
    more = f" (and {count - 1} more)" if count > 1 else ""
    raise ConfigError(
        f"bill line {charge_id}{more} matches capacity pools "
        + " and ".join(f"'{p}'" for p in pools)
        + f" in {where}: its cost would be counted twice",
        hint="make the pools' match rules exclusive (resource_ids, usage_types, tags, accounts)",
    )
