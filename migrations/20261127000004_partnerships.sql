-- Policy periods, werkingsgebieden (partnerships) and their member municipalities,
-- regisseur appointments and one-time links to set a password.

-- The 13 centrumsteden may form a werkingsgebied on their own.
alter table municipalities add column centre_city boolean not null default false;

create table policy_periods (
    policy_period_id bigint generated always as identity primary key,
    name             text     not null,
    starts_on        date     not null,
    ends_on          date     not null,
    -- Which municipality list applies: 2019-2024 (300) or 2025 (285).
    vintage          text     not null references municipality_vintages (vintage),
    -- The population year coverage figures use unless another is asked for.
    population_year  smallint not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    constraint policy_periods_name_key unique (name),
    constraint policy_periods_dates check (ends_on > starts_on),
    constraint policy_periods_no_overlap exclude using gist (daterange(starts_on, ends_on, '[]') with &&),
    -- Target of the composite key in partnership_members.
    constraint policy_periods_id_vintage_key unique (policy_period_id, vintage)
);

create type legal_form as enum (
    'centrumstad',
    'interlokale_vereniging',
    'projectvereniging',
    'dienstverlenende_vereniging',
    'opdrachthoudende_vereniging',
    'welzijnsvereniging'
);

create table partnerships (
    partnership_id    bigint generated always as identity primary key,
    policy_period_id  bigint     not null references policy_periods (policy_period_id),
    name              text       not null,
    legal_form        legal_form not null,
    lead_organisation text       not null,
    contact_name      text       not null default '',
    contact_email     text       not null default '',
    contact_phone     text       not null default '',
    -- Synthetic demonstration data, never mixed up with real records.
    is_demo           boolean    not null default false,
    carried_over_from bigint references partnerships (partnership_id),
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    constraint partnerships_name_key unique (policy_period_id, name),
    constraint partnerships_id_period_key unique (partnership_id, policy_period_id),
    constraint partnerships_name_length check (char_length(btrim(name)) between 1 and 200),
    constraint partnerships_lead_length check (char_length(btrim(lead_organisation)) between 1 and 200)
);

create index partnerships_period_idx on partnerships (policy_period_id);

create table partnership_members (
    partnership_id   bigint not null,
    policy_period_id bigint not null,
    vintage          text   not null,
    nis_code         text   not null,
    primary key (partnership_id, nis_code),
    foreign key (partnership_id, policy_period_id)
        references partnerships (partnership_id, policy_period_id) on delete cascade,
    -- Members come from the municipality list of the period's vintage.
    foreign key (policy_period_id, vintage) references policy_periods (policy_period_id, vintage),
    foreign key (vintage, nis_code) references municipalities (vintage, nis_code),
    -- A municipality belongs to at most one werkingsgebied per period.
    constraint partnership_members_one_per_period unique (policy_period_id, nis_code)
);

create type appointment_status as enum ('aangevraagd', 'goedgekeurd', 'afgewezen', 'beeindigd');

create table appointments (
    appointment_id      bigint generated always as identity primary key,
    partnership_id      bigint       not null references partnerships (partnership_id),
    person_name         text         not null,
    person_email        text         not null,
    -- Full-time equivalent, 0.10 to 1.00.
    fte                 numeric(3,2) not null,
    starts_on           date         not null,
    ends_on             date         not null,
    status              appointment_status not null default 'aangevraagd',
    requested_by        bigint       references users (user_id),
    requested_at        timestamptz  not null default now(),
    request_note        text         not null default '',
    decided_by          bigint       references users (user_id),
    decided_at          timestamptz,
    decision_motivation text         not null default '',
    ended_by            bigint       references users (user_id),
    ended_at            timestamptz,
    ended_on            date,
    end_motivation      text         not null default '',
    -- The regisseur's account, linked when the appointment is approved.
    user_id             bigint       references users (user_id),
    is_demo             boolean      not null default false,
    constraint appointments_fte_range check (fte between 0.10 and 1.00),
    constraint appointments_dates check (ends_on > starts_on),
    constraint appointments_rejection_needs_motivation
        check (status <> 'afgewezen' or char_length(btrim(decision_motivation)) > 0),
    constraint appointments_decided check (status = 'aangevraagd' or decided_by is not null or is_demo),
    constraint appointments_ended check (status <> 'beeindigd' or ended_on is not null)
);

create index appointments_partnership_idx on appointments (partnership_id, appointment_id desc);
create index appointments_user_idx on appointments (user_id) where status = 'goedgekeurd';

-- One-time links to set a password: only a hash of the token is stored.
create table password_tokens (
    password_token_id bigint generated always as identity primary key,
    user_id           bigint      not null references users (user_id),
    token_sha256      text        not null,
    expires_at        timestamptz not null,
    used_at           timestamptz,
    created_at        timestamptz not null default now(),
    constraint password_tokens_token_key unique (token_sha256)
);

-- The appointments in force today: approved and within their dates. A werkingsgebied without
-- one is vacant; a regisseur without one has no write access.
create view current_appointments as
    select * from appointments
    where status = 'goedgekeurd' and current_date between starts_on and ends_on;
