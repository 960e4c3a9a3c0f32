-- Least privilege: the web application's requests log in as `regie_app`, which is no superuser,
-- owns nothing and may only read and write the rows a request needs. Migrations, seeds and the
-- command line keep running as the owner (the role that runs this migration).
--
-- Roles belong to the whole cluster: another database of the same server (a test's copy, a
-- template, a second instance) may have created it already, perhaps at this very moment.
do $$
begin
    if not exists (select from pg_roles where rolname = 'regie_app') then
        create role regie_app login nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
    end if;
exception
    when duplicate_object or unique_violation then
        null;
    when insufficient_privilege then
        raise exception 'the database owner may not create the role regie_app'
            using hint = 'create it once as an administrator: create role regie_app login password ''...''; '
                         'and give its URL to regie as REGIE_APP_DATABASE_URL (see the README)';
end
$$;

-- Before PostgreSQL 15 everyone may create tables in `public`: regie_app must own nothing.
revoke create on schema public from public;

grant usage on schema public, tower_sessions to regie_app;

-- What requests read and write: every table, including those of migrations that sort before
-- this one, except for what follows.
grant select, insert, update, delete on all tables in schema public, tower_sessions to regie_app;

-- Reference data: loaded from seeds/ at start by the owner, only read by requests.
revoke insert, update, delete on
    municipality_vintages, municipalities, municipality_populations, municipality_mergers,
    seed_runs, current_appointments
    from regie_app;

-- History is append-only by privilege, not only by trigger: regie_app can add to the audit
-- trail and the action history but cannot change, delete or truncate a row of it.
revoke update, delete, truncate on audit_events, action_changes from regie_app;

-- sqlx's record of the migrations (absent when scripts/sqlx-prepare applies them with psql).
do $$
begin
    if to_regclass('public._sqlx_migrations') is not null then
        revoke all on public._sqlx_migrations from regie_app;
    end if;
end
$$;

grant usage, select on all sequences in schema public to regie_app;

-- Tables of later migrations are readable and writable by requests unless their migration
-- revokes it (an append-only table revokes update and delete, as above). The statement-level
-- triggers that keep action_priority_counts run as the invoking role, so it stays writable.
alter default privileges in schema public
    grant select, insert, update, delete on tables to regie_app;
alter default privileges in schema public
    grant usage, select on sequences to regie_app;
