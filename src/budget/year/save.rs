//! Fixing the allocations of a year (`POST /budget/{year}/toekenningen`): the typed rows, what
//! changes, the checks (motivation, stale rows, the envelope) and the store in one transaction.

use super::*;

/// One allocation to store: a new version for a werkingsgebied.
struct Change {
    partnership_id: i64,
    name: String,
    /// The version in force the admin saw (0: none); the new one is this plus one.
    seen_version: i32,
    /// The amount in force now, if any.
    from_cents: Option<i64>,
    amount_cents: i64,
    computed_cents: Option<i64>,
    motivation: String,
}

impl Change {
    fn overridden(&self) -> bool {
        self.computed_cents != Some(self.amount_cents)
    }
}

/// Why PostgreSQL refused the save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// The year's allocations in force would exceed the envelope.
    OverEnvelope,
    /// Someone stored another version of a row since the form was opened.
    Stale,
    /// The year has no envelope.
    NoEnvelope,
}

const REFUSALS: &[(&str, Refusal)] = &[
    ("allocations_within_envelope", Refusal::OverEnvelope),
    ("allocations_current_key", Refusal::Stale),
    ("allocations_version_key", Refusal::Stale),
    ("allocations_year_fkey", Refusal::NoEnvelope),
];

fn typed_rows(body: &[u8]) -> BTreeMap<i64, Typed> {
    let mut rows: BTreeMap<i64, Typed> = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(body) {
        let (prefix, id) = match key.split_once('_') {
            Some((prefix, id)) => (prefix, id.parse::<i64>()),
            None => continue,
        };
        let Ok(id) = id else { continue };
        match prefix {
            "bedrag" => rows.entry(id).or_default().amount = value.into_owned(),
            "motivatie" => rows.entry(id).or_default().motivation = value.into_owned(),
            "huidig" => rows.entry(id).or_default().version = value.into_owned(),
            _ => {}
        }
    }
    rows
}

/// The rows whose amount differs from the allocation in force (or that have none and an
/// amount), checked. An empty amount leaves a row as it is: revoking an allocation is fixing
/// it at 0 with a motivation.
fn changes(data: &Year, typed: &BTreeMap<i64, Typed>, errors: &mut FormErrors) -> Vec<Change> {
    let mut changes = Vec::new();
    for line in &data.distribution.lines {
        let id = line.area.id;
        let name = &line.area.name;
        let Some(t) = typed.get(&id) else { continue };
        let amount_text = t.amount.trim();
        if amount_text.is_empty() {
            continue;
        }
        let Some(amount) = parse_euro(amount_text) else {
            errors.add(
                format!("bedrag_{id}"),
                format!("{name}: vul een bedrag in euro in, zoals 50.000 of 50.000,00."),
            );
            continue;
        };
        let current = data.current.get(&id);
        if current.is_some_and(|c| c.amount_cents == amount) {
            continue;
        }
        let computed_cents = computed(line);
        let motivation = t
            .motivation
            .replace(['\t', '\n', '\r'], " ")
            .trim()
            .to_string();
        if computed_cents != Some(amount) && motivation.is_empty() {
            let why = match computed_cents {
                Some(c) => format!(
                    "{} wijkt af van wat de regel geeft ({})",
                    format::euro_cents(amount),
                    format::euro_cents(c)
                ),
                None => "de regel geeft hier geen bedrag".to_string(),
            };
            errors.add(
                format!("motivatie_{id}"),
                format!("{name}: {why}; geef een motivering."),
            );
        } else if motivation.chars().count() > MAX_MOTIVATION {
            errors.add(
                format!("motivatie_{id}"),
                format!("{name}: de motivering mag hoogstens {MAX_MOTIVATION} tekens lang zijn."),
            );
        }
        let Ok(seen_version) = t.version.trim().parse::<i32>() else {
            errors.add(
                "toekenningen",
                "Het formulier is onvolledig; open de pagina opnieuw.",
            );
            continue;
        };
        changes.push(Change {
            partnership_id: id,
            name: name.clone(),
            seen_version,
            from_cents: current.map(|c| c.amount_cents),
            amount_cents: amount,
            computed_cents,
            motivation,
        });
    }
    changes
}

/// The rows someone else changed since the form was opened, in words naming who; `None` when
/// every changed row is still at the version the admin saw.
fn stale_message(data: &Year, changes: &[Change]) -> Option<String> {
    let sentences: Vec<String> = changes
        .iter()
        .filter(|c| data.current.get(&c.partnership_id).map_or(0, |a| a.version) != c.seen_version)
        .map(|c| match data.current.get(&c.partnership_id) {
            Some(a) => format!(
                "{} legde op {} de toekenning van {} vast op {} (versie {}).",
                a.decided_by.as_deref().unwrap_or("Iemand anders"),
                format::datetime(a.decided_at),
                c.name,
                format::euro_cents(a.amount_cents),
                a.version
            ),
            None => format!("De toekenning van {} veranderde intussen.", c.name),
        })
        .collect();
    if sentences.is_empty() {
        return None;
    }
    Some(format!(
        "Iemand anders wijzigde deze toekenningen terwijl u het formulier invulde. {} Er is niets \
         opgeslagen. Uw bedragen staan nog in het formulier; vergelijk met wat nu geldt en bewaar \
         opnieuw om ze te vervangen.",
        sentences.join(" ")
    ))
}

/// Stores the changes: per row, the version in force is superseded (only if it is still the one
/// the admin saw) before the new version is inserted.
async fn store(
    tx: &mut PgConnection,
    year: i16,
    changes: &mut [Change],
    rule_id: Option<i64>,
    user_id: i64,
) -> Result<std::result::Result<(), Refusal>> {
    // The trigger checks the sum after every row, so rows that lower an allocation go first:
    // a save that moves money from one werkingsgebied to another never passes through a total
    // above the envelope on its way.
    changes.sort_by_key(|c| c.amount_cents - c.from_cents.unwrap_or(0));
    for c in changes.iter() {
        if c.seen_version > 0 {
            let superseded = sqlx::query!(
                r#"update allocations set superseded_at = now()
                   where partnership_id = $1 and year = $2 and version = $3
                     and superseded_at is null"#,
                c.partnership_id,
                year,
                c.seen_version
            )
            .execute(&mut *tx)
            .await
            .on_constraint(REFUSALS)?;
            match superseded {
                Err(refusal) => return Ok(Err(refusal)),
                Ok(done) if done.rows_affected() == 0 => return Ok(Err(Refusal::Stale)),
                Ok(_) => {}
            }
        }
        let inserted = sqlx::query!(
            r#"insert into allocations (partnership_id, year, version, amount_cents,
                   computed_cents, motivation, rule_id, decided_by)
               values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
            c.partnership_id,
            year,
            c.seen_version + 1,
            c.amount_cents,
            c.computed_cents,
            c.motivation,
            rule_id,
            user_id
        )
        .execute(&mut *tx)
        .await
        .on_constraint(REFUSALS)?;
        if let Err(refusal) = inserted {
            return Ok(Err(refusal));
        }
    }
    Ok(Ok(()))
}

fn no_envelope(year: i16) -> String {
    format!(
        "Er is nog geen budget voor {year}. Leg eerst het budget vast (bovenaan deze pagina: \
         „eerst een budget vastleggen”); daarna kunnen de toekenningen vastgelegd worden. Er is \
         niets opgeslagen."
    )
}

/// The refusal of a total above the envelope, with the figures as they are after the failed
/// transaction: when another admin saved at the same moment, their amounts count too.
async fn over_envelope(db: &PgPool, data: &Year, changes: &[Change]) -> Result<String> {
    let year = data.year;
    let now = db::current_allocations(db, year).await?;
    let envelope = db::envelope(db, year).await?.map_or(0, |e| e.amount_cents);
    let mut total: BTreeMap<i64, i64> = now.iter().map(|(id, a)| (*id, a.amount_cents)).collect();
    for c in changes {
        total.insert(c.partnership_id, c.amount_cents);
    }
    let total: i64 = total.values().sum();
    let mut message = if total > envelope {
        format!(
            "De toekenningen voor {year} komen samen op {}, meer dan het budget van {}. Er is \
             niets opgeslagen.",
            format::euro_cents(total),
            format::euro_cents(envelope)
        )
    } else {
        format!(
            "Op het moment van bewaren kwamen de toekenningen voor {year} boven het budget van \
             {} uit. Er is niets opgeslagen; bewaar opnieuw.",
            format::euro_cents(envelope)
        )
    };
    let others: Vec<String> = now
        .values()
        .filter(|a| {
            data.current
                .get(&a.partnership_id)
                .is_none_or(|before| before.version != a.version)
        })
        .filter_map(|a| a.decided_by.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !others.is_empty() {
        message.push_str(&format!(
            " Intussen legde {} toekenningen vast; de tabel toont wat nu geldt.",
            others.join(" en ")
        ));
    }
    Ok(message)
}

/// The year page again with the admin's input, a message at the top and `status`.
async fn again(
    state: &AppState,
    admin: &SignedIn,
    year: i16,
    typed: &BTreeMap<i64, Typed>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response> {
    let data = Year::load(&state.db, year).await?;
    let page = YearPage::build(&state.db, admin, &data, Some(typed), errors).await?;
    render_with_status(status, &page)
}

pub(super) async fn fix(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(year): Path<i16>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let data = Year::load(&state.db, year).await?;
    let typed = typed_rows(&body);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let mut errors = FormErrors::default();
    if data.envelope.is_none() {
        errors.add("toekenningen", no_envelope(year));
        return again(&state, &admin, year, &typed, errors, unprocessable).await;
    }
    let mut changes = changes(&data, &typed, &mut errors);
    if !errors.is_empty() {
        return again(&state, &admin, year, &typed, errors, unprocessable).await;
    }
    if let Some(message) = stale_message(&data, &changes) {
        return stale(&state, &admin, year, typed, message).await;
    }
    if changes.is_empty() {
        return flash::redirect(
            &admin.session,
            FlashKind::Info,
            format!(
                "Er was niets gewijzigd aan de toekenningen voor {year}; er is niets opgeslagen."
            ),
            &format!("/budget/{year}"),
        )
        .await;
    }
    let rule_id = data.rule().map(|r| r.rule_id);
    let mut tx = state.db.begin().await?;
    match store(&mut tx, year, &mut changes, rule_id, admin.user.user_id).await? {
        Ok(()) => {}
        Err(refusal) => {
            // Nothing of this save stays: the transaction is rolled back before the page is
            // read again, so the page shows what is in force now.
            drop(tx);
            let message = match refusal {
                Refusal::OverEnvelope => over_envelope(&state.db, &data, &changes).await?,
                Refusal::NoEnvelope => no_envelope(year),
                Refusal::Stale => {
                    let fresh = Year::load(&state.db, year).await?;
                    let message = stale_message(&fresh, &changes).unwrap_or_else(|| {
                        "Iemand anders wijzigde deze toekenningen op hetzelfde moment. Er is \
                         niets opgeslagen; bewaar opnieuw."
                            .into()
                    });
                    return stale(&state, &admin, year, typed, message).await;
                }
            };
            let field = changes
                .iter()
                .find(|c| c.amount_cents > c.from_cents.unwrap_or(0))
                .map_or_else(
                    || "toekenningen".to_string(),
                    |c| format!("bedrag_{}", c.partnership_id),
                );
            errors.add(field, message);
            return again(&state, &admin, year, &typed, errors, unprocessable).await;
        }
    }
    let changed: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "partnership_id": c.partnership_id,
                "name": c.name,
                "from_cents": c.from_cents,
                "to_cents": c.amount_cents,
                "computed_cents": c.computed_cents,
                "version": c.seen_version + 1,
            })
        })
        .collect();
    let overridden: Vec<&str> = changes
        .iter()
        .filter(|c| c.overridden())
        .map(|c| c.name.as_str())
        .collect();
    audit::Entry::new(Action::AllocationsFixed)
        .actor(&admin.user)
        .object("budget_year", year)
        .details(serde_json::json!({
            "year": year,
            "rule_id": rule_id,
            "changed": changed,
            "overridden": overridden,
        }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    let count = changes.len();
    let what = if count == 1 {
        "1 werkingsgebied".to_string()
    } else {
        format!("{count} werkingsgebieden")
    };
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        format!("Toekenningen voor {year} bewaard ({what})."),
        &format!("/budget/{year}"),
    )
    .await
}

/// A save that lost the race: the form with the admin's input and the versions in force now,
/// so that saving again is a deliberate overwrite (409).
async fn stale(
    state: &AppState,
    admin: &SignedIn,
    year: i16,
    mut typed: BTreeMap<i64, Typed>,
    message: String,
) -> Result<Response> {
    let now = db::current_allocations(&state.db, year).await?;
    for (id, row) in typed.iter_mut() {
        row.version = now.get(id).map_or(0, |a| a.version).to_string();
    }
    let mut errors = FormErrors::default();
    errors.add("toekenningen", message);
    again(state, admin, year, &typed, errors, StatusCode::CONFLICT).await
}
