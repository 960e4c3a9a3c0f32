-- Who writes the report of werkingsgebied `p_partnership` for `p_year` today: the regisseurs
-- with a current appointment for it, and, for the last year of its policy period only, those of
-- the werkingsgebied carried over from it: that report is due months after the period ended,
-- when the old appointments have ended too. One definition for access, notifications and
-- reminders.
create function report_writers(p_partnership bigint, p_year integer) returns setof bigint
language sql stable as $$
    select a.user_id from current_appointments a
    where a.user_id is not null and a.partnership_id = p_partnership
    union
    select a.user_id
    from partnerships old
    join policy_periods pp on pp.policy_period_id = old.policy_period_id
    join partnerships successor on successor.carried_over_from = old.partnership_id
    join current_appointments a on a.partnership_id = successor.partnership_id
    where old.partnership_id = p_partnership
      and a.user_id is not null
      and p_year = extract(year from pp.ends_on)
$$;
