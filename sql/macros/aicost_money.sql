-- Money conversion shared by the models that turn an amount in one currency
-- into the reporting currency with a configured rate (cfg_exchange_rates:
-- 1 unit of the amount's currency = rate units of the reporting currency).
-- Exact: integers of 1e-12 units times the rate's two integer halves, in
-- 128-bit arithmetic, rounded half-even (banker's rounding) to 12 decimals,
-- as int_operations_priced converts prices. Never DOUBLE. Exact while the
-- amount times the rate's integer part stays below about 1.7e17 (beyond: an
-- overflow error, never a wrong number).

-- rate = (high * 1e9 + low) / 1e18: both integers, low < 1e9
create or replace temp macro aicost_rate_high(rate) as (
    cast(trunc(rate * 1000000000) as hugeint)
);

create or replace temp macro aicost_rate_low(rate) as (
    cast((rate * 1000000000 - trunc(rate * 1000000000)) * 1000000000 as hugeint)
);

-- |amount| in units of 1e-12 (amount has at most 12 decimals)
create or replace temp macro aicost_money_units(amount) as (
    cast(trunc(abs(amount)) as hugeint) * 1000000000000
        + cast((abs(amount) - trunc(abs(amount))) * 1000000000000 as hugeint)
);

-- units * rate = carried * 1e-9 + rest * 1e-18 units, rest < 1e9: whole units
-- are carried // 1e9, the remainder (carried % 1e9) * 1e9 + rest is in units
-- of 1e-18 of a unit (5e17 is exactly half): round half-even
create or replace temp macro aicost_round_half_even_units(carried, rest) as (
    carried // 1000000000
    + case
        when (carried % 1000000000) * 1000000000 + rest > 500000000000000000
            or ((carried % 1000000000) * 1000000000 + rest = 500000000000000000
                and (carried // 1000000000) % 2 = 1)
            then 1
        else 0
    end
);

-- amount x rate, DECIMAL(38, 12), half-even; NULL when either is NULL
create or replace temp macro aicost_convert_money(amount, rate) as (
    cast(
        case
            when amount is null or rate is null then null
            else
                cast(aicost_round_half_even_units(
                    aicost_money_units(amount) * aicost_rate_high(rate)
                        + (aicost_money_units(amount) * aicost_rate_low(rate)) // 1000000000,
                    (aicost_money_units(amount) * aicost_rate_low(rate)) % 1000000000
                ) as decimal(38, 0))
                * cast(0.000000000001 as decimal(13, 12))
                * sign(amount)
        end
        as decimal(38, 12)
    )
);

-- amount, in `currency`, in the reporting currency: as it is when the two are
-- the same, else converted with `rate` (NULL when there is no rate: the build
-- refuses to run first, aicost_cli.prices.require_exchange_rates)
create or replace temp macro aicost_to_reporting(amount, currency, reporting_currency, rate) as (
    case
        when currency = reporting_currency then amount
        else aicost_convert_money(amount, rate)
    end
);
