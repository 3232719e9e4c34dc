-- assert_charges_ai_is_usage
-- The classification's promises to the allocation, on the rebuilt days:
-- an AI charge is a Usage line, or a Purchase line of capacity (never Tax,
-- Credit or Adjustment); ai_kind is set exactly on AI charges; a token class
-- only on a line of a token meter; a model key never without a provider.
-- Offending rows: the charge and what is wrong with it.

with

days_to_check as (
    select build_days.day from build_days
),

checked as (
    select
        charges.charge_id,
        charges.day,
        charges.charge_category,
        charges.ai_kind,
        case
            when charges.is_ai and charges.charge_category not in ('Usage', 'Purchase')
                then 'AI charge of category ' || charges.charge_category
            when charges.is_ai and charges.charge_category = 'Purchase'
                and charges.ai_kind <> 'capacity'
                then 'AI purchase that is not capacity'
            when charges.is_ai and charges.ai_kind is null then 'AI charge without ai_kind'
            when not charges.is_ai and charges.ai_kind is not null
                then 'ai_kind on a charge that is not AI'
            when charges.is_ai and charges.token_class is not null
                and charges.ai_kind <> 'tokens'
                then 'token class on a charge that is not per token'
            when charges.model_key is not null and charges.provider_key is null
                then 'model key without a provider'
        end as problem
    from charges
    where charges.day in (select days_to_check.day from days_to_check)
),

final as (
    select * from checked where checked.problem is not null
)

select * from final
