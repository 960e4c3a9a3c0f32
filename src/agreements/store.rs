//! Storing an [`AgreementInput`]: a new agreement with its first history line, or an edit of an
//! existing one (optimistic version check in the UPDATE itself), with the municipalities it
//! binds. PostgreSQL enforces the one-agreement-in-force rule; when it refuses, [`explain`]
//! names the other agreement.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::db::Agreement;
use super::input::AgreementInput;
use crate::error::{Result, ResultExt};
use crate::web::format;

/// What a refused save tells the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A bound municipality is bound by another agreement in force in the same time.
    BindingTaken,
    /// An unticked municipality has an uploaded council decision.
    DecisionAttached,
}

/// Outcome of a save that the database accepted or refused for a reason the user can fix.
pub enum Saved {
    /// The agreement's id.
    Stored(i64),
    /// A double-submitted new agreement: the one stored the first time.
    Duplicate(i64),
    /// Someone saved the agreement since this user opened it.
    Stale,
    Refused(Refusal),
}

const BINDING_RULES: &[(&str, Refusal)] = &[
    (
        "agreement_municipalities_one_in_force",
        Refusal::BindingTaken,
    ),
    (
        "agreement_documents_agreement_id_nis_code_fkey",
        Refusal::DecisionAttached,
    ),
];

/// Stores a new agreement of `partnership_id` in status ontwerp. A repeated `key` of the same
/// user returns the agreement stored the first time.
pub async fn insert(
    tx: &mut PgConnection,
    partnership_id: i64,
    input: &AgreementInput,
    user_id: i64,
    key: Option<uuid::Uuid>,
) -> Result<Saved> {
    let id = sqlx::query_scalar!(
        r#"insert into agreements (partnership_id, title, vdab_service, vdab_contact,
               local_contact, starts_on, ends_on, signed_on, notes, idempotency_key, created_by,
               updated_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
           on conflict (created_by, idempotency_key) do nothing
           returning agreement_id"#,
        partnership_id,
        input.title,
        input.vdab_service,
        input.vdab_contact,
        input.local_contact,
        input.starts_on as NaiveDate,
        input.ends_on as NaiveDate,
        input.signed_on as Option<NaiveDate>,
        input.notes,
        key,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        let first = sqlx::query_scalar!(
            "select agreement_id from agreements where created_by = $1 and idempotency_key = $2",
            user_id,
            key
        )
        .fetch_one(&mut *tx)
        .await?;
        return Ok(Saved::Duplicate(first));
    };
    sqlx::query!(
        "insert into agreement_status_changes (agreement_id, to_status, changed_by) values ($1, 'ontwerp', $2)",
        id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    if let Err(refusal) = bind(tx, id, input).await? {
        return Ok(Saved::Refused(refusal));
    }
    Ok(Saved::Stored(id))
}

/// Stores `input` over `current` if nobody saved since `version`.
pub async fn update(
    tx: &mut PgConnection,
    current: &Agreement,
    input: &AgreementInput,
    version: i32,
    user_id: i64,
) -> Result<Saved> {
    let updated = sqlx::query!(
        r#"update agreements set title = $3, vdab_service = $4, vdab_contact = $5,
               local_contact = $6, starts_on = $7, ends_on = $8, signed_on = $9, notes = $10,
               version = version + 1, updated_by = $11, updated_at = now()
           where agreement_id = $1 and version = $2"#,
        current.agreement_id,
        version,
        input.title,
        input.vdab_service,
        input.vdab_contact,
        input.local_contact,
        input.starts_on as NaiveDate,
        input.ends_on as NaiveDate,
        input.signed_on as Option<NaiveDate>,
        input.notes,
        user_id
    )
    .execute(&mut *tx)
    .await
    // New dates reach the bindings through `on update cascade`, so this statement can break
    // the one-agreement rule too.
    .on_constraint(BINDING_RULES)?;
    match updated {
        Err(refusal) => return Ok(Saved::Refused(refusal)),
        Ok(done) if done.rows_affected() == 0 => return Ok(Saved::Stale),
        Ok(_) => {}
    }
    if let Err(refusal) = bind(tx, current.agreement_id, input).await? {
        return Ok(Saved::Refused(refusal));
    }
    Ok(Saved::Stored(current.agreement_id))
}

/// Makes the agreement bind exactly `input.bindings`, with their council decisions.
async fn bind(
    tx: &mut PgConnection,
    agreement_id: i64,
    input: &AgreementInput,
) -> Result<std::result::Result<(), Refusal>> {
    let codes: Vec<String> = input.bindings.iter().map(|b| b.nis_code.clone()).collect();
    let dates: Vec<Option<NaiveDate>> = input.bindings.iter().map(|b| b.decision_on).collect();
    let urls: Vec<String> = input
        .bindings
        .iter()
        .map(|b| b.decision_url.clone())
        .collect();
    let removed = sqlx::query!(
        "delete from agreement_municipalities where agreement_id = $1 and nis_code <> all($2)",
        agreement_id,
        &codes
    )
    .execute(&mut *tx)
    .await
    .on_constraint(BINDING_RULES)?;
    if let Err(refusal) = removed {
        return Ok(Err(refusal));
    }
    // The dates and in_force come from the agreement itself: the foreign key demands it.
    let added = sqlx::query!(
        r#"insert into agreement_municipalities (agreement_id, partnership_id, nis_code,
               starts_on, ends_on, in_force, council_decision_on, council_decision_url)
           select a.agreement_id, a.partnership_id, b.nis_code, a.starts_on, a.ends_on,
                  a.in_force, b.decision_on, b.decision_url
           from agreements a,
                unnest($2::text[], $3::date[], $4::text[]) as b(nis_code, decision_on, decision_url)
           where a.agreement_id = $1
           on conflict (agreement_id, nis_code) do update
               set council_decision_on = excluded.council_decision_on,
                   council_decision_url = excluded.council_decision_url"#,
        agreement_id,
        &codes,
        &dates as &[Option<NaiveDate>],
        &urls
    )
    .execute(&mut *tx)
    .await
    .on_constraint(BINDING_RULES)?;
    Ok(added.map(|_| ()))
}

/// The Dutch message for a refusal. For a taken municipality it names the other agreement:
/// asked after the failed transaction ended, so the other one is visible.
pub async fn explain(
    db: &PgPool,
    refusal: Refusal,
    agreement_id: Option<i64>,
    input: &AgreementInput,
) -> Result<String> {
    if refusal == Refusal::DecisionAttached {
        return Ok(
            "Een gemeente die u uitvinkte heeft een opgeladen raadsbeslissing. \
                   Verwijder eerst dat document, of vink de gemeente opnieuw aan."
                .into(),
        );
    }
    let codes: Vec<String> = input.bindings.iter().map(|b| b.nis_code.clone()).collect();
    let taken = sqlx::query!(
        r#"select distinct on (am.nis_code) mu.name_nl as municipality, a.title, p.name as partnership,
                  a.starts_on as "starts_on: NaiveDate", a.ends_on as "ends_on: NaiveDate"
           from agreement_municipalities am
           join agreements a on a.agreement_id = am.agreement_id
           join partnerships p on p.partnership_id = a.partnership_id
           join partnership_members pm on pm.partnership_id = am.partnership_id and pm.nis_code = am.nis_code
           join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = am.nis_code
           where am.nis_code = any($1) and am.in_force and am.agreement_id <> coalesce($2::bigint, 0)
             and daterange(am.starts_on, am.ends_on, '[]') && daterange($3, $4, '[]')
           order by am.nis_code"#,
        &codes,
        agreement_id,
        input.starts_on as NaiveDate,
        input.ends_on as NaiveDate
    )
    .fetch_all(db)
    .await?;
    if taken.is_empty() {
        // The other agreement was stopped or changed in the meantime: trying again may work.
        return Ok(
            "Een van de gekozen gemeenten was op dat moment gebonden door een andere \
                   overeenkomst. Probeer het opnieuw."
                .into(),
        );
    }
    Ok(taken
        .into_iter()
        .map(|t| {
            format!(
                "{} is van {} tot {} al gebonden door de overeenkomst „{}” van {}.",
                t.municipality,
                format::date(t.starts_on),
                format::date(t.ends_on),
                t.title,
                t.partnership
            )
        })
        .collect::<Vec<_>>()
        .join(" "))
}
