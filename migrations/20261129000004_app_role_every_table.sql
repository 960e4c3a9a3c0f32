-- Requests' privileges on the tables of every earlier migration. 20261129000001 named its tables
-- one by one and so missed some that migrations sorting before it create (app_secrets, the
-- two-step sign-in's tables); this grants on all of them and takes back, again, what requests
-- must not do. Tables of later migrations get their privileges from the default privileges
-- (see 20261129000001) and revoke what they must.
grant select, insert, update, delete on all tables in schema public, tower_sessions to regie_app;

-- Reference data: loaded from seeds/ at start by the owner, only read by requests.
revoke insert, update, delete on
    municipality_vintages, municipalities, municipality_populations, municipality_mergers,
    seed_runs, current_appointments
    from regie_app;

-- History stays append-only by privilege.
revoke update, delete, truncate on audit_events, action_changes from regie_app;

-- The application's keys stay read-only (see 20261129000002).
revoke insert, update, delete, truncate on app_secrets from regie_app;

-- The statement-level triggers that keep action_priority_counts run as the invoking role, so
-- that table stays writable.

-- sqlx's record of the migrations (absent when scripts/sqlx-prepare applies them with psql).
do $$
begin
    if to_regclass('public._sqlx_migrations') is not null then
        revoke all on public._sqlx_migrations from regie_app;
    end if;
end
$$;
