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

-- The version of the reference data (municipality lists, populations, policy periods,
-- werkingsgebieden with their municipalities, appointments, map boundaries): what the
-- application caches in memory (src/reference.rs). Every statement that changes one of those
-- tables bumps it in the same transaction, whoever runs it (a request, a seed, a hand-written
-- fix), and every request reads it with its session, so each instance of several drops a stale
-- cache on the next request after the change commits.
create table reference_version (
    singleton boolean primary key default true check (singleton),
    version   bigint  not null default 1
);
insert into reference_version default values;

create function bump_reference_version() returns trigger
language plpgsql as $$
begin
    update reference_version set version = version + 1;
    return null;
end
$$;

do $$
declare
    t text;
begin
    foreach t in array array[
        'municipality_vintages', 'municipalities', 'municipality_populations',
        'municipality_mergers', 'policy_periods', 'partnerships', 'partnership_members',
        'appointments'
    ] loop
        execute format(
            'create trigger %I after insert or update or delete or truncate on %I
             for each statement execute function bump_reference_version()',
            t || '_bump_reference_version', t);
    end loop;
end
$$;

-- Requests change appointments, periods and werkingsgebieden, so they bump the version too
-- (the default privileges of 20261129000001 already gave them the sessions table).
grant select, update on reference_version to regie_app;
revoke insert, delete, truncate on reference_version from regie_app;
