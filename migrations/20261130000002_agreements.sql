-- VDAB cooperation agreements (samenwerkingsovereenkomsten VDAB - lokaal bestuur): the
-- agreement of a werkingsgebied with VDAB, the municipalities it binds, its status history,
-- its SMART commitments with progress notes and linked actions, follow-up meetings, comments
-- of ministry staff and the PDF documents (signed agreement, council decisions).

-- The one-agreement-per-municipality rule compares a text column and a date range in one
-- exclusion constraint. btree_gist is a trusted extension: the database owner may create it.
create extension if not exists btree_gist;

create type agreement_status as enum (
    'ontwerp', 'onderhandeld', 'goedgekeurd', 'ondertekend', 'in_opvolging', 'geevalueerd',
    'stopgezet'
);

-- Which status may follow which: one step forward, or stopped (with a reason) from any status
-- but stopped. The application offers only these; the history table refuses anything else.
create function agreement_transition_allowed(from_status agreement_status, to_status agreement_status)
returns boolean language sql immutable as $$
    select (from_status, to_status) in (
        ('ontwerp'::agreement_status, 'onderhandeld'::agreement_status),
        ('onderhandeld', 'goedgekeurd'),
        ('goedgekeurd', 'ondertekend'),
        ('ondertekend', 'in_opvolging'),
        ('in_opvolging', 'geevalueerd'))
        or (to_status = 'stopgezet' and from_status <> 'stopgezet')
$$;

create table agreements (
    agreement_id        bigint generated always as identity primary key,
    partnership_id      bigint           not null references partnerships (partnership_id),
    title               text             not null,
    vdab_service        text             not null default '',
    vdab_contact        text             not null default '',
    local_contact       text             not null default '',
    starts_on           date             not null,
    ends_on             date             not null,
    signed_on           date,
    notes               text             not null default '',
    status              agreement_status not null default 'ontwerp',
    -- Whether it binds its municipalities: every status but stopped. Kept here (and copied to
    -- agreement_municipalities by the foreign key below) for the one-agreement rule.
    in_force            boolean generated always as (status <> 'stopgezet') stored,
    origin              data_origin      not null default 'real',
    version             integer          not null default 1,
    idempotency_key     uuid,
    created_by          bigint references users (user_id),
    created_at          timestamptz      not null default now(),
    updated_by          bigint references users (user_id),
    updated_at          timestamptz      not null default now(),
    constraint agreements_title_length check (char_length(btrim(title)) between 1 and 200),
    constraint agreements_texts_length check (
        char_length(vdab_service) <= 200 and char_length(vdab_contact) <= 200
        and char_length(local_contact) <= 200 and char_length(notes) <= 10000),
    constraint agreements_dates check (ends_on >= starts_on),
    constraint agreements_dates_bounded check (
        starts_on between date '2000-01-01' and date '2100-12-31'
        and ends_on between date '2000-01-01' and date '2100-12-31'),
    -- Signed and later needs the signing date (the document is checked on the transition).
    constraint agreements_signed_date check (
        status in ('ontwerp', 'onderhandeld', 'goedgekeurd', 'stopgezet') or signed_on is not null),
    constraint agreements_idempotency_key unique (created_by, idempotency_key),
    -- Target of the composite key in agreement_municipalities.
    constraint agreements_binding_key
        unique (agreement_id, partnership_id, starts_on, ends_on, in_force)
);

create index agreements_partnership_idx on agreements (partnership_id, agreement_id);

-- The municipalities an agreement binds: members of its werkingsgebied only (the werkingsgebied
-- belongs to one period, so members of that period), with the council decision per
-- municipality. The dates and in_force follow the agreement through `on update cascade`, so
-- the exclusion constraint sees them.
create table agreement_municipalities (
    agreement_id         bigint  not null,
    partnership_id       bigint  not null,
    nis_code             text    not null,
    starts_on            date    not null,
    ends_on              date    not null,
    in_force             boolean not null,
    council_decision_on  date,
    council_decision_url text    not null default '',
    primary key (agreement_id, nis_code),
    foreign key (agreement_id, partnership_id, starts_on, ends_on, in_force)
        references agreements (agreement_id, partnership_id, starts_on, ends_on, in_force)
        on update cascade on delete cascade,
    foreign key (partnership_id, nis_code) references partnership_members (partnership_id, nis_code),
    constraint agreement_municipalities_url check (
        council_decision_url = ''
        or (council_decision_url ~ '^https?://\S+$' and char_length(council_decision_url) <= 2000)),
    constraint agreement_municipalities_decision_bounded check (
        council_decision_on is null
        or council_decision_on between date '2000-01-01' and date '2100-12-31'),
    -- A municipality is bound by at most one agreement in force at a time.
    constraint agreement_municipalities_one_in_force exclude using gist (
        nis_code with =, daterange(starts_on, ends_on, '[]') with &&) where (in_force)
);

create index agreement_municipalities_member_idx on agreement_municipalities (partnership_id, nis_code);

-- Every status change: who, when, why. Append-only.
create table agreement_status_changes (
    agreement_status_change_id bigint generated always as identity primary key,
    agreement_id bigint           not null references agreements (agreement_id),
    from_status  agreement_status,
    to_status    agreement_status not null,
    reason       text             not null default '',
    changed_by   bigint references users (user_id),
    changed_at   timestamptz      not null default now(),
    constraint agreement_status_changes_allowed check (
        from_status is null and to_status = 'ontwerp'
        or agreement_transition_allowed(from_status, to_status)),
    constraint agreement_status_changes_stop_reason check (
        to_status <> 'stopgezet' or char_length(btrim(reason)) > 0),
    constraint agreement_status_changes_reason_length check (char_length(reason) <= 2000)
);

create index agreement_status_changes_agreement_idx
    on agreement_status_changes (agreement_id, agreement_status_change_id);

create type commitment_side as enum ('lokaal_bestuur', 'vdab', 'beide');
create type commitment_status as enum ('gepland', 'lopend', 'gerealiseerd', 'niet_gerealiseerd');

-- The SMART commitments (engagementen), each tied to one of VDAB's three objectives of its
-- management plan 2020-2025 (1: elk talent telt, 2: perspectief op talent voor elke werkgever,
-- 3: loopbaanperspectief en loopbaaneigenaarschap voor elke burger).
create table commitments (
    commitment_id   bigint generated always as identity primary key,
    agreement_id    bigint            not null references agreements (agreement_id),
    objective       smallint          not null,
    description     text              not null,
    owner_side      commitment_side   not null,
    owner_name      text              not null,
    indicator       text              not null,
    target_value    text              not null,
    deadline        date              not null,
    status          commitment_status not null default 'gepland',
    version         integer           not null default 1,
    idempotency_key uuid,
    created_by      bigint references users (user_id),
    created_at      timestamptz       not null default now(),
    updated_by      bigint references users (user_id),
    updated_at      timestamptz       not null default now(),
    constraint commitments_objective check (objective between 1 and 3),
    constraint commitments_texts check (
        char_length(btrim(description)) between 1 and 2000
        and char_length(btrim(owner_name)) between 1 and 200
        and char_length(btrim(indicator)) between 1 and 500
        and char_length(btrim(target_value)) between 1 and 200),
    constraint commitments_deadline_bounded check (deadline between date '2000-01-01' and date '2100-12-31'),
    constraint commitments_idempotency_key unique (created_by, idempotency_key)
);

create index commitments_agreement_idx on commitments (agreement_id, deadline, commitment_id);

-- Progress notes on a commitment, dated by their author. Append-only.
create table commitment_notes (
    commitment_note_id bigint generated always as identity primary key,
    commitment_id      bigint      not null references commitments (commitment_id),
    noted_on           date        not null,
    body               text        not null,
    idempotency_key    uuid,
    created_by         bigint references users (user_id),
    created_at         timestamptz not null default now(),
    constraint commitment_notes_body check (char_length(btrim(body)) between 1 and 5000),
    constraint commitment_notes_date_bounded check (noted_on between date '2000-01-01' and date '2100-12-31'),
    constraint commitment_notes_idempotency_key unique (created_by, idempotency_key)
);

create index commitment_notes_commitment_idx on commitment_notes (commitment_id, noted_on, commitment_note_id);

-- Actions of the action log that carry out a commitment: actions of the same werkingsgebied
-- only (checked where the link is made: the insert selects the action through the agreement).
create table commitment_actions (
    commitment_id bigint not null references commitments (commitment_id) on delete cascade,
    action_id     bigint not null references actions (action_id),
    linked_by     bigint references users (user_id),
    linked_at     timestamptz not null default now(),
    primary key (commitment_id, action_id)
);

create index commitment_actions_action_idx on commitment_actions (action_id);

-- Follow-up meetings (opvolgingsmomenten, the steering group) and, per commitment, the status
-- as it was set at that meeting: kept as it was, never recomputed.
create table agreement_meetings (
    meeting_id      bigint generated always as identity primary key,
    agreement_id    bigint      not null references agreements (agreement_id),
    held_on         date        not null,
    participants    text        not null,
    minutes         text        not null default '',
    decisions       text        not null default '',
    idempotency_key uuid,
    created_by      bigint references users (user_id),
    created_at      timestamptz not null default now(),
    constraint agreement_meetings_texts check (
        char_length(btrim(participants)) between 1 and 2000
        and char_length(minutes) <= 20000 and char_length(decisions) <= 10000),
    constraint agreement_meetings_date_bounded check (held_on between date '2000-01-01' and date '2100-12-31'),
    constraint agreement_meetings_idempotency_key unique (created_by, idempotency_key)
);

create index agreement_meetings_agreement_idx on agreement_meetings (agreement_id, held_on desc);

create table meeting_commitment_statuses (
    meeting_id    bigint            not null references agreement_meetings (meeting_id),
    commitment_id bigint            not null references commitments (commitment_id),
    status        commitment_status not null,
    primary key (meeting_id, commitment_id)
);

-- Comments of ministry staff (and answers) on an agreement. Append-only.
create table agreement_comments (
    agreement_comment_id bigint generated always as identity primary key,
    agreement_id         bigint      not null references agreements (agreement_id),
    body                 text        not null,
    idempotency_key      uuid,
    created_by           bigint references users (user_id),
    created_at           timestamptz not null default now(),
    constraint agreement_comments_body check (char_length(btrim(body)) between 1 and 5000),
    constraint agreement_comments_idempotency_key unique (created_by, idempotency_key)
);

create index agreement_comments_agreement_idx on agreement_comments (agreement_id, agreement_comment_id);

-- PDF documents: the signed agreement and council decisions. Stored in PostgreSQL (a backup
-- holds everything) with size and SHA-256; the original file name is display text only.
create type agreement_document_kind as enum ('ondertekende_overeenkomst', 'raadsbeslissing', 'ander');

create table agreement_documents (
    document_id     bigint generated always as identity primary key,
    agreement_id    bigint                  not null references agreements (agreement_id),
    kind            agreement_document_kind not null,
    -- For a council decision: the municipality it is of.
    nis_code        text,
    file_name       text                    not null,
    size_bytes      bigint                  not null,
    sha256          text                    not null,
    content         bytea                   not null,
    idempotency_key uuid,
    uploaded_by     bigint references users (user_id),
    uploaded_at     timestamptz             not null default now(),
    foreign key (agreement_id, nis_code) references agreement_municipalities (agreement_id, nis_code),
    constraint agreement_documents_size check (size_bytes = octet_length(content) and size_bytes > 0),
    constraint agreement_documents_pdf check (substring(content from 1 for 5) = '\x255044462d'::bytea),
    constraint agreement_documents_sha256 check (sha256 ~ '^[0-9a-f]{64}$'),
    constraint agreement_documents_file_name check (char_length(file_name) between 1 and 255),
    constraint agreement_documents_idempotency_key unique (uploaded_by, idempotency_key)
);

create index agreement_documents_agreement_idx on agreement_documents (agreement_id, document_id);

-- VDAB account managers and the werkingsgebieden an admin assigned to them.
create table vdab_assignments (
    user_id        bigint      not null references users (user_id),
    partnership_id bigint      not null references partnerships (partnership_id),
    assigned_by    bigint references users (user_id),
    assigned_at    timestamptz not null default now(),
    primary key (user_id, partnership_id)
);

create index vdab_assignments_partnership_idx on vdab_assignments (partnership_id);

-- History is append-only by privilege: requests add to it but never change or delete it.
revoke update, delete, truncate on agreement_status_changes, commitment_notes,
    meeting_commitment_statuses, agreement_comments from regie_app;
revoke update, truncate on agreement_documents from regie_app;
