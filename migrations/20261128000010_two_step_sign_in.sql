-- Two-step sign-in with time-based codes (RFC 6238). Required for admins and ministry staff
-- (after one sign-in of grace), optional for regisseurs.
alter table users
    -- The confirmed secret; null while the user has no two-step sign-in.
    add column totp_secret bytea,
    -- A secret shown on the enrolment page, not yet confirmed with a code.
    add column totp_pending_secret bytea,
    add column totp_enrolled_at timestamptz,
    -- The time step of the last accepted code: a code works once.
    add column totp_last_step bigint,
    -- The one sign-in without two-step sign-in that a user who needs it gets, has been used.
    add column mfa_grace_used boolean not null default false,
    add constraint users_totp_enrolled check ((totp_secret is null) = (totp_enrolled_at is null));

-- Ten single-use recovery codes per enrolment, stored as SHA-256 of user id and code.
create table mfa_recovery_codes (
    mfa_recovery_code_id bigint generated always as identity primary key,
    user_id              bigint      not null references users (user_id) on delete cascade,
    code_sha256          text        not null,
    used_at              timestamptz,
    created_at           timestamptz not null default now(),
    constraint mfa_recovery_codes_unique unique (user_id, code_sha256)
);
