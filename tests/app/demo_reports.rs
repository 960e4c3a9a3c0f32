//! The demo makes sense today: a current policy period 2026-2031 with demo werkingsgebieden
//! carried over through the 2025 mergers and their regisseurs (three places vacant), and
//! yearly reports of the 2023-2025 demo werkingsgebieden in a realistic spread of states with
//! a consistent history. Loaded once; a demo loaded before gets the new parts once.

use regie::identity::Role;

use crate::helpers::TestApp;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Row counts of everything the new demo parts write.
const TABLES: [&str; 12] = [
    "select count(*) from policy_periods",
    "select count(*) from partnerships",
    "select count(*) from partnership_members",
    "select count(*) from appointments",
    "select count(*) from actions",
    "select count(*) from reports",
    "select count(*) from report_transitions",
    "select count(*) from report_submissions",
    "select count(*) from report_review_items",
    "select count(*) from report_messages",
    "select count(*) from report_deadlines",
    "select count(*) from partnership_reviewers",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in TABLES {
        out.push(count(app, sql).await);
    }
    out
}

const CURRENT: &str =
    "(select policy_period_id from policy_periods where name = '2026-2031 (demo)')";

#[tokio::test]
async fn a_newcomer_today_sees_a_living_current_period() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());

    let (vintage, population_year, starts, ends): (String, i16, chrono::NaiveDate, chrono::NaiveDate) =
        sqlx::query_as(
            "select vintage, population_year, starts_on, ends_on from policy_periods where name = '2026-2031 (demo)'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(vintage, "2025");
    assert_eq!(
        population_year, 2020,
        "the year the 2025 list has figures for"
    );
    assert_eq!(starts.to_string(), "2026-01-01");
    assert_eq!(ends.to_string(), "2031-12-31");

    let areas = format!("select count(*) from partnerships where policy_period_id = {CURRENT}");
    assert_eq!(count(&app, &areas).await, 39);
    assert_eq!(
        count(&app, &format!("{areas} and is_demo and carried_over_from in (select p.partnership_id from partnerships p join policy_periods pp using (policy_period_id) where pp.name = '2023-2025')")).await,
        39,
        "all demo, all carried over from 2023-2025"
    );
    // On the 2025 list, one werkingsgebied per municipality.
    assert_eq!(
        count(&app, &format!("select count(*) - count(distinct nis_code) from partnership_members where policy_period_id = {CURRENT}")).await,
        0
    );
    assert_eq!(
        count(&app, &format!("select count(*) from partnership_members where policy_period_id = {CURRENT} and vintage <> '2025'")).await,
        0
    );
    // A merged municipality went to the werkingsgebied that held most of its parts.
    assert_eq!(
        count(
            &app,
            &format!(
                "with parts as (
                     select mm.to_nis_code, m.partnership_id as old, count(*) as n
                     from municipality_mergers mm
                     join partnership_members m on m.vintage = mm.from_vintage and m.nis_code = mm.from_nis_code
                     where m.policy_period_id = (select policy_period_id from policy_periods where name = '2023-2025')
                     group by 1, 2)
                 select count(*) from parts x
                 join partnership_members nm on nm.nis_code = x.to_nis_code and nm.policy_period_id = {CURRENT}
                 join partnerships np on np.partnership_id = nm.partnership_id
                 where x.old <> np.carried_over_from
                   and x.n > coalesce((select y.n from parts y where y.to_nis_code = x.to_nis_code and y.old = np.carried_over_from), 0)"
            )
        )
        .await,
        0
    );
    // A current regisseur in all but three.
    let with_regisseur = format!(
        "select count(distinct c.partnership_id) from current_appointments c join partnerships p using (partnership_id) where p.policy_period_id = {CURRENT} and c.is_demo and c.starts_on = '2026-01-01'"
    );
    assert_eq!(count(&app, &with_regisseur).await, 36);
    assert_eq!(
        count(&app, &format!("select count(*) from appointments a join partnerships p using (partnership_id) where p.policy_period_id = {CURRENT} and a.status = 'beeindigd'")).await,
        1,
        "one regisseur left"
    );
    assert_eq!(
        count(&app, &format!("select count(*) from appointments a join partnerships p using (partnership_id) where p.policy_period_id = {CURRENT} and a.status = 'aangevraagd'")).await,
        1,
        "one request waits for a decision"
    );
    assert!(
        count(&app, &format!("select count(*) from actions a join partnerships p using (partnership_id) where p.policy_period_id = {CURRENT} and a.origin = 'demo' and extract(year from a.starts_on) = 2026")).await
            > 0
    );

    // The published 2023-2025 aggregates are untouched.
    assert_eq!(
        count(&app, "select count(*) from partnerships p join policy_periods pp using (policy_period_id) where pp.name = '2023-2025'").await,
        39
    );
    assert_eq!(
        count(&app, "select count(distinct m.nis_code) from partnership_members m join policy_periods pp using (policy_period_id) where pp.name = '2023-2025'").await,
        261
    );

    // Ministry staff land on today's period.
    app.sign_in_as(Role::Ministry).await;
    let page = app.get("/dekking").await;
    page.assert_contains("Dekkingsgraad 2026-2031 (demo)");
    page.assert_contains("Demogegevens.");
    page.assert_contains(r#"<p class="figure" id="werkingsgebieden">39</p>"#);
}

#[tokio::test]
async fn the_demo_reports_tell_a_realistic_spread_with_a_consistent_history_once() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());

    let per_status = |year: i16| {
        let db = app.db.clone();
        async move {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "select status::text, count(*) from reports where year = $1 and is_demo group by 1 order by 1",
            )
            .bind(year)
            .fetch_all(&db)
            .await
            .unwrap();
            rows
        }
    };
    let expect = |list: &[(&str, i64)]| -> Vec<(String, i64)> {
        list.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    };
    assert_eq!(per_status(2023).await, expect(&[("goedgekeurd", 39)]));
    assert_eq!(
        per_status(2024).await,
        expect(&[("goedgekeurd", 38), ("in_behandeling", 1)]),
        "one approved report was reopened"
    );
    // 2025: seven not started (late: due 31 March 2026), the rest along the way.
    assert_eq!(
        per_status(2025).await,
        expect(&[
            ("concept", 6),
            ("goedgekeurd", 8),
            ("in_behandeling", 7),
            ("ingediend", 7),
            ("teruggestuurd", 4),
        ])
    );
    assert_eq!(
        count(&app, "select count(*) from reports where not is_demo").await,
        0
    );

    // Every report handed in at least once has its submissions, one per step to ingediend,
    // each with a demo narrative.
    assert_eq!(
        count(&app, "select count(*) from reports r where status <> 'concept' and not exists (select 1 from report_submissions s where s.report_id = r.report_id)").await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from reports r where (select count(*) from report_submissions s where s.report_id = r.report_id) <> (select count(*) from report_transitions t where t.report_id = r.report_id and t.to_status = 'ingediend')").await,
        0
    );
    assert!(
        count(
            &app,
            "select count(*) from report_submissions where number = 2"
        )
        .await
            >= 5
    );
    assert_eq!(
        count(&app, "select count(*) from report_submissions where snapshot->'narrative'->>'context' not like 'Demotekst:%' or snapshot->>'assembled_at' is null").await,
        0
    );
    // The history runs from concept along allowed steps and ends where the report is.
    assert_eq!(
        count(&app, "select count(*) from reports r where r.status is distinct from coalesce((select t.to_status from report_transitions t where t.report_id = r.report_id order by t.transition_id desc limit 1), 'concept')").await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from (select from_status, lag(to_status, 1, 'concept') over (partition by report_id order by transition_id) as previous, changed_at, lag(changed_at) over (partition by report_id order by transition_id) as before from report_transitions) h where from_status <> previous or changed_at <= before or changed_at > now()").await,
        0
    );

    // Due dates, reviewers, checklists and threads, with demo accounts nobody signs in with.
    assert_eq!(
        count(&app, "select count(*) from report_deadlines where year between 2020 and 2025 and due_on = make_date(year + 1, 3, 31)").await,
        6
    );
    assert_eq!(
        count(&app, "select count(*) from partnerships p where p.is_demo and not exists (select 1 from partnership_reviewers r where r.partnership_id = p.partnership_id)").await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from users where email like '%@demo.invalid' and (active or password_hash is not null)").await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from users where email like 'demo-beoordelaar%@demo.invalid' and role = 'ministry' and full_name like 'Demo-beoordelaar %'").await,
        3
    );
    assert!(
        count(
            &app,
            "select count(distinct report_id) from report_review_items"
        )
        .await
            >= 5
    );
    assert!(
        count(
            &app,
            "select count(*) from report_messages where side = 'werkingsgebied'"
        )
        .await
            >= 2
    );
    let overdue = count(
        &app,
        "select count(*) from report_messages m where m.answer_by < current_date
           and not exists (select 1 from report_messages a where a.report_id = m.report_id
                           and a.side <> m.side and a.message_id > m.message_id)",
    )
    .await;
    assert_eq!(
        overdue, 2,
        "two questions wait for an answer past their date"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from report_messages where body not like 'Demotekst:%'"
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from audit_events where action = 'demo.loaded' and details->'jaarrapporten'->'jaarrapporten'->>'goedgekeurd' = '85'").await,
        1,
        "the audit entry counts what was added"
    );

    let before = counts(&app).await;
    assert!(!regie::demo::load(&app.db).await.unwrap());
    assert_eq!(counts(&app).await, before, "loading again adds nothing");
}

#[tokio::test]
async fn a_demo_loaded_before_the_current_period_and_reports_gets_them_once() {
    let app = TestApp::new().await;
    assert!(regie::demo::load(&app.db).await.unwrap());
    let before = counts(&app).await;
    // As it was before this version: no reports, no deadlines or reviewers, no 2026-2031.
    let current_areas =
        format!("(select partnership_id from partnerships where policy_period_id = {CURRENT})");
    let current_actions =
        format!("(select action_id from actions where partnership_id in {current_areas})");
    for sql in [
        "delete from report_messages".to_string(),
        "delete from report_review_items".to_string(),
        "delete from report_submissions".to_string(),
        "delete from report_transitions".to_string(),
        "delete from reports".to_string(),
        "delete from partnership_reviewers".to_string(),
        "delete from report_deadlines".to_string(),
        "delete from users where email like '%@demo.invalid'".to_string(),
        format!("delete from action_changes where action_id in {current_actions}"),
        format!("delete from action_participants where action_id in {current_actions}"),
        format!("delete from action_partners where action_id in {current_actions}"),
        format!("delete from action_municipalities where action_id in {current_actions}"),
        format!("delete from actions where partnership_id in {current_areas}"),
        format!("delete from action_priority_counts where partnership_id in {current_areas}"),
        format!("delete from action_cost_totals where partnership_id in {current_areas}"),
        format!("delete from appointments where partnership_id in {current_areas}"),
        format!("delete from partnerships where policy_period_id = {CURRENT}"),
        "delete from policy_periods where name = '2026-2031 (demo)'".to_string(),
        "delete from seed_runs where name in ('demo-reports', 'demo-current-period')".to_string(),
    ] {
        sqlx::query(&sql)
            .execute(&app.db)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    assert_eq!(count(&app, "select count(*) from reports").await, 0);

    assert!(regie::demo::load(&app.db).await.unwrap());
    assert_eq!(counts(&app).await, before, "the same parts, once");
    assert!(!regie::demo::load(&app.db).await.unwrap());
    assert_eq!(counts(&app).await, before);
}
