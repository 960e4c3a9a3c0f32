-- Actions (acties): what regisseurs organise, linked to the Flemish priorities WSE-LR1..LR4.

create type action_kind as enum (
    'opleiding', 'lerend_netwerk', 'netwerkmoment', 'vorming', 'begeleiding',
    'sensibilisering', 'omgevingsanalyse', 'overleg', 'ander'
);

create type action_status as enum ('gepland', 'lopend', 'afgerond', 'geannuleerd');

create type partner_kind as enum (
    'vdab', 'ocmw', 'sociale_economie', 'werkgever', 'onderwijs', 'vereniging', 'ander'
);

-- Where a record comes from: entered by people, demo data for trying regie out, or synthetic
-- volume for benchmarks. Demo and synthetic records are labelled wherever they are shown.
create type data_origin as enum ('real', 'demo', 'synthetic');

create table actions (
    action_id       bigint generated always as identity primary key,
    partnership_id  bigint        not null references partnerships (partnership_id),
    title           text          not null,
    description     text          not null default '',
    -- Priority numbers 1..4 for WSE-LR1..WSE-LR4; at least one.
    priorities      smallint[]    not null,
    kind            action_kind   not null,
    target_groups   text[]        not null default '{}',
    starts_on       date          not null,
    ends_on         date,
    status          action_status not null default 'gepland',
    cost_cents      bigint,
    results         text          not null default '',
    copied_from     bigint references actions (action_id),
    origin          data_origin   not null default 'real',
    -- Optimistic locking: an edit names the version it started from.
    version         integer       not null default 1,
    -- A double-clicked submit sends the same key twice: the second insert is refused.
    idempotency_key uuid,
    created_by      bigint references users (user_id),
    created_at      timestamptz   not null default now(),
    updated_by      bigint references users (user_id),
    updated_at      timestamptz   not null default now(),
    deleted_by      bigint references users (user_id),
    deleted_at      timestamptz,
    search          tsvector generated always as (
        setweight(to_tsvector('dutch', title), 'A') ||
        setweight(to_tsvector('dutch', description), 'B') ||
        setweight(to_tsvector('dutch', results), 'C')
    ) stored,
    constraint actions_title_length check (char_length(btrim(title)) between 1 and 200),
    constraint actions_description_length check (char_length(description) <= 10000),
    constraint actions_results_length check (char_length(results) <= 10000),
    constraint actions_priorities_valid
        check (cardinality(priorities) between 1 and 4 and priorities <@ '{1,2,3,4}'::smallint[]),
    constraint actions_target_groups_valid check (target_groups <@ array[
        'leefloongerechtigden', 'niet_beroepsactieven', 'werkzoekenden', 'kortgeschoolde_jongeren',
        'anderstaligen', 'arbeidsbeperking', 'doelgroepmedewerkers_se', 'werkgevers',
        'trajectbegeleiders', 'ander']::text[]),
    constraint actions_dates check (ends_on is null or ends_on >= starts_on),
    constraint actions_cost_positive check (cost_cents is null or cost_cents >= 0),
    constraint actions_idempotency_key unique (created_by, idempotency_key)
);

create index actions_search_idx on actions using gin (search);
create index actions_partnership_idx on actions (partnership_id, starts_on desc, action_id desc)
    where deleted_at is null;
create index actions_list_idx on actions (starts_on desc, action_id desc) where deleted_at is null;
create index actions_priorities_idx on actions using gin (priorities);

create table action_partners (
    action_id bigint       not null references actions (action_id) on delete cascade,
    position  smallint     not null,
    kind      partner_kind not null,
    name      text         not null,
    primary key (action_id, position),
    constraint action_partners_name_length check (char_length(btrim(name)) between 1 and 200)
);

create table action_municipalities (
    action_id bigint not null references actions (action_id) on delete cascade,
    nis_code  text   not null,
    primary key (action_id, nis_code)
);

-- Participants planned and reached per target group: counts only, never personal data.
create table action_participants (
    action_id    bigint  not null references actions (action_id) on delete cascade,
    target_group text    not null,
    planned      integer not null default 0,
    reached      integer not null default 0,
    primary key (action_id, target_group),
    constraint action_participants_counts check (planned >= 0 and reached >= 0)
);

-- Every change to an action: who, when, which fields from what to what.
create table action_changes (
    action_change_id bigint generated always as identity primary key,
    action_id        bigint      not null references actions (action_id),
    changed_by       bigint references users (user_id),
    changed_at       timestamptz not null default now(),
    change           text        not null,
    fields           jsonb       not null default '{}'::jsonb,
    constraint action_changes_change check (change in ('created', 'updated', 'deleted', 'restored', 'copied'))
);

create index action_changes_action_idx on action_changes (action_id, action_change_id);

-- The filters of the action list, the search and the exports, in one place. A plain SQL
-- function is inlined by the planner, so the indexes on actions are still used.
create function filtered_actions(
    p_period        bigint,
    p_year          integer,
    p_priority      smallint,
    p_kind          action_kind,
    p_target_group  text,
    p_status        action_status,
    p_province      text,
    p_partnership   bigint,
    p_query         text
) returns setof actions
language sql stable as $$
    select a.*
    from actions a
    join partnerships p on p.partnership_id = a.partnership_id
    where a.deleted_at is null
      and (p_period is null or p.policy_period_id = p_period)
      and (p_year is null or (a.starts_on <= make_date(p_year, 12, 31)
                              and coalesce(a.ends_on, a.starts_on) >= make_date(p_year, 1, 1)))
      and (p_priority is null or p_priority = any (a.priorities))
      and (p_kind is null or a.kind = p_kind)
      and (p_target_group is null or p_target_group = any (a.target_groups))
      and (p_status is null or a.status = p_status)
      and (p_province is null or exists (
              select 1 from partnership_members pm
              join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
              where pm.partnership_id = a.partnership_id and mu.province = p_province))
      and (p_partnership is null or a.partnership_id = p_partnership)
      and (p_query = '' or a.search @@ websearch_to_tsquery('dutch', p_query))
$$;
