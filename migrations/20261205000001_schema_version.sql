-- Readiness (`GET /readyz`): an instance is ready when the database answers AND has every
-- migration this instance was built with. Requests log in as regie_app, which may not read
-- sqlx's own table (migration 20261129000001), so they ask this function, which runs as the
-- owner and tells only the newest version applied.
create function regie_schema_version() returns bigint
    language plpgsql stable security definer
    set search_path = public, pg_temp
as $$
begin
    -- plpgsql, not sql: its body is checked when it runs, and scripts/sqlx-prepare applies
    -- the migrations with psql, without sqlx's table.
    return (select coalesce(max(version), 0) from _sqlx_migrations where success);
end
$$;

revoke all on function regie_schema_version() from public;
grant execute on function regie_schema_version() to regie_app;
