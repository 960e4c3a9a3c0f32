-- Action dates within 2000-2100, as the form checks: a year such as -4000 or 32767 would make the
-- priority-count trigger write one row per year and priority (about 147,000 for one action).
-- `not valid`: rows saved before this check are not re-checked here (one would stop the start);
-- every insert and update from now on is.
alter table actions
    add constraint actions_dates_in_range check (
        starts_on between date '2000-01-01' and date '2100-12-31'
        and (ends_on is null or ends_on between date '2000-01-01' and date '2100-12-31')
    ) not valid;
