//! Demo actions (a few hundred, marked demo) and synthetic volume for benchmarks (marked
//! synthetic). Both are generated in SQL from a small set of realistic templates based on the
//! kinds of actions the press release names.

use anyhow::Context;
use sqlx::PgConnection;

/// (title, description, kind, priorities, target groups, partner kind, partner name)
pub const TEMPLATES: [(&str, &str, &str, &str, &str, &str, &str); 16] = [
    (
        "Opleiding netwerken en samenwerken",
        "Vorming voor lokale partners over netwerken, samenwerken en elkaars aanbod kennen.",
        "opleiding",
        "{1,4}",
        "{trajectbegeleiders}",
        "vdab",
        "VDAB",
    ),
    (
        "Lerend netwerk trajectbegeleiders",
        "Drie keer per jaar wisselen trajectbegeleiders van OCMW, VDAB en maatwerkbedrijven ervaringen uit.",
        "lerend_netwerk",
        "{2,4}",
        "{trajectbegeleiders}",
        "ocmw",
        "OCMW",
    ),
    (
        "Vorming duurzaam ondernemen",
        "Vorming voor lokale ondernemers over duurzaam en maatschappelijk verantwoord ondernemen.",
        "vorming",
        "{3}",
        "{werkgevers}",
        "werkgever",
        "Ondernemersvereniging",
    ),
    (
        "Taal op de werkvloer in kaart",
        "Expertise over taalleren op de werkvloer in kaart brengen en delen met werkgevers en scholen.",
        "omgevingsanalyse",
        "{1,2}",
        "{anderstaligen,werkgevers}",
        "onderwijs",
        "Centrum voor Volwassenenonderwijs",
    ),
    (
        "Competenties doelgroepmedewerkers versterken",
        "Begeleiding van doelgroepmedewerkers in de sociale economie om competenties te verwerven en door te stromen.",
        "begeleiding",
        "{2}",
        "{doelgroepmedewerkers_se}",
        "sociale_economie",
        "Maatwerkbedrijf",
    ),
    (
        "Fietslessen voor werkzoekenden",
        "Fietslessen zodat werkzoekenden zelfstandig naar hun werk of opleiding kunnen.",
        "opleiding",
        "{2}",
        "{werkzoekenden,anderstaligen}",
        "vereniging",
        "Fietsersbond",
    ),
    (
        "Attitude- en sollicitatietraining voor jongeren",
        "Training rond attitude, motivatie en solliciteren voor kortgeschoolde jongeren.",
        "opleiding",
        "{2}",
        "{kortgeschoolde_jongeren}",
        "vdab",
        "VDAB",
    ),
    (
        "Activering van leefloongerechtigden",
        "Samen met het OCMW leefloongerechtigden naar werk of opleiding toeleiden.",
        "begeleiding",
        "{2,4}",
        "{leefloongerechtigden}",
        "ocmw",
        "OCMW",
    ),
    (
        "Netwerkmoment sociale economie en werkgevers",
        "Ontmoeting tussen sociale-economieondernemingen en reguliere werkgevers rond inclusief ondernemen.",
        "netwerkmoment",
        "{3,4}",
        "{werkgevers}",
        "sociale_economie",
        "Sociale onderneming",
    ),
    (
        "Omgevingsanalyse lokale arbeidsmarkt",
        "Analyse van vraag en aanbod op de lokale arbeidsmarkt als basis voor de beleidsvisie.",
        "omgevingsanalyse",
        "{1}",
        "{}",
        "vdab",
        "VDAB",
    ),
    (
        "Overleg lokale samenwerkingsovereenkomst VDAB",
        "Opvolging van de lokale samenwerkingsovereenkomst met VDAB en de gemeenten.",
        "overleg",
        "{1,4}",
        "{}",
        "vdab",
        "VDAB",
    ),
    (
        "Sensibilisering inclusieve werkplekken",
        "Campagne bij werkgevers over inclusieve werkplekken en aangepast werk.",
        "sensibilisering",
        "{3}",
        "{werkgevers,arbeidsbeperking}",
        "werkgever",
        "Lokale werkgevers",
    ),
    (
        "Jobbeurs voor niet-beroepsactieven",
        "Jobbeurs met begeleiding op maat voor niet-beroepsactieve inwoners.",
        "netwerkmoment",
        "{2}",
        "{niet_beroepsactieven}",
        "vdab",
        "VDAB",
    ),
    (
        "Lerend netwerk MVO",
        "Ondernemers delen praktijken rond maatschappelijk verantwoord ondernemen.",
        "lerend_netwerk",
        "{3}",
        "{werkgevers}",
        "werkgever",
        "Ondernemersclub",
    ),
    (
        "Regieoverleg met lokale actoren",
        "Periodiek overleg met OCMW, VDAB, sociale economie en onderwijs over de lokale regie.",
        "overleg",
        "{1}",
        "{}",
        "ocmw",
        "OCMW",
    ),
    (
        "Werkplekleren in de sociale economie",
        "Werkplekleren voor personen met een arbeidsbeperking in samenwerking met maatwerkbedrijven.",
        "begeleiding",
        "{2,3}",
        "{arbeidsbeperking}",
        "sociale_economie",
        "Maatwerkbedrijf",
    ),
];

/// Inserts `per_year` actions per werkingsgebied (of `partnerships`) and year from `first_year`
/// to `last_year`, marked with `origin`, each with one partner, its participants and a
/// "created" history entry. Everything happens in SQL: 195,000 rows take seconds, not minutes.
pub async fn generate(
    conn: &mut PgConnection,
    partnerships: &[i64],
    first_year: i32,
    last_year: i32,
    per_year: i32,
    origin: &str,
) -> anyhow::Result<u64> {
    let titles: Vec<&str> = TEMPLATES.iter().map(|t| t.0).collect();
    let descriptions: Vec<&str> = TEMPLATES.iter().map(|t| t.1).collect();
    let kinds: Vec<&str> = TEMPLATES.iter().map(|t| t.2).collect();
    let priorities: Vec<&str> = TEMPLATES.iter().map(|t| t.3).collect();
    let groups: Vec<&str> = TEMPLATES.iter().map(|t| t.4).collect();
    let partner_kinds: Vec<&str> = TEMPLATES.iter().map(|t| t.5).collect();
    let partner_names: Vec<&str> = TEMPLATES.iter().map(|t| t.6).collect();
    let inserted = sqlx::query!(
        r#"with params as (
               select $1::bigint[] as partnerships, $6::text[] as titles, $7::text[] as descriptions,
                      $8::text[] as kinds, $9::text[] as priorities, $10::text[] as groups
           ), slots as (
               select p.partnership_id, y.year, n.n,
                      -- A stable pseudo-random template per slot.
                      1 + (abs(hashint8(p.partnership_id * 100003 + y.year * 101 + n.n)) % cardinality(params.titles)) as t,
                      abs(hashint8(p.partnership_id + y.year * 7 + n.n * 13)) % 360 as day
               from params
               cross join lateral unnest(params.partnerships) as p(partnership_id)
               cross join generate_series($2::int, $3::int) as y(year)
               cross join generate_series(1, $4::int) as n(n)
           )
           insert into actions (partnership_id, title, description, priorities, kind, target_groups,
                                starts_on, ends_on, status, cost_cents, results, origin, created_at, updated_at)
           select s.partnership_id,
                  params.titles[s.t] || case when s.n > cardinality(params.titles) then ' ' || s.n else '' end,
                  params.descriptions[s.t],
                  params.priorities[s.t]::smallint[],
                  params.kinds[s.t]::action_kind,
                  params.groups[s.t]::text[],
                  make_date(s.year, 1, 1) + s.day::int,
                  -- Within the year, so within the policy period (actions_dates_in_period).
                  least(make_date(s.year, 1, 1) + s.day::int + 30, make_date(s.year, 12, 31)),
                  case when make_date(s.year, 1, 1) + s.day::int + 30 < current_date then 'afgerond'
                       when make_date(s.year, 1, 1) + s.day::int < current_date then 'lopend'
                       else 'gepland' end::action_status,
                  (50 + s.day * 10) * 100,
                  case when make_date(s.year, 1, 1) + s.day::int + 30 < current_date
                       then 'Uitgevoerd zoals gepland; opvolging in het regieoverleg.' else '' end,
                  $5::data_origin, now(), now()
           from slots s, params
           returning action_id"#,
        partnerships,
        first_year,
        last_year,
        per_year,
        origin as _,
        &titles as &[&str],
        &descriptions as &[&str],
        &kinds as &[&str],
        &priorities as &[&str],
        &groups as &[&str],
    )
    .fetch_all(&mut *conn)
    .await
    .context("generating actions")?;
    let ids: Vec<i64> = inserted.into_iter().map(|r| r.action_id).collect();

    sqlx::query!(
        r#"insert into action_partners (action_id, position, kind, name)
           select a.action_id, 0, ($2::text[])[t.i]::partner_kind, ($3::text[])[t.i]
           from actions a
           cross join lateral (select array_position($4::text[], regexp_replace(a.title, ' [0-9]+$', '')) as i) t
           where a.action_id = any($1) and t.i is not null"#,
        &ids,
        &partner_kinds as &[&str],
        &partner_names as &[&str],
        &titles as &[&str],
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into action_participants (action_id, target_group, planned, reached)
           select a.action_id, g.tg, 10 + a.action_id % 20,
                  case when a.status = 'afgerond' then 5 + a.action_id % 18 else 0 end
           from actions a cross join lateral unnest(a.target_groups) as g(tg)
           where a.action_id = any($1)"#,
        &ids
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into action_changes (action_id, changed_at, change)
           select action_id, created_at, 'created' from actions where action_id = any($1)"#,
        &ids
    )
    .execute(&mut *conn)
    .await?;
    Ok(ids.len() as u64)
}

/// Benchmark volume: `per_year` synthetic actions per werkingsgebied and year, for each of the
/// `years` years up to 2025, in the werkingsgebieden of the policy period that holds the year
/// (an action's dates lie within its period: a year no period holds gets none), plus a
/// regisseur and a ministry account for the benchmark to sign in with. Loads the demo
/// werkingsgebieden first when the database has none.
pub async fn synthetic(
    db: &sqlx::PgPool,
    per_year: i32,
    years: i32,
    password: &str,
) -> anyhow::Result<u64> {
    super::load(db).await?;
    let mut tx = db.begin().await?;
    // One statement per year: one statement for all years (195,000 rows) ran into the 10 s
    // statement timeout on a busy machine.
    let mut count = 0;
    for year in 2026 - years..=2025 {
        let partnerships: Vec<i64> = sqlx::query_scalar!(
            r#"select p.partnership_id from partnerships p
               join policy_periods pp using (policy_period_id)
               where $1 between extract(year from pp.starts_on)::int
                            and extract(year from pp.ends_on)::int
               order by p.partnership_id"#,
            year
        )
        .fetch_all(&mut *tx)
        .await?;
        if partnerships.is_empty() {
            eprintln!("{year}: no policy period holds this year; no synthetic actions");
            continue;
        }
        count += generate(&mut tx, &partnerships, year, year, per_year, "synthetic").await?;
        eprintln!("{year}: {count} synthetic actions so far");
    }
    anyhow::ensure!(count > 0, "no policy period holds any of those years");

    let hash = crate::identity::hashing::hash_now(password)?;
    for (email, name, role) in [
        (
            "bench.regisseur@synthetic.invalid",
            "Benchmark Regisseur",
            crate::identity::Role::Regisseur,
        ),
        (
            "bench.ministry@synthetic.invalid",
            "Benchmark Departement",
            crate::identity::Role::Ministry,
        ),
    ] {
        sqlx::query!(
            r#"insert into users (email, full_name, role, password_hash, must_change_password)
               values ($1, $2, $3, $4, false)
               on conflict (lower(email)) do update set password_hash = excluded.password_hash"#,
            email,
            name,
            role as crate::identity::Role,
            hash
        )
        .execute(&mut *tx)
        .await?;
    }
    // The benchmark's regisseur writes for the first werkingsgebied of 2023-2025.
    sqlx::query!(
        r#"insert into appointments (partnership_id, person_name, person_email, fte, starts_on,
                                     ends_on, status, user_id, is_demo, request_note)
           select (select min(p.partnership_id) from partnerships p
                   join policy_periods pp using (policy_period_id) where pp.name = '2023-2025'),
                  'Benchmark Regisseur', u.email, 1, current_date - 1, current_date + 365,
                  'goedgekeurd', u.user_id, true, 'synthetisch, voor de benchmark'
           from users u where u.email = 'bench.regisseur@synthetic.invalid'"#
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // A database in use is vacuumed and analysed; without this the first minutes after a bulk
    // load measure autovacuum rather than the application.
    sqlx::query("vacuum analyze").execute(db).await?;
    Ok(count)
}
