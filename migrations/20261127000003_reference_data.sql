-- Reference data: the Flemish municipalities per vintage of the NIS code list, their population
-- per year and the 2025 mergers. Loaded from seeds/ at start-up, never typed in.

-- A vintage is one valid list of municipalities: 2019-2024 (300) and from 2025 (285).
create table municipality_vintages (
    vintage    text primary key,
    label      text not null,
    valid_from date not null,
    valid_to   date,
    constraint municipality_vintages_dates check (valid_to is null or valid_to > valid_from)
);

create table municipalities (
    vintage            text not null references municipality_vintages (vintage),
    nis_code           text not null,
    name_nl            text not null,
    province           text not null,
    province_nis       text not null,
    arrondissement     text not null,
    arrondissement_nis text not null,
    -- GeoJSON geometry (WGS84, simplified) for the maps.
    boundary           jsonb,
    primary key (vintage, nis_code),
    constraint municipalities_nis_code_format check (nis_code ~ '^[0-9]{5}$')
);

create index municipalities_nis_code_idx on municipalities (nis_code);

-- Population on 1 January of `year`, with where the figure comes from.
create table municipality_populations (
    vintage    text     not null,
    nis_code   text     not null,
    year       smallint not null,
    population integer  not null,
    source     text     not null,
    note       text,
    primary key (vintage, nis_code, year),
    foreign key (vintage, nis_code) references municipalities (vintage, nis_code),
    constraint municipality_populations_positive check (population >= 0)
);

-- Which municipality of one vintage became which of the next (mergers of 1 January 2025).
create table municipality_mergers (
    from_vintage  text not null,
    from_nis_code text not null,
    to_vintage    text not null,
    to_nis_code   text not null,
    primary key (from_vintage, from_nis_code),
    foreign key (from_vintage, from_nis_code) references municipalities (vintage, nis_code),
    foreign key (to_vintage, to_nis_code) references municipalities (vintage, nis_code)
);

create index municipality_mergers_to_idx on municipality_mergers (to_vintage, to_nis_code);

-- Which seed files were loaded, so that a start with unchanged seeds writes nothing.
create table seed_runs (
    name           text primary key,
    content_sha256 text        not null,
    loaded_at      timestamptz not null default now()
);
