-- Issue #24: an action's start and end lie within its werkingsgebied's policy period, or it
-- counts in no priority check and no report of that period. The form refuses other dates with
-- a message that names the period; this is the database's last word on new dates. Rows saved
-- before keep theirs until someone changes them: they are listed for admins on
-- /admin/kwaliteit, with a link to fix each one.
create function actions_dates_in_period() returns trigger
language plpgsql as $$
begin
    if tg_op = 'UPDATE'
       and (new.partnership_id, new.starts_on, new.ends_on)
           is not distinct from (old.partnership_id, old.starts_on, old.ends_on) then
        return new;
    end if;
    if not exists (
        select 1 from partnerships p
        join policy_periods pp using (policy_period_id)
        where p.partnership_id = new.partnership_id
          and new.starts_on between pp.starts_on and pp.ends_on
          and (new.ends_on is null or new.ends_on between pp.starts_on and pp.ends_on)
    ) then
        raise exception 'the dates of action % lie outside the policy period of werkingsgebied %', new.action_id, new.partnership_id
            using errcode = 'check_violation', constraint = 'actions_dates_in_period';
    end if;
    return new;
end
$$;

create trigger actions_dates_in_period before insert or update of partnership_id, starts_on, ends_on
    on actions for each row execute function actions_dates_in_period();
