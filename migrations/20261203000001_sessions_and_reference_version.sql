-- Issue 13: fewer round trips per page.

-- Sessions with the signed-in user's id beside the data, so that the statement that loads a
-- session also loads its user (src/auth/session_store.rs). The earlier store kept a binary blob
-- that SQL cannot look into. Sessions of before this upgrade are not carried over: everybody
-- signs in once more.
create table sessions (
    session_id text        primary key,
    data       jsonb       not null,
    user_id    bigint      references users on delete cascade,
    expires_at timestamptz not null
);
create index sessions_expires_at_idx on sessions (expires_at);

drop schema tower_sessions cascade;

-- The version of the reference data: what changes a few times a year and most pages read, so
-- the application caches it in memory (src/reference.rs). The municipality lists with their
-- populations, mergers and map boundaries, the policy periods, the werkingsgebieden with their
-- municipalities and appointments, and the budget's envelopes, rules, unemployment figures and
-- allocations. Every statement that changes one of those
-- tables bumps it in the same transaction, whoever runs it (a request, a seed, a hand-written
-- fix), and every request reads it with its session, so each instance of several drops a stale
-- cache on the next request after the change commits. The trigger runs before the statement,
-- so a writer takes the version row before the rows it changes: two transactions that change
-- reference data queue on that row instead of deadlocking over each other's rows (should one
-- still deadlock, over a row locked before its first change, the loser gets the 503 page).
create table reference_version (
    singleton boolean primary key default true check (singleton),
    version   bigint  not null default 1
);
insert into reference_version default values;

create function bump_reference_version() returns trigger
language plpgsql as $$
begin
    update reference_version set version = version + 1;
    return null; -- ignored for statement-level triggers
end
$$;

do $$
declare
    t text;
begin
    foreach t in array array[
        'municipality_vintages', 'municipalities', 'municipality_populations',
        'municipality_mergers', 'policy_periods', 'partnerships', 'partnership_members',
        'appointments', 'budget_envelopes', 'allocation_rules', 'allocation_rule_bands',
        'unemployment_rates', 'allocations'
    ] loop
        execute format(
            'create trigger %I before insert or update or delete or truncate on %I
             for each statement execute function bump_reference_version()',
            t || '_bump_reference_version', t);
    end loop;
end
$$;

-- Requests change appointments, periods and werkingsgebieden, so they bump the version too
-- (the default privileges of 20261129000001 already gave them the sessions table).
grant select, update on reference_version to regie_app;
revoke insert, delete, truncate on reference_version from regie_app;

-- The cost of the actions per werkingsgebied and year they start in (not deleted, with a cost),
-- kept up to date by statement-level triggers in the same transaction as the change, as
-- action_priority_counts is: the budget overview summed 195,000 actions on every view.
create table action_cost_totals (
    partnership_id bigint   not null references partnerships (partnership_id),
    year           smallint not null,
    cost_cents     bigint   not null default 0,
    primary key (partnership_id, year)
);

create function action_cost_totals_on_insert() returns trigger
language plpgsql as $$
begin
    insert into action_cost_totals (partnership_id, year, cost_cents)
    select n.partnership_id, extract(year from n.starts_on)::smallint, sum(n.cost_cents)
    from new_rows n
    where n.deleted_at is null and n.cost_cents is not null
    group by 1, 2
    on conflict (partnership_id, year)
        do update set cost_cents = action_cost_totals.cost_cents + excluded.cost_cents;
    return null;
end;
$$;

create function action_cost_totals_on_update() returns trigger
language plpgsql as $$
begin
    insert into action_cost_totals (partnership_id, year, cost_cents)
    select partnership_id, year, sum(delta)
    from (
        select o.partnership_id, extract(year from o.starts_on)::smallint as year,
               -o.cost_cents as delta
        from old_rows o
        where o.deleted_at is null and o.cost_cents is not null
        union all
        select n.partnership_id, extract(year from n.starts_on)::smallint, n.cost_cents
        from new_rows n
        where n.deleted_at is null and n.cost_cents is not null
    ) changes
    group by 1, 2
    having sum(delta) <> 0
    on conflict (partnership_id, year)
        do update set cost_cents = action_cost_totals.cost_cents + excluded.cost_cents;
    return null;
end;
$$;

create function action_cost_totals_on_delete() returns trigger
language plpgsql as $$
begin
    insert into action_cost_totals (partnership_id, year, cost_cents)
    select o.partnership_id, extract(year from o.starts_on)::smallint, -sum(o.cost_cents)
    from old_rows o
    where o.deleted_at is null and o.cost_cents is not null
    group by 1, 2
    on conflict (partnership_id, year)
        do update set cost_cents = action_cost_totals.cost_cents + excluded.cost_cents;
    return null;
end;
$$;

create trigger action_cost_totals_insert after insert on actions
    referencing new table as new_rows
    for each statement execute function action_cost_totals_on_insert();
create trigger action_cost_totals_update after update on actions
    referencing old table as old_rows new table as new_rows
    for each statement execute function action_cost_totals_on_update();
create trigger action_cost_totals_delete after delete on actions
    referencing old table as old_rows
    for each statement execute function action_cost_totals_on_delete();

-- Actions that exist already.
insert into action_cost_totals (partnership_id, year, cost_cents)
select partnership_id, extract(year from starts_on)::smallint, sum(cost_cents)
from actions
where deleted_at is null and cost_cents is not null
group by 1, 2;
