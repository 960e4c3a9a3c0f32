-- Issue #24, formal submissions that cannot go wrong unnoticed.
--
-- The completeness checks a submission is held against (reports::completeness) warn; the
-- department makes one required for a report year by a row here, and then a report of that
-- year with that gap cannot be submitted.
create table report_required_checks (
    year       smallint    not null,
    check_code text        not null,
    set_by     bigint      references users (user_id),
    set_at     timestamptz not null default now(),
    primary key (year, check_code),
    constraint report_required_checks_year check (year between 2000 and 2100),
    constraint report_required_checks_code check (
        check_code in ('toelichting', 'prioriteiten', 'acties', 'uitgaven'))
);

-- A message may answer a remark of the department: a checklist item's remark (its code) or
-- the remarks of a send-back ('terugsturen'). The report page marks such a remark answered.
alter table report_messages
    add column about text,
    add constraint report_messages_about check (about is null or about in (
        'prioriteiten', 'bereik', 'partners', 'overeenkomst', 'budget', 'toelichting',
        'terugsturen'));

-- Forms that must not act twice (payments, their corrections, spending reports, appointments,
-- users, a report's submission) carry a random key. The handler claims it, with a digest of
-- what the form asks, in the transaction of the change; the same form sent again (a double
-- click) waits for the first on this key, finds it claimed, and is sent where the first one
-- led, changing nothing. The same key with other content (a form sent, then changed after
-- going back) is another submission and acts. Rows older than two days are pruned as the user
-- claims a new one.
create table form_submissions (
    user_id        bigint      not null references users (user_id),
    key            uuid        not null,
    content_sha256 text        not null,
    location       text        not null default '',
    created_at     timestamptz not null default now(),
    primary key (user_id, key, content_sha256),
    constraint form_submissions_content check (content_sha256 ~ '^[0-9a-f]{64}$'),
    constraint form_submissions_location check (
        location = '' or (location like '/%' and location not like '//%'))
);

-- Requests record where a submission led, and nothing else changes.
revoke update, truncate on form_submissions from regie_app;
grant update (location) on form_submissions to regie_app;
