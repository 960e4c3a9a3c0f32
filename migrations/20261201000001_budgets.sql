-- Budgets: the programme's envelope per year with the history of every change, the allocation
-- rule as data (one version per span of years), unemployment rates per municipality, the fixed
-- allocations per werkingsgebied and year (versioned), payments and reported spending.
-- Money is whole cents in bigint everywhere; nothing here is floating point. No amount exceeds
-- one billion euro (10^11 cents): more is a typing error, and sums stay far from overflowing.

-- The programme's total for one year. `version` guards against two admins editing at once.
create table budget_envelopes (
    year         smallint    primary key,
    amount_cents bigint      not null,
    version      integer     not null default 1,
    updated_at   timestamptz not null default now(),
    constraint budget_envelopes_year check (year between 2000 and 2100),
    constraint budget_envelopes_amount check (amount_cents between 0 and 100000000000)
);

-- Every change of an envelope, append-only: the amount before and after, when it was decided,
-- why, and the sentence of the source. `stated_change_cents` is the change as the source words
-- it ("+750.000"): next to the real difference it shows where a source does not add up.
create table budget_envelope_changes (
    change_id           bigint generated always as identity primary key,
    year                smallint    not null references budget_envelopes (year),
    previous_cents      bigint,
    amount_cents        bigint      not null,
    stated_change_cents bigint,
    decided_on          date,
    reason              text        not null,
    source              text        not null default '',
    changed_by          bigint      references users (user_id),
    changed_at          timestamptz not null default now(),
    constraint budget_envelope_changes_amount check (amount_cents between 0 and 100000000000),
    constraint budget_envelope_changes_stated check (stated_change_cents between -100000000000 and 100000000000),
    constraint budget_envelope_changes_reason check (char_length(btrim(reason)) between 1 and 2000),
    constraint budget_envelope_changes_source check (char_length(source) <= 2000)
);

create index budget_envelope_changes_year_idx on budget_envelope_changes (year, change_id);

-- Where a population equal to a band's boundary falls: in the band below it ("tot en met") or
-- in the band that starts there. The published rule does not say; it is a setting.
create type band_boundary as enum ('lagere_schijf', 'hogere_schijf');

-- One version of the allocation rule. It applies from `first_year` to `last_year`; where two
-- versions cover a year, the one that starts later wins (a revision halfway a cycle), and of two
-- that start in the same year the later one (a correction). Versions are never edited: a change
-- is a new version, so fixed allocations keep the rule they used.
create table allocation_rules (
    rule_id                       bigint generated always as identity primary key,
    name                          text          not null,
    first_year                    smallint      not null,
    last_year                     smallint      not null,
    -- Which population year counts, and which year's unemployment rates rank.
    population_year               smallint      not null,
    unemployment_year             smallint      not null,
    boundary                      band_boundary not null,
    -- A werkingsgebied of several municipalities needs at least this many inhabitants.
    min_population_partnership    integer       not null,
    -- Without a centrumstad: at most this much.
    cap_without_centre_city_cents bigint        not null,
    -- With a centrumstad inside a partnership: at most this much more than the centrumstad
    -- would get alone.
    cap_centre_city_extra_cents   bigint        not null,
    source                        text          not null default '',
    note                          text          not null default '',
    created_by                    bigint        references users (user_id),
    created_at                    timestamptz   not null default now(),
    constraint allocation_rules_name_length check (char_length(btrim(name)) between 1 and 200),
    constraint allocation_rules_years check (first_year between 2000 and 2100 and last_year between first_year and 2100),
    constraint allocation_rules_population_year check (population_year between 1990 and 2100),
    constraint allocation_rules_unemployment_year check (unemployment_year between 1990 and 2100),
    constraint allocation_rules_minimum check (min_population_partnership >= 0),
    constraint allocation_rules_caps check (cap_without_centre_city_cents between 0 and 100000000000
                                            and cap_centre_city_extra_cents between 0 and 100000000000),
    constraint allocation_rules_source_length check (char_length(source) <= 2000 and char_length(note) <= 2000)
);

-- A band starts at `lower_bound` inhabitants and runs to the next band's lower bound.
create table allocation_rule_bands (
    rule_id      bigint  not null references allocation_rules (rule_id),
    lower_bound  integer not null,
    amount_cents bigint  not null,
    primary key (rule_id, lower_bound),
    constraint allocation_rule_bands_lower_bound check (lower_bound >= 0),
    constraint allocation_rule_bands_amount check (amount_cents between 0 and 100000000000)
);

-- The rule of the 2020-2025 call, as the department's page "Subsidie voor regierol lokale
-- sociale economie" gives it (see DOMAIN.md). The page names no population year and no side for
-- boundary values: 2020 is the only official year the reference data holds, and "tot 80.000"
-- reads as "up to and including", so a boundary value falls in the lower band. Both are shown
-- next to every amount and an admin can set them otherwise in a new version.
insert into allocation_rules (name, first_year, last_year, population_year, unemployment_year,
                              boundary, min_population_partnership, cap_without_centre_city_cents,
                              cap_centre_city_extra_cents, source, note)
values ('Oproep 2020-2025', 2020, 2025, 2020, 2020, 'lagere_schijf', 60000, 5000000, 5000000,
        'Departement Werk en Sociale Economie, "Subsidie voor regierol lokale sociale economie" (socialeeconomie.be)',
        'Bevolkingsjaar en grenswaarden staan niet in de bron; hier ingesteld op 2020 (enige officiële jaar in de referentiegegevens) en "tot en met".');

insert into allocation_rule_bands (rule_id, lower_bound, amount_cents)
select rule_id, band.lower_bound, band.amount_cents
from allocation_rules,
     (values (0, 2500000), (80000, 5000000), (150000, 7500000), (220000, 10000000),
             (290000, 12500000), (360000, 15000000), (430000, 17500000), (500000, 20000000))
         as band (lower_bound, amount_cents)
where first_year = 2020;

-- Unemployment rate (werkloosheidsgraad) of a municipality in a year, in hundredths of a
-- percent (735 = 7,35%), with its source. Entered by admins; a missing rate stays missing.
create table unemployment_rates (
    vintage    text        not null,
    nis_code   text        not null,
    year       smallint    not null,
    rate_bp    integer     not null,
    source     text        not null,
    entered_by bigint      references users (user_id),
    entered_at timestamptz not null default now(),
    primary key (vintage, nis_code, year),
    foreign key (vintage, nis_code) references municipalities (vintage, nis_code),
    constraint unemployment_rates_year check (year between 1990 and 2100),
    constraint unemployment_rates_rate check (rate_bp between 0 and 10000),
    constraint unemployment_rates_source check (char_length(btrim(source)) between 1 and 500)
);

-- The budget rows of a werkingsgebied belong to a year of its policy period.
create function budget_year_in_period() returns trigger
language plpgsql as $$
begin
    if not exists (
        select 1 from partnerships p
        join policy_periods pp using (policy_period_id)
        where p.partnership_id = new.partnership_id
          and new.year between extract(year from pp.starts_on) and extract(year from pp.ends_on)
    ) then
        raise exception 'year % is outside the policy period of werkingsgebied %', new.year, new.partnership_id
            using errcode = 'check_violation', constraint = 'budget_year_in_period';
    end if;
    return new;
end
$$;

-- The allocation (toekenning) of a werkingsgebied for a year. A revision is a new version; the
-- one in force has no `superseded_at`. `computed_cents` is what the rule gave at the time (null
-- when it could not compute); an amount other than that needs a motivation.
create table allocations (
    allocation_id  bigint generated always as identity primary key,
    partnership_id bigint      not null references partnerships (partnership_id),
    year           smallint    not null references budget_envelopes (year),
    version        integer     not null,
    amount_cents   bigint      not null,
    computed_cents bigint,
    motivation     text        not null default '',
    rule_id        bigint      references allocation_rules (rule_id),
    decided_by     bigint      references users (user_id),
    decided_at     timestamptz not null default now(),
    superseded_at  timestamptz,
    is_demo        boolean     not null default false,
    constraint allocations_version_key unique (partnership_id, year, version),
    constraint allocations_amount check (amount_cents between 0 and 100000000000),
    constraint allocations_override_motivated
        check ((computed_cents is not null and amount_cents = computed_cents)
               or char_length(btrim(motivation)) > 0),
    constraint allocations_motivation_length check (char_length(motivation) <= 2000)
);

create unique index allocations_current_key on allocations (partnership_id, year)
    where superseded_at is null;
create index allocations_year_idx on allocations (year) where superseded_at is null;

create trigger allocations_year_in_period before insert on allocations
    for each row execute function budget_year_in_period();

-- The sum of a year's allocations in force never exceeds that year's envelope. Every writer
-- locks the envelope row first, in a BEFORE trigger: before the foreign key's check takes its
-- share lock on that row, which two writers would both hold while each waited for the other's
-- (a deadlock). Two admins saving at the same moment are so checked one after the other: the
-- AFTER trigger reads the sum with a fresh snapshot (each statement in a PL/pgSQL function takes
-- one under read committed) and sees what the first committed.
create function allocations_lock_envelope() returns trigger
language plpgsql as $$
begin
    perform 1 from budget_envelopes where year = new.year for update;
    return new;
end
$$;

create trigger allocations_lock_envelope before insert or update on allocations
    for each row execute function allocations_lock_envelope();

create function allocations_within_envelope() returns trigger
language plpgsql as $$
declare
    envelope  bigint;
    allocated bigint;
begin
    select amount_cents into envelope from budget_envelopes where year = new.year;
    select coalesce(sum(amount_cents), 0) into allocated
    from allocations where year = new.year and superseded_at is null;
    if allocated > envelope then
        raise exception 'allocations of % (% cents) exceed the envelope (% cents)', new.year, allocated, envelope
            using errcode = 'check_violation', constraint = 'allocations_within_envelope';
    end if;
    return null;
end
$$;

create trigger allocations_within_envelope after insert or update on allocations
    for each row execute function allocations_within_envelope();

-- Lowering an envelope below what is already allocated is refused the same way. The UPDATE
-- holds the row lock the allocation trigger waits for.
create function envelope_covers_allocations() returns trigger
language plpgsql as $$
declare
    allocated bigint;
begin
    select coalesce(sum(amount_cents), 0) into allocated
    from allocations where year = new.year and superseded_at is null;
    if allocated > new.amount_cents then
        raise exception 'envelope of % (% cents) is below its allocations (% cents)', new.year, new.amount_cents, allocated
            using errcode = 'check_violation', constraint = 'allocations_within_envelope';
    end if;
    return null;
end
$$;

create trigger envelope_covers_allocations after update of amount_cents on budget_envelopes
    for each row execute function envelope_covers_allocations();

-- Money paid to (or recovered from) a werkingsgebied's lead organisation.
create type payment_kind as enum ('voorschot', 'saldo', 'terugvordering');

create table payments (
    payment_id     bigint generated always as identity primary key,
    partnership_id bigint       not null references partnerships (partnership_id),
    year           smallint     not null,
    kind           payment_kind not null,
    paid_on        date         not null,
    -- Always positive; a recovery (terugvordering) counts against what was paid.
    amount_cents   bigint       not null,
    note           text         not null default '',
    recorded_by    bigint       references users (user_id),
    recorded_at    timestamptz  not null default now(),
    is_demo        boolean      not null default false,
    constraint payments_year check (year between 2000 and 2100),
    constraint payments_amount check (amount_cents between 1 and 100000000000),
    constraint payments_paid_on check (paid_on between '2000-01-01' and '2100-12-31'),
    constraint payments_note_length check (char_length(note) <= 2000)
);

create index payments_partnership_idx on payments (partnership_id, year);

create trigger payments_year_in_period before insert or update on payments
    for each row execute function budget_year_in_period();

-- What a werkingsgebied reports it spent in a year, by kind. One report per year, corrected in
-- place (the audit trail keeps every version).
create table spending_reports (
    partnership_id  bigint      not null references partnerships (partnership_id),
    year            smallint    not null,
    staff_cents     bigint      not null,
    operating_cents bigint      not null,
    actions_cents   bigint      not null,
    note            text        not null default '',
    version         integer     not null default 1,
    reported_by     bigint      references users (user_id),
    reported_at     timestamptz not null default now(),
    is_demo         boolean     not null default false,
    primary key (partnership_id, year),
    constraint spending_reports_amounts check (staff_cents between 0 and 100000000000 and operating_cents between 0 and 100000000000
                                               and actions_cents between 0 and 100000000000),
    constraint spending_reports_note_length check (char_length(note) <= 2000)
);

create trigger spending_reports_year_in_period before insert or update on spending_reports
    for each row execute function budget_year_in_period();

-- Requests: history append-only; rules are added, never changed; allocations are superseded,
-- never deleted; payments are corrected by a recovery, never edited.
revoke update, delete, truncate on budget_envelope_changes, allocation_rules, allocation_rule_bands
    from regie_app;
revoke delete, truncate on allocations, budget_envelopes from regie_app;
revoke update, delete, truncate on payments from regie_app;
