-- Calendar periods of the models rebuilt per period (build_periods,
-- feature_periods): 'day', 'week' (ISO, starting on Monday, as
-- date_trunc('week') does) or 'month'.

-- the first day of the period of kind `period` that holds the date `day`
create or replace temp macro aicost_period_start(period, day) as (
    cast(case period
        when 'day' then day
        when 'week' then date_trunc('week', day)
        else date_trunc('month', day)
    end as date)
);

-- the day after the last day of the period of kind `period` starting on `start`
create or replace temp macro aicost_period_end(period, start) as (
    cast(start + case period
        when 'day' then interval 1 day
        when 'week' then interval 7 day
        else interval 1 month
    end as date)
);
