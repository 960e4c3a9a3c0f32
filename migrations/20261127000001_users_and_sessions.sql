-- Users, their sign-in attempts and their sessions.

create type user_role as enum ('admin', 'ministry', 'regisseur');

create table users (
    user_id              bigint generated always as identity primary key,
    email                text        not null,
    full_name            text        not null,
    role                 user_role   not null,
    -- argon2id PHC string; null only for a user who never had a password.
    password_hash        text,
    -- Set for one-time passwords: the user must choose a new one at the next sign-in.
    must_change_password boolean     not null default true,
    active               boolean     not null default true,
    -- Bumped when a user is deactivated or their password is reset: every session that
    -- remembers an older value is ended on its next request.
    session_version      integer     not null default 1,
    last_sign_in_at      timestamptz,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    constraint users_email_format check (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' and char_length(email) <= 254),
    constraint users_full_name_length check (char_length(btrim(full_name)) between 1 and 200)
);

-- Email addresses are unique regardless of case.
create unique index users_email_key on users (lower(email));

-- Failed and successful sign-ins, for throttling per account and per client address.
create table login_attempts (
    login_attempt_id bigint generated always as identity primary key,
    email_key        text        not null,
    client_ip        inet,
    succeeded        boolean     not null,
    attempted_at     timestamptz not null default now()
);

create index login_attempts_email_key_idx on login_attempts (email_key, attempted_at) where not succeeded;
create index login_attempts_client_ip_idx on login_attempts (client_ip, attempted_at) where not succeeded;

-- The tower-sessions PostgreSQL store's table, created here rather than by the store's own
-- `migrate()` so that concurrent starts and the test template need no extra DDL at run time.
create schema if not exists tower_sessions;

create table tower_sessions.session (
    id          text primary key not null,
    data        bytea            not null,
    expiry_date timestamptz      not null
);
