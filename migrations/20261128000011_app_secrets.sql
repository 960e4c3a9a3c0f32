-- Keys the application shares across its instances. `csrf_cookie` signs the CSRF token that an
-- anonymous visitor's cookie carries until sign-in (so that viewing /login writes no session).
-- gen_random_uuid() draws from PostgreSQL's strong random source: 2 x 122 random bits.
create table app_secrets (
    name       text primary key,
    value      bytea       not null,
    created_at timestamptz not null default now()
);

insert into app_secrets (name, value)
values ('csrf_cookie', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));
