-- int_allocation_targets
-- Purpose: what a charge is allocated to: the model calls of the days being
--          allocated, summed per allocation group, with the keys charges
--          match on and each token class's tokens and estimated cost.
-- Grain:   one row per allocation group: (day, provider, account_key,
--          model_key, tier, feature, owner, team, model, prompt_version,
--          environment, unit_key, currency, failed): the daily rollup's
--          grain (operations_daily) plus the match keys and whether the
--          calls failed unbilled.
-- materialized: view
-- reads: operations, prices, cfg_settings, cfg_exchange_rates, allocation_days
-- Dimensions are spelled as operation_measures spells them ('unattributed').
-- failed: the calls failed without producing output (status 'error', no
-- output tokens): providers do not bill a failed request, so the bill is
-- never allocated to them (charge_allocations); they stay in the logged
-- tokens and estimated cost the reconciliation compares with the bill ('logged
-- but not billed'). A failed call that produced output (a stream cut off
-- mid-way) was billed for it: not failed here.
-- account_key: the operation's tags['account_id'] (Bedrock invocation logs
-- carry the AWS account), NULL when absent: a charge's account is matched
-- only where both sides have one.
-- tier: as int_operations_priced requests it ('batch' when is_batch, else
-- batch | flex | priority from service_tier, else 'standard').
-- model_key: the operation's model key without a Bedrock geography prefix
-- (aicost_model_base_key: 'us.claude-sonnet-4-5' -> 'claude-sonnet-4-5'), the
-- space charges.model_key is in (a bill does not name the geography); the
-- dimension `model` keeps the key as logged.
-- Per class (the bill's token classes): input = uncached input tokens,
-- cache_read, cache_write = 5m + 1h writes (cache_write_5m / cache_write_1h:
-- each lifetime apart, for a bill that states it), output = output incl.
-- reasoning.
-- estimated_<class>_cost = the class's tokens x the rate of the operation's
-- own price row (price_id), with the same fallbacks as int_operations_priced
-- (cache read at the input rate, ...), converted to the reporting currency
-- with the configured rate (to 9 decimals: these are weights, not money
-- shown anywhere but the reconciliation). An unpriced call has no class cost
-- (NULL): the allocation then weighs its bucket by tokens.

with

operations_in_scope as (
    select * from operations
    where operations.day >= aicost_allocation_from()
        and operations.day < aicost_allocation_until()
        and operations.day in (select allocation_days.day from allocation_days)
        and operations.is_model_call
),

price_rows as (
    select * from prices
),

settings as (
    select cfg_settings.reporting_currency from cfg_settings
),

exchange_rates as (
    select * from cfg_exchange_rates
),

operation_classes as (
    select
        operations_in_scope.day,
        coalesce(operations_in_scope.provider, 'unattributed') as provider,
        nullif(operations_in_scope.tags['account_id'], '') as account_key,
        aicost_model_base_key(
            coalesce(operations_in_scope.model_key, operations_in_scope.model, 'unattributed')
        ) as model_key,
        case
            when operations_in_scope.is_batch then 'batch'
            when operations_in_scope.service_tier in ('batch', 'flex', 'priority')
                then operations_in_scope.service_tier
            else 'standard'
        end as tier,
        coalesce(operations_in_scope.feature, 'unattributed') as feature,
        coalesce(operations_in_scope.owner, 'unattributed') as owner,
        coalesce(operations_in_scope.team, 'unattributed') as team,
        coalesce(operations_in_scope.model_key, operations_in_scope.model, 'unattributed')
            as model,
        coalesce(operations_in_scope.prompt_version, 'unattributed') as prompt_version,
        coalesce(operations_in_scope.environment, 'unattributed') as environment,
        operations_in_scope.unit_key,
        operations_in_scope.currency,
        operations_in_scope.status = 'error' and operations_in_scope.output_tokens = 0
            as failed,
        operations_in_scope.estimated_cost,
        operations_in_scope.input_tokens,
        operations_in_scope.cache_read_tokens,
        operations_in_scope.cache_write_5m_tokens,
        operations_in_scope.cache_write_1h_tokens,
        operations_in_scope.output_tokens,
        case
            when price_rows.currency is null or price_rows.currency = settings.reporting_currency
                then cast(1 as decimal(38, 9))
            else cast(exchange_rates.rate as decimal(38, 9))
        end as to_reporting,
        case when operations_in_scope.input_tokens > 0 then
            cast(operations_in_scope.input_tokens as decimal(38, 0))
                * price_rows.input_per_token
        else 0 end as price_input_cost,
        case when operations_in_scope.cache_read_tokens > 0 then
            cast(operations_in_scope.cache_read_tokens as decimal(38, 0))
                * coalesce(price_rows.cache_read_per_token, price_rows.input_per_token)
        else 0 end as price_cache_read_cost,
        case when operations_in_scope.cache_write_5m_tokens > 0 then
            cast(operations_in_scope.cache_write_5m_tokens as decimal(38, 0))
                * coalesce(price_rows.cache_write_5m_per_token, price_rows.input_per_token)
        else 0 end as price_cache_write_5m_cost,
        case when operations_in_scope.cache_write_1h_tokens > 0 then
            cast(operations_in_scope.cache_write_1h_tokens as decimal(38, 0))
                * coalesce(
                    price_rows.cache_write_1h_per_token,
                    price_rows.cache_write_5m_per_token,
                    price_rows.input_per_token
                )
        else 0 end as price_cache_write_1h_cost,
        case when operations_in_scope.output_tokens - operations_in_scope.reasoning_tokens > 0
            then cast(
                operations_in_scope.output_tokens - operations_in_scope.reasoning_tokens
                as decimal(38, 0)
            ) * price_rows.output_per_token
        else 0 end
        + case when operations_in_scope.reasoning_tokens > 0 then
            cast(operations_in_scope.reasoning_tokens as decimal(38, 0))
                * coalesce(price_rows.reasoning_per_token, price_rows.output_per_token)
        else 0 end as price_output_cost,
        price_rows.price_id is not null as has_price
    from operations_in_scope
    cross join settings
    left join price_rows
        on operations_in_scope.price_id = price_rows.price_id
    left join exchange_rates
        on price_rows.currency = exchange_rates.currency
),

-- each class's estimated cost in the reporting currency, converted once per
-- operation (the sums below add them up; cache_write = 5m + 1h)
class_costs as (
    select
        operation_classes.*,
        case when operation_classes.has_price then
            cast(operation_classes.price_input_cost * operation_classes.to_reporting
                as decimal(38, 12))
        end as input_cost,
        case when operation_classes.has_price then
            cast(operation_classes.price_cache_read_cost * operation_classes.to_reporting
                as decimal(38, 12))
        end as cache_read_cost,
        case when operation_classes.has_price then
            cast(operation_classes.price_cache_write_5m_cost * operation_classes.to_reporting
                as decimal(38, 12))
        end as cache_write_5m_cost,
        case when operation_classes.has_price then
            cast(operation_classes.price_cache_write_1h_cost * operation_classes.to_reporting
                as decimal(38, 12))
        end as cache_write_1h_cost,
        case when operation_classes.has_price then
            cast(operation_classes.price_output_cost * operation_classes.to_reporting
                as decimal(38, 12))
        end as output_cost
    from operation_classes
),

final as (
    select
        class_costs.day,
        class_costs.provider,
        class_costs.account_key,
        class_costs.model_key,
        class_costs.tier,
        class_costs.feature,
        class_costs.owner,
        class_costs.team,
        class_costs.model,
        class_costs.prompt_version,
        class_costs.environment,
        class_costs.unit_key,
        class_costs.currency,
        class_costs.failed,
        count(*) as operations,
        sum(class_costs.estimated_cost) as estimated_cost,
        sum(class_costs.input_tokens)::bigint as logged_input_tokens,
        sum(class_costs.cache_read_tokens)::bigint as logged_cache_read_tokens,
        sum(class_costs.cache_write_5m_tokens + class_costs.cache_write_1h_tokens)
            ::bigint as logged_cache_write_tokens,
        sum(class_costs.cache_write_5m_tokens)::bigint as logged_cache_write_5m_tokens,
        sum(class_costs.cache_write_1h_tokens)::bigint as logged_cache_write_1h_tokens,
        sum(class_costs.output_tokens)::bigint as logged_output_tokens,
        sum(class_costs.input_cost) as estimated_input_cost,
        sum(class_costs.cache_read_cost) as estimated_cache_read_cost,
        sum(class_costs.cache_write_5m_cost + class_costs.cache_write_1h_cost)
            as estimated_cache_write_cost,
        sum(class_costs.cache_write_5m_cost) as estimated_cache_write_5m_cost,
        sum(class_costs.cache_write_1h_cost) as estimated_cache_write_1h_cost,
        sum(class_costs.output_cost) as estimated_output_cost
    from class_costs
    group by
        class_costs.day,
        class_costs.provider,
        class_costs.account_key,
        class_costs.model_key,
        class_costs.tier,
        class_costs.feature,
        class_costs.owner,
        class_costs.team,
        class_costs.model,
        class_costs.prompt_version,
        class_costs.environment,
        class_costs.unit_key,
        class_costs.currency,
        class_costs.failed
)

select * from final
