-- The priority check counts actions per werkingsgebied, year and priority. Aggregating them at
-- request time costs tens of milliseconds at 200,000 actions, so the counts are kept up to
-- date by statement-level triggers, in the same transaction as the change.
-- An action counts when it is not deleted and not cancelled, in every year it spans.

create table action_priority_counts (
    partnership_id bigint   not null references partnerships (partnership_id),
    year           smallint not null,
    priority       smallint not null,
    actions        integer  not null default 0,
    primary key (partnership_id, year, priority)
);

create function action_priority_counts_on_insert() returns trigger
language plpgsql as $$
begin
    insert into action_priority_counts (partnership_id, year, priority, actions)
    select n.partnership_id, y.year, p.priority, count(*)
    from new_rows n
    cross join lateral generate_series(extract(year from n.starts_on)::int,
                                       extract(year from coalesce(n.ends_on, n.starts_on))::int) as y(year)
    cross join lateral unnest(n.priorities) as p(priority)
    where n.deleted_at is null and n.status <> 'geannuleerd'
    group by 1, 2, 3
    on conflict (partnership_id, year, priority)
        do update set actions = action_priority_counts.actions + excluded.actions;
    return null;
end;
$$;

create function action_priority_counts_on_update() returns trigger
language plpgsql as $$
begin
    insert into action_priority_counts (partnership_id, year, priority, actions)
    select partnership_id, year, priority, sum(delta)
    from (
        select o.partnership_id, y.year, p.priority, -1 as delta
        from old_rows o
        cross join lateral generate_series(extract(year from o.starts_on)::int,
                                           extract(year from coalesce(o.ends_on, o.starts_on))::int) as y(year)
        cross join lateral unnest(o.priorities) as p(priority)
        where o.deleted_at is null and o.status <> 'geannuleerd'
        union all
        select n.partnership_id, y.year, p.priority, 1
        from new_rows n
        cross join lateral generate_series(extract(year from n.starts_on)::int,
                                           extract(year from coalesce(n.ends_on, n.starts_on))::int) as y(year)
        cross join lateral unnest(n.priorities) as p(priority)
        where n.deleted_at is null and n.status <> 'geannuleerd'
    ) changes
    group by 1, 2, 3
    having sum(delta) <> 0
    on conflict (partnership_id, year, priority)
        do update set actions = action_priority_counts.actions + excluded.actions;
    return null;
end;
$$;

create function action_priority_counts_on_delete() returns trigger
language plpgsql as $$
begin
    insert into action_priority_counts (partnership_id, year, priority, actions)
    select o.partnership_id, y.year, p.priority, -count(*)
    from old_rows o
    cross join lateral generate_series(extract(year from o.starts_on)::int,
                                       extract(year from coalesce(o.ends_on, o.starts_on))::int) as y(year)
    cross join lateral unnest(o.priorities) as p(priority)
    where o.deleted_at is null and o.status <> 'geannuleerd'
    group by 1, 2, 3
    on conflict (partnership_id, year, priority)
        do update set actions = action_priority_counts.actions + excluded.actions;
    return null;
end;
$$;

create trigger action_priority_counts_insert after insert on actions
    referencing new table as new_rows
    for each statement execute function action_priority_counts_on_insert();
create trigger action_priority_counts_update after update on actions
    referencing old table as old_rows new table as new_rows
    for each statement execute function action_priority_counts_on_update();
create trigger action_priority_counts_delete after delete on actions
    referencing old table as old_rows
    for each statement execute function action_priority_counts_on_delete();

-- Actions that exist already.
insert into action_priority_counts (partnership_id, year, priority, actions)
select a.partnership_id, y.year, p.priority, count(*)
from actions a
cross join lateral generate_series(extract(year from a.starts_on)::int,
                                   extract(year from coalesce(a.ends_on, a.starts_on))::int) as y(year)
cross join lateral unnest(a.priorities) as p(priority)
where a.deleted_at is null and a.status <> 'geannuleerd'
group by 1, 2, 3;
