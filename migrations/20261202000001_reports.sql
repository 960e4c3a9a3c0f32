-- The yearly report (jaarrapport) of a werkingsgebied and the ministry's review of it: the due
-- date per report year, the assigned reviewer, the report with its narrative, its status
-- history, the snapshots frozen at each submission, the review checklist and the message
-- thread. Then notifications per user, the e-mail outbox a background worker sends from, and
-- the dashboard filters users save.

create type report_status as enum ('concept', 'ingediend', 'in_behandeling', 'goedgekeurd', 'teruggestuurd');

-- Which status may follow which. Reopening an approved report puts it back in review. The
-- application offers only these; the reports table and the history table refuse anything else.
create function report_transition_allowed(from_status report_status, to_status report_status)
returns boolean language sql immutable as $$
    select (from_status, to_status) in (
        ('concept'::report_status, 'ingediend'::report_status),
        ('ingediend', 'in_behandeling'),
        ('in_behandeling', 'goedgekeurd'),
        ('in_behandeling', 'teruggestuurd'),
        ('teruggestuurd', 'ingediend'),
        ('goedgekeurd', 'in_behandeling'))
$$;

-- When the reports of a year are due, set by an admin (for example 31 March of the next year).
create table report_deadlines (
    year   smallint    primary key,
    due_on date        not null,
    set_by bigint      references users (user_id),
    set_at timestamptz not null default now(),
    constraint report_deadlines_year check (year between 2000 and 2100),
    -- Within the year reported on or the two after it: anything else is a typing error.
    constraint report_deadlines_due_on check (
        due_on between make_date(year, 1, 1) and make_date(year + 2, 12, 31))
);

-- The ministry user who reviews a werkingsgebied's reports and is told when one comes in.
-- Any ministry user may act on a report (a colleague covers an absence); this one is notified.
create table partnership_reviewers (
    partnership_id bigint      primary key references partnerships (partnership_id),
    reviewer_id    bigint      not null references users (user_id),
    assigned_by    bigint      references users (user_id),
    assigned_at    timestamptz not null default now()
);

create index partnership_reviewers_reviewer_idx on partnership_reviewers (reviewer_id);

create function reviewer_is_ministry() returns trigger
language plpgsql as $$
begin
    if not exists (select 1 from users where user_id = new.reviewer_id and role = 'ministry') then
        raise exception 'reviewer % is not a ministry user', new.reviewer_id
            using errcode = 'check_violation', constraint = 'partnership_reviewers_ministry';
    end if;
    return new;
end
$$;

create trigger partnership_reviewers_ministry before insert or update on partnership_reviewers
    for each row execute function reviewer_is_ministry();

-- One report per werkingsgebied and year. The figures are assembled from the data when the page
-- is shown and frozen in report_submissions when it is submitted; this row holds the narrative
-- the regisseur writes and the current status.
create table reports (
    report_id      bigint generated always as identity primary key,
    partnership_id bigint        not null references partnerships (partnership_id),
    year           smallint      not null,
    status         report_status not null default 'concept',
    context        text          not null default '',
    worked         text          not null default '',
    not_worked     text          not null default '',
    plans          text          not null default '',
    -- Optimistic locking: an edit or a transition names the version it started from.
    version        integer       not null default 1,
    is_demo        boolean       not null default false,
    created_by     bigint        references users (user_id),
    created_at     timestamptz   not null default now(),
    updated_by     bigint        references users (user_id),
    updated_at     timestamptz   not null default now(),
    constraint reports_one_per_year unique (partnership_id, year),
    constraint reports_year check (year between 2000 and 2100),
    constraint reports_text_length check (
        char_length(context) <= 20000 and char_length(worked) <= 20000
        and char_length(not_worked) <= 20000 and char_length(plans) <= 20000)
);

create index reports_year_status_idx on reports (year, status);

-- A report covers a year of its werkingsgebied's policy period; the status moves only along
-- report_transition_allowed; the narrative changes only while the regisseur holds the report.
create function reports_guard() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.year <> old.year or new.partnership_id <> old.partnership_id then
        if not exists (
            select 1 from partnerships p
            join policy_periods pp using (policy_period_id)
            where p.partnership_id = new.partnership_id
              and new.year between extract(year from pp.starts_on) and extract(year from pp.ends_on)
        ) then
            raise exception 'year % is outside the policy period of werkingsgebied %', new.year, new.partnership_id
                using errcode = 'check_violation', constraint = 'reports_year_in_period';
        end if;
    end if;
    if tg_op = 'INSERT' then
        if new.status <> 'concept' and not new.is_demo then
            raise exception 'a report starts as concept'
                using errcode = 'check_violation', constraint = 'reports_status_transition';
        end if;
        return new;
    end if;
    if new.status <> old.status and not report_transition_allowed(old.status, new.status) then
        raise exception 'report status % may not follow %', new.status, old.status
            using errcode = 'check_violation', constraint = 'reports_status_transition';
    end if;
    if old.status not in ('concept', 'teruggestuurd')
       and (new.context, new.worked, new.not_worked, new.plans)
           is distinct from (old.context, old.worked, old.not_worked, old.plans) then
        raise exception 'the narrative of a report in status % is frozen', old.status
            using errcode = 'check_violation', constraint = 'reports_narrative_frozen';
    end if;
    return new;
end
$$;

create trigger reports_guard before insert or update on reports
    for each row execute function reports_guard();

-- Every status change: who, when, why (the remarks of a send-back, the reason of a reopening).
create table report_transitions (
    transition_id bigint generated always as identity primary key,
    report_id     bigint        not null references reports (report_id),
    from_status   report_status not null,
    to_status     report_status not null,
    reason        text          not null default '',
    changed_by    bigint        references users (user_id),
    changed_at    timestamptz   not null default now(),
    constraint report_transitions_allowed check (report_transition_allowed(from_status, to_status)),
    constraint report_transitions_reason check (
        (to_status <> 'teruggestuurd' and from_status <> 'goedgekeurd')
        or char_length(btrim(reason)) > 0),
    constraint report_transitions_reason_length check (char_length(reason) <= 5000)
);

create index report_transitions_report_idx on report_transitions (report_id, transition_id);

-- What was submitted, frozen: the assembled figures and the narrative as they were at that
-- moment, numbered 1, 2, ... per report. Later edits of actions do not change these.
create table report_submissions (
    submission_id bigint generated always as identity primary key,
    report_id     bigint      not null references reports (report_id),
    number        smallint    not null,
    snapshot      jsonb       not null,
    submitted_by  bigint      references users (user_id),
    submitted_at  timestamptz not null default now(),
    constraint report_submissions_number unique (report_id, number),
    constraint report_submissions_number_positive check (number >= 1)
);

-- The reviewer's checklist: one row per item of the fixed list (reports::review::ITEMS).
create type review_item_state as enum ('open', 'in_orde', 'opmerking');

create table report_review_items (
    report_id  bigint            not null references reports (report_id),
    item       text              not null,
    state      review_item_state not null default 'open',
    remark     text              not null default '',
    updated_by bigint            references users (user_id),
    updated_at timestamptz       not null default now(),
    primary key (report_id, item),
    constraint report_review_items_item check (item in (
        'prioriteiten', 'bereik', 'partners', 'overeenkomst', 'budget', 'toelichting')),
    constraint report_review_items_remark check (state <> 'opmerking' or char_length(btrim(remark)) > 0),
    constraint report_review_items_remark_length check (char_length(remark) <= 2000)
);

-- The message thread of a report. `side` is who wrote it as the thread sees it (the
-- werkingsgebied or the department), kept with the message so a later role change does not
-- rewrite the conversation. A message with `answer_by` waits for an answer from the other side.
create type report_side as enum ('werkingsgebied', 'departement');

create table report_messages (
    message_id bigint generated always as identity primary key,
    report_id  bigint      not null references reports (report_id),
    author_id  bigint      not null references users (user_id),
    side       report_side not null,
    body       text        not null,
    answer_by  date,
    created_at timestamptz not null default now(),
    constraint report_messages_body check (char_length(btrim(body)) between 1 and 5000),
    constraint report_messages_answer_by check (answer_by is null or answer_by between '2000-01-01' and '2100-12-31')
);

create index report_messages_report_idx on report_messages (report_id, message_id);

-- In-app notifications. Reminders carry a `dedupe_key` naming the deadline they are about, so
-- a reminder fires once per user and deadline however often (and on however many instances)
-- the reminder job runs.
create type notification_kind as enum (
    'report_submitted', 'report_in_review', 'report_sent_back', 'report_approved',
    'report_reopened', 'report_message', 'deadline_near', 'deadline_passed',
    'appointment_approved');

create table notifications (
    notification_id bigint generated always as identity primary key,
    user_id         bigint            not null references users (user_id),
    kind            notification_kind not null,
    title           text              not null,
    body            text              not null default '',
    -- A path on this site ("/jaarrapporten/12/2025").
    link            text              not null default '',
    dedupe_key      text,
    is_demo         boolean           not null default false,
    created_at      timestamptz       not null default now(),
    read_at         timestamptz,
    constraint notifications_once unique (user_id, dedupe_key),
    constraint notifications_title check (char_length(btrim(title)) between 1 and 300),
    constraint notifications_body check (char_length(body) <= 5000),
    constraint notifications_link check (link = '' or (link like '/%' and link not like '//%'))
);

create index notifications_user_idx on notifications (user_id, notification_id desc);
create index notifications_unread_idx on notifications (user_id) where read_at is null;

-- Which kinds a user does not want by e-mail. No row: e-mail on.
create table notification_preferences (
    user_id bigint            not null references users (user_id),
    kind    notification_kind not null,
    email   boolean           not null,
    primary key (user_id, kind)
);

-- E-mail to send, one row per notification that goes out by mail. A worker claims due rows
-- with `for update skip locked` (two instances never take the same row), sends over SMTP and
-- marks the row sent; a failure is recorded and retried later with back-off, up to a limit.
-- Without REGIE_SMTP_URL nothing is sent and admins read the rows as a mailbox.
create type mail_status as enum ('wachtend', 'verzonden', 'mislukt');

create table outbox (
    mail_id         bigint generated always as identity primary key,
    notification_id bigint      references notifications (notification_id),
    recipient       text        not null,
    subject         text        not null,
    body            text        not null,
    status          mail_status not null default 'wachtend',
    attempts        smallint    not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    is_demo         boolean     not null default false,
    created_at      timestamptz not null default now(),
    sent_at         timestamptz,
    constraint outbox_recipient check (char_length(recipient) between 3 and 254 and recipient like '%@%'),
    constraint outbox_subject check (char_length(btrim(subject)) between 1 and 300),
    constraint outbox_body check (char_length(body) <= 20000),
    constraint outbox_attempts check (attempts >= 0),
    constraint outbox_sent check (status <> 'verzonden' or sent_at is not null),
    constraint outbox_error_length check (char_length(last_error) <= 2000)
);

create index outbox_due_idx on outbox (next_attempt_at) where status = 'wachtend';
create index outbox_created_idx on outbox (mail_id desc);

-- Filters of the ministry dashboard a user saved under a name; the query string is the filter,
-- so a saved filter and a shared URL are the same thing.
create table saved_filters (
    filter_id  bigint generated always as identity primary key,
    user_id    bigint      not null references users (user_id),
    page       text        not null,
    name       text        not null,
    query      text        not null,
    created_at timestamptz not null default now(),
    constraint saved_filters_name_key unique (user_id, page, name),
    constraint saved_filters_page check (page in ('overzicht')),
    constraint saved_filters_name check (char_length(btrim(name)) between 1 and 100),
    constraint saved_filters_query check (char_length(query) <= 2000)
);

-- History is append-only by privilege; reports are never deleted.
revoke update, delete, truncate on report_transitions, report_submissions, report_messages
    from regie_app;
revoke delete, truncate on reports from regie_app;
