//! Demo VDAB agreements ("Samen sterk voor lokaal werk", the name of the 2022-2025 generation)
//! for the demo werkingsgebieden of 2023-2025: a realistic spread of statuses with their dated
//! history, bound municipalities with council decisions, SMART commitments over VDAB's three
//! objectives with progress notes, follow-up meetings and, for every signed agreement, a small
//! generated PDF that says it is demo data. Marked `origin = 'demo'`; every person named is
//! visibly a demo person.
//!
//! The plan (which status, which dates) is in [`super::agreement_plan`]; this writes it.

use anyhow::Context;
use chrono::NaiveDate;
use sqlx::PgConnection;

use super::agreement_plan::{Area, COMMITMENTS, DemoAgreement, plan};
use crate::agreements::model::{AgreementStatus, CommitmentSide, CommitmentStatus};

/// The `seed_runs` row that says the demo agreements were made.
pub const SEED_NAME: &str = "demo-agreements";

/// A one-page PDF 1.4 whose text says it is demo data: valid, with a correct cross-reference
/// table, in the standard Helvetica font (so only plain characters).
pub fn demo_pdf(lines: &[String]) -> Vec<u8> {
    let text: String = lines
        .iter()
        .enumerate()
        .map(|(k, line)| {
            let escaped: String = line
                .chars()
                .map(|c| match c {
                    'é' | 'è' | 'ë' | 'ê' => "e".to_string(),
                    'ï' | 'î' => "i".to_string(),
                    'ö' | 'ô' => "o".to_string(),
                    'ü' | 'û' => "u".to_string(),
                    'à' | 'â' | 'ä' => "a".to_string(),
                    '–' => "-".to_string(),
                    '(' | ')' | '\\' => format!("\\{c}"),
                    c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
                    _ => "?".to_string(),
                })
                .collect();
            let move_to = if k == 0 { "72 770 Td" } else { "0 -22 Td" };
            format!("{move_to} ({escaped}) Tj\n")
        })
        .collect();
    let stream = format!("BT /F1 13 Tf\n{text}ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (n, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// The demo werkingsgebieden of `partnerships` by name, with their members and main province.
async fn areas(conn: &mut PgConnection, partnerships: &[i64]) -> anyhow::Result<Vec<Area>> {
    Ok(sqlx::query!(
        r#"select p.partnership_id, p.name,
                  mode() within group (order by mu.province) as "province!",
                  array_agg(pm.nis_code order by pm.nis_code) as "members!"
           from partnerships p
           join partnership_members pm on pm.partnership_id = p.partnership_id
           join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
           where p.partnership_id = any($1) and p.is_demo
             -- Never next to agreements someone made by hand.
             and not exists (select 1 from agreements a where a.partnership_id = p.partnership_id)
           group by p.partnership_id
           order by p.name, p.partnership_id"#,
        partnerships
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Area {
        partnership_id: r.partnership_id,
        name: r.name,
        province: r.province,
        members: r.members,
    })
    .collect())
}

/// Creates the demo agreements of `partnerships` (demo werkingsgebieden without agreements) and
/// records [`SEED_NAME`]. Returns how many agreements it made.
pub async fn generate(conn: &mut PgConnection, partnerships: &[i64]) -> anyhow::Result<usize> {
    let areas = areas(conn, partnerships).await?;
    let planned = plan(&areas);
    for a in &planned {
        insert(conn, a)
            .await
            .with_context(|| format!("demo agreement {}", a.title))?;
    }
    sqlx::query!(
        "insert into seed_runs (name, content_sha256) values ($1, 'demo agreements v1')",
        SEED_NAME
    )
    .execute(&mut *conn)
    .await?;
    Ok(planned.len())
}

/// For a demo loaded before agreements existed: makes them once, for the demo werkingsgebieden
/// of 2023-2025. Returns whether it did.
pub async fn add_missing(conn: &mut PgConnection) -> anyhow::Result<bool> {
    let missing = sqlx::query_scalar!(
        r#"select exists(select 1 from seed_runs where name = $1)
              and not exists(select 1 from seed_runs where name = $2) as "missing!""#,
        super::SEED_NAME,
        SEED_NAME
    )
    .fetch_one(&mut *conn)
    .await?;
    if !missing {
        return Ok(false);
    }
    let partnerships = sqlx::query_scalar!(
        r#"select p.partnership_id from partnerships p
           join policy_periods pp using (policy_period_id)
           where p.is_demo and pp.name = '2023-2025'"#
    )
    .fetch_all(&mut *conn)
    .await?;
    generate(conn, &partnerships).await?;
    Ok(true)
}

/// The time zone of the dated history: each step happened at 10:00 Belgian time that day.
const BRUSSELS: &str = "Europe/Brussels";

async fn insert(conn: &mut PgConnection, a: &DemoAgreement) -> anyhow::Result<()> {
    let (first, last) = (
        a.history.first().map(|h| h.1).unwrap_or(a.starts_on),
        a.history.last().map(|h| h.1).unwrap_or(a.starts_on),
    );
    let id = sqlx::query_scalar!(
        r#"insert into agreements (partnership_id, title, vdab_service, vdab_contact, local_contact,
                                   starts_on, ends_on, signed_on, notes, status, origin,
                                   created_at, updated_at)
           values ($1, $2, $3, 'Demo accountmanager', 'Demo contactpersoon lokaal bestuur', $4, $5,
                   $6, 'Demogegevens: een verzonnen overeenkomst om regie te leren kennen.', $7,
                   'demo', ($8::date + time '10:00') at time zone $10,
                   ($9::date + time '10:00') at time zone $10)
           returning agreement_id"#,
        a.partnership_id,
        a.title,
        a.vdab_service,
        a.starts_on as _,
        a.ends_on as _,
        a.signed_on as _,
        a.status as AgreementStatus,
        first as _,
        last as _,
        BRUSSELS,
    )
    .fetch_one(&mut *conn)
    .await?;

    let nis: Vec<String> = a.binds.iter().map(|b| b.0.clone()).collect();
    let decided: Vec<Option<NaiveDate>> = a.binds.iter().map(|b| b.1).collect();
    sqlx::query!(
        r#"insert into agreement_municipalities (agreement_id, partnership_id, nis_code, starts_on,
                                                 ends_on, in_force, council_decision_on)
           select a.agreement_id, a.partnership_id, b.nis_code, a.starts_on, a.ends_on, a.in_force,
                  b.decided
           from agreements a, unnest($2::text[], $3::date[]) as b(nis_code, decided)
           where a.agreement_id = $1"#,
        id,
        &nis,
        &decided as &[Option<NaiveDate>],
    )
    .execute(&mut *conn)
    .await?;

    let from: Vec<Option<String>> = std::iter::once(None)
        .chain(a.history.iter().map(|h| Some(h.0.code().to_string())))
        .take(a.history.len())
        .collect();
    let to: Vec<String> = a.history.iter().map(|h| h.0.code().to_string()).collect();
    let reasons: Vec<String> = a.history.iter().map(|h| h.2.clone()).collect();
    let days: Vec<NaiveDate> = a.history.iter().map(|h| h.1).collect();
    sqlx::query!(
        r#"insert into agreement_status_changes (agreement_id, from_status, to_status, reason, changed_at)
           select $1, h.from_status::agreement_status, h.to_status::agreement_status, h.reason,
                  (h.day + time '10:00') at time zone $6
           from unnest($2::text[], $3::text[], $4::text[], $5::date[])
                with ordinality as h(from_status, to_status, reason, day, n)
           order by h.n"#,
        id,
        &from as &[Option<String>],
        &to,
        &reasons,
        &days as &[NaiveDate],
        BRUSSELS,
    )
    .execute(&mut *conn)
    .await?;

    let mut commitment_ids = Vec::with_capacity(a.commitments.len());
    for c in &a.commitments {
        let (objective, description, side, owner, indicator, target, _) = COMMITMENTS[c.template];
        let commitment_id = sqlx::query_scalar!(
            r#"insert into commitments (agreement_id, objective, description, owner_side, owner_name,
                                        indicator, target_value, deadline, status, created_at,
                                        updated_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                       ($10::date + time '10:00') at time zone $11,
                       ($10::date + time '10:00') at time zone $11)
               returning commitment_id"#,
            id,
            objective,
            description,
            side as CommitmentSide,
            owner,
            indicator,
            target,
            c.deadline as _,
            c.status as CommitmentStatus,
            first as _,
            BRUSSELS,
        )
        .fetch_one(&mut *conn)
        .await?;
        if let Some((noted_on, body)) = &c.note {
            sqlx::query!(
                r#"insert into commitment_notes (commitment_id, noted_on, body, created_at)
                   values ($1, $2, $3, ($2::date + time '10:00') at time zone $4)"#,
                commitment_id,
                noted_on as _,
                body,
                BRUSSELS,
            )
            .execute(&mut *conn)
            .await?;
        }
        commitment_ids.push(commitment_id);
    }

    for m in &a.meetings {
        let meeting_id = sqlx::query_scalar!(
            r#"insert into agreement_meetings (agreement_id, held_on, participants, minutes,
                                               decisions, created_at)
               values ($1, $2, 'Demo accountmanager VDAB, Demo regisseur lokale regie, Demo schepen van Werk',
                       'Demogegevens. De stuurgroep overliep de engagementen per doelstelling van VDAB en de cijfers van het voorbije halfjaar.',
                       'Demogegevens. Engagementen met achterstand krijgen een actieplan tegen het volgende opvolgingsmoment.',
                       ($2::date + time '10:00') at time zone $3)
               returning meeting_id"#,
            id,
            m.held_on as _,
            BRUSSELS,
        )
        .fetch_one(&mut *conn)
        .await?;
        let statuses: Vec<String> = m.statuses.iter().map(|s| s.code().to_string()).collect();
        sqlx::query!(
            r#"insert into meeting_commitment_statuses (meeting_id, commitment_id, status)
               select $1, s.commitment_id, s.status::commitment_status
               from unnest($2::bigint[], $3::text[]) as s(commitment_id, status)"#,
            meeting_id,
            &commitment_ids,
            &statuses,
        )
        .execute(&mut *conn)
        .await?;
    }

    if let Some(signed_on) = a.signed_on {
        let pdf = demo_pdf(&[
            "DEMOGEGEVENS - dit is geen echte overeenkomst.".to_string(),
            a.title.clone(),
            "Samenwerkingsovereenkomst VDAB - lokaal bestuur".to_string(),
            format!("Ondertekend op {}", crate::web::format::date(signed_on)),
            "Gegenereerd door regie voor de demo.".to_string(),
        ]);
        sqlx::query!(
            r#"insert into agreement_documents (agreement_id, kind, file_name, size_bytes, sha256,
                                                content, uploaded_at)
               values ($1, 'ondertekende_overeenkomst', 'ondertekende-overeenkomst-demo.pdf',
                       length($2::bytea), encode(sha256($2::bytea), 'hex'), $2::bytea,
                       ($3::date + time '10:00') at time zone $4)"#,
            id,
            &pdf,
            signed_on as _,
            BRUSSELS,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_pdf_is_a_pdf_with_a_correct_cross_reference_table() {
        let pdf = demo_pdf(&["DEMOGEGEVENS (test) – geëvalueerd".to_string()]);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        let text = String::from_utf8(pdf.clone()).expect("ASCII only");
        assert!(text.contains("(DEMOGEGEVENS \\(test\\) - geevalueerd) Tj"));
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(text[xref..].starts_with("xref\n0 6\n"));
        for (n, line) in text[xref..].lines().skip(3).take(5).enumerate() {
            let offset: usize = line[..10].parse().expect("offset");
            assert!(text[offset..].starts_with(&format!("{} 0 obj", n + 1)));
        }
    }
}
