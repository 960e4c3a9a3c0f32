//! Demo VDAB agreements ("Samen sterk voor lokaal werk", the name of the 2022-2025 generation)
//! for the demo werkingsgebieden of 2023-2025: a realistic spread of statuses with their dated
//! history, bound municipalities with council decisions, SMART commitments over VDAB's three
//! objectives with progress notes, follow-up meetings and, for every signed agreement, a small
//! generated PDF that says it is demo data. Marked `origin = 'demo'`; every person named is
//! visibly a demo person.
//!
//! Deterministic: the spread follows the werkingsgebieden's order by name and the stable hash
//! of [`super::order`], never a random number or today's date.

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate};
use sqlx::PgConnection;

use crate::agreements::model::{AgreementStatus, CommitmentSide, CommitmentStatus};

/// The `seed_runs` row that says the demo agreements were made.
pub const SEED_NAME: &str = "demo-agreements";

/// What happened to a werkingsgebied's agreement, in name order, repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Course {
    None,
    Reached(AgreementStatus),
}

const SPREAD: [Course; 13] = {
    use AgreementStatus::*;
    [
        Course::Reached(InOpvolging),
        Course::Reached(Ondertekend),
        Course::None,
        Course::Reached(InOpvolging),
        Course::Reached(Geevalueerd),
        Course::Reached(Goedgekeurd),
        Course::Reached(InOpvolging),
        Course::Reached(Onderhandeld),
        // Stopped the first time round, followed up elsewhere.
        Course::Reached(Stopgezet),
        Course::Reached(Ondertekend),
        Course::Reached(InOpvolging),
        Course::Reached(Ontwerp),
        Course::None,
    ]
};

/// (objective, description, owner side, owner, indicator, target, progress)
type Template = (
    i16,
    &'static str,
    CommitmentSide,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Commitments in the order objective 1, 2, 3, 1, 2, 3, ...: any three in a row cover all three.
const COMMITMENTS: [Template; 9] = [
    (
        1,
        "Werkzoekenden met een migratieachtergrond krijgen een taaltraject gekoppeld aan werkervaring.",
        CommitmentSide::Beide,
        "Demo accountmanager VDAB",
        "werkzoekenden die een taaltraject met werkervaring starten",
        "40",
        "Eerste groep gestart in samenwerking met het Centrum voor Volwassenenonderwijs.",
    ),
    (
        2,
        "Een gezamenlijke jobbeurs per jaar met de lokale werkgevers en de sociale economie.",
        CommitmentSide::LokaalBestuur,
        "Demo schepen van Werk",
        "jobbeurzen georganiseerd",
        "1 per jaar",
        "Locatie vastgelegd, werkgevers uitgenodigd via de ondernemersvereniging.",
    ),
    (
        3,
        "Inwoners vinden loopbaanbegeleiding dicht bij huis: een VDAB-zitdag in het sociaal huis.",
        CommitmentSide::Vdab,
        "Demo accountmanager VDAB",
        "zitdagen per maand",
        "2",
        "Zitdag draait elke eerste en derde dinsdag; goed bezocht.",
    ),
    (
        1,
        "Leefloongerechtigden worden samen met het OCMW naar een opleiding of werk toegeleid.",
        CommitmentSide::Beide,
        "Demo regisseur lokale regie",
        "leefloongerechtigden met een traject",
        "25",
        "Gezamenlijk casusoverleg OCMW-VDAB elke maand.",
    ),
    (
        2,
        "Knelpuntberoepen in de regio in kaart en een opleiding op maat voor de grootste nood.",
        CommitmentSide::Vdab,
        "Demo accountmanager VDAB",
        "opleidingen op maat gestart",
        "2",
        "Analyse afgerond; opleiding logistiek medewerker in voorbereiding.",
    ),
    (
        3,
        "Jongeren die de school zonder diploma verlaten, worden binnen drie maanden bereikt.",
        CommitmentSide::LokaalBestuur,
        "Demo jeugddienst",
        "bereikte vroegtijdige schoolverlaters",
        "60%",
        "Afspraken met de scholen over het doorgeven van schoolverlaters gemaakt.",
    ),
    (
        1,
        "Personen met een arbeidsbeperking krijgen werkplekleren bij een maatwerkbedrijf.",
        CommitmentSide::Beide,
        "Demo regisseur lokale regie",
        "trajecten werkplekleren",
        "15",
        "Twee maatwerkbedrijven engageren zich; eerste trajecten lopen.",
    ),
    (
        2,
        "Werkgevers krijgen één aanspreekpunt voor vacatures en aanwervingspremies.",
        CommitmentSide::Beide,
        "Demo werkgeversloket",
        "werkgevers geholpen via het aanspreekpunt",
        "50",
        "Aanspreekpunt bekendgemaakt op de ondernemersavond.",
    ),
    (
        3,
        "Een loopbaancheque-campagne voor inwoners met een job die willen heroriënteren.",
        CommitmentSide::Vdab,
        "Demo accountmanager VDAB",
        "inwoners die een loopbaancheque aanvragen",
        "100",
        "Campagne gelanceerd in het gemeentelijk infoblad.",
    ),
];

/// A demo werkingsgebied of 2023-2025 as the generator needs it.
#[derive(Clone, Debug)]
pub struct Area {
    pub partnership_id: i64,
    pub name: String,
    pub province: String,
    pub members: Vec<String>,
}

#[derive(Debug)]
pub struct DemoCommitment {
    pub template: usize,
    pub deadline: NaiveDate,
    pub status: CommitmentStatus,
    pub note: Option<(NaiveDate, String)>,
}

#[derive(Debug)]
pub struct DemoMeeting {
    pub held_on: NaiveDate,
    /// The status of each commitment (in order) as set at this meeting.
    pub statuses: Vec<CommitmentStatus>,
}

#[derive(Debug)]
pub struct DemoAgreement {
    pub partnership_id: i64,
    pub title: String,
    pub vdab_service: String,
    pub status: AgreementStatus,
    /// Each step from creation on: (status, day, reason).
    pub history: Vec<(AgreementStatus, NaiveDate, String)>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    /// Bound municipalities with their council decision (once approved).
    pub binds: Vec<(String, Option<NaiveDate>)>,
    pub commitments: Vec<DemoCommitment>,
    pub meetings: Vec<DemoMeeting>,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The last day of `d`'s quarter: deadlines in agreements fall there.
fn quarter_end(d: NaiveDate) -> NaiveDate {
    let month = (d.month() - 1) / 3 * 3 + 3;
    let next = if month == 12 {
        day(d.year() + 1, 1, 1)
    } else {
        day(d.year(), month + 1, 1)
    };
    next - Duration::days(1)
}

/// The agreements for `areas` (in name order), as data.
pub fn plan(areas: &[Area]) -> Vec<DemoAgreement> {
    let mut out = Vec::new();
    let mut stopped_once = false;
    for (i, area) in areas.iter().enumerate() {
        let mut course = SPREAD[i % SPREAD.len()];
        // One stopped agreement is enough for the demo; the others in its place are followed up.
        if course == Course::Reached(AgreementStatus::Stopgezet) {
            if stopped_once {
                course = Course::Reached(AgreementStatus::InOpvolging);
            }
            stopped_once = true;
        }
        let Course::Reached(status) = course else {
            continue;
        };
        let h = super::order(&area.name);
        let title = format!("Samen sterk voor lokaal werk – {}", area.name);
        // One werkingsgebied signs per cluster of municipalities: two agreements.
        if i == 16 && area.members.len() >= 4 {
            let (first, second) = area.members.split_at(area.members.len() / 2);
            out.push(agreement(
                area,
                format!("{title} (deel 1)"),
                status,
                first,
                h,
                i,
            ));
            out.push(agreement(
                area,
                format!("{title} (deel 2)"),
                AgreementStatus::Goedgekeurd,
                second,
                h / 7,
                i + 1,
            ));
            continue;
        }
        // Some werkingsgebieden bind all but one member: that council did not join (yet).
        let members = if i % 4 == 1 && area.members.len() >= 3 {
            &area.members[..area.members.len() - 1]
        } else {
            &area.members[..]
        };
        out.push(agreement(area, title, status, members, h, i));
    }
    out
}

/// One agreement that reached `status`, dated from the stable hash `h`.
fn agreement(
    area: &Area,
    title: String,
    status: AgreementStatus,
    members: &[String],
    h: u64,
    i: usize,
) -> DemoAgreement {
    use AgreementStatus::*;
    let spread = Duration::days((h % 40) as i64);
    // Early agreements were drafted in 2023; the later ones only in 2024 or 2025.
    let created = match status {
        Ontwerp => day(2025, 1, 13),
        Onderhandeld => day(2024, 3, 4),
        Goedgekeurd => day(2024, 1, 8),
        Ondertekend => day(2024, 9, 2),
        _ => day(2023, 1, 9),
    } + spread;
    let negotiated = created + Duration::days(50);
    let council = |nis: &str| negotiated + Duration::days(20 + (super::order(nis) % 60) as i64);
    let approved_reached = !matches!(status, Ontwerp | Onderhandeld | Stopgezet);
    let binds: Vec<(String, Option<NaiveDate>)> = members
        .iter()
        .map(|n| (n.clone(), approved_reached.then(|| council(n))))
        .collect();
    let approved = binds.iter().filter_map(|b| b.1).max().unwrap_or(negotiated) + Duration::days(7);
    let signed = approved + Duration::days(21);
    let following = signed + Duration::days(60);
    let evaluated = day(2025, 11, 17) + Duration::days((h % 20) as i64);

    let mut history = vec![(Ontwerp, created, String::new())];
    let steps: &[(AgreementStatus, NaiveDate)] = &[
        (Onderhandeld, negotiated),
        (Goedgekeurd, approved),
        (Ondertekend, signed),
        (InOpvolging, following),
        (Geevalueerd, evaluated),
    ];
    if status == Stopgezet {
        history.push((Onderhandeld, negotiated, String::new()));
        history.push((
            Stopgezet,
            negotiated + Duration::days(100),
            "Demogegevens: de gemeenten kozen voor een eigen traject met VDAB; deze overeenkomst \
             wordt niet verder uitgewerkt."
                .to_string(),
        ));
    } else {
        for (step, on) in steps {
            if history.last().is_some_and(|(s, _, _)| *s == status) {
                break;
            }
            history.push((*step, *on, String::new()));
        }
    }
    let is_signed = status.is_signed();
    let signed_on = is_signed.then_some(signed);
    let ends_on = day(2025, 12, 31);
    let starts_on = if is_signed {
        signed
    } else {
        (created + Duration::days(180)).min(ends_on)
    };

    let count = 3 + (h % 4) as usize;
    let commitments: Vec<DemoCommitment> = (0..count)
        .map(|j| {
            let template = (j + 3 * (i % 3)) % COMMITMENTS.len();
            let deadline =
                quarter_end(starts_on + Duration::days(180 * (j as i64 + 1))).min(ends_on);
            let roll = super::order(&format!("{}#{j}", area.name)) % 10;
            let progress = COMMITMENTS[template].6;
            let status = commitment_status(status, roll);
            let note = match status {
                CommitmentStatus::Gepland => None,
                CommitmentStatus::Lopend => Some((
                    (deadline - Duration::days(45)).max(starts_on),
                    format!("Demogegevens. {progress}"),
                )),
                CommitmentStatus::Gerealiseerd => Some((
                    deadline - Duration::days(3),
                    format!(
                        "Demogegevens. Gerealiseerd: streefwaarde {} gehaald. {progress}",
                        COMMITMENTS[template].5
                    ),
                )),
                CommitmentStatus::NietGerealiseerd => Some((
                    deadline - Duration::days(3),
                    "Demogegevens. Niet gerealiseerd: te weinig deelnemers; wordt bijgestuurd in \
                     de stuurgroep."
                        .to_string(),
                )),
            };
            DemoCommitment {
                template,
                deadline,
                status,
                note,
            }
        })
        .collect();

    let meetings = if matches!(status, InOpvolging | Geevalueerd) {
        (0..1 + (h % 3) as i64)
            .map(|k| following + Duration::days(200 * k))
            .filter(|d| *d <= day(2025, 12, 15))
            .map(|held_on| DemoMeeting {
                statuses: commitments
                    .iter()
                    .map(|c| match c.status {
                        // Before its deadline a commitment that ended up done was still running.
                        s if held_on >= c.deadline || s == CommitmentStatus::Gepland => s,
                        _ => CommitmentStatus::Lopend,
                    })
                    .collect(),
                held_on,
            })
            .collect()
    } else {
        Vec::new()
    };

    DemoAgreement {
        partnership_id: area.partnership_id,
        title,
        vdab_service: format!("VDAB-dienstverlening {} (demo)", area.province),
        status,
        history,
        starts_on,
        ends_on,
        signed_on,
        binds,
        commitments,
        meetings,
    }
}

/// Where a commitment stands, from the agreement's status and a stable roll of 0..10. Signed
/// and followed-up agreements have mostly realised commitments and a few late ones.
fn commitment_status(agreement: AgreementStatus, roll: u64) -> CommitmentStatus {
    use CommitmentStatus::*;
    match agreement {
        AgreementStatus::Geevalueerd => {
            if roll < 8 {
                Gerealiseerd
            } else {
                NietGerealiseerd
            }
        }
        AgreementStatus::InOpvolging => match roll {
            0..=5 => Gerealiseerd,
            6 | 7 => Lopend,
            8 => NietGerealiseerd,
            _ => Gepland,
        },
        AgreementStatus::Ondertekend => {
            if roll < 5 {
                Lopend
            } else {
                Gepland
            }
        }
        _ => Gepland,
    }
}

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

    fn areas(n: usize) -> Vec<Area> {
        (0..n)
            .map(|i| Area {
                partnership_id: i as i64,
                name: format!("Regio {i:02}"),
                province: "Limburg".into(),
                members: (0..5).map(|m| format!("7{i:02}{m:02}")).collect(),
            })
            .collect()
    }

    #[test]
    fn the_spread_is_realistic_and_every_history_is_a_legal_path() {
        let plan = plan(&areas(39));
        let mut statuses: Vec<AgreementStatus> = plan.iter().map(|a| a.status).collect();
        statuses.sort_by_key(|s| s.code());
        statuses.dedup();
        assert_eq!(statuses.len(), 7, "every status occurs: {statuses:?}");
        let stopped = plan
            .iter()
            .filter(|a| a.status == AgreementStatus::Stopgezet)
            .count();
        assert_eq!(stopped, 1);
        let areas_with: std::collections::HashSet<i64> =
            plan.iter().map(|a| a.partnership_id).collect();
        assert!(
            39 - areas_with.len() >= 4,
            "several werkingsgebieden have none"
        );
        for a in &plan {
            assert_eq!(a.history[0].0, AgreementStatus::Ontwerp);
            for pair in a.history.windows(2) {
                assert!(pair[0].0.may_become(pair[1].0), "{}: {pair:?}", a.title);
                assert!(pair[0].1 < pair[1].1, "{}: dated in order", a.title);
            }
            assert_eq!(a.history.last().map(|h| h.0), Some(a.status));
            assert_eq!(a.signed_on.is_some(), a.status.is_signed());
            assert!((3..=6).contains(&a.commitments.len()));
            let objectives: std::collections::HashSet<i16> = a
                .commitments
                .iter()
                .map(|c| COMMITMENTS[c.template].0)
                .collect();
            assert_eq!(objectives.len(), 3, "{}", a.title);
            assert!(a.starts_on <= a.ends_on);
            for m in &a.meetings {
                assert_eq!(m.statuses.len(), a.commitments.len());
            }
        }
        assert!(plan.iter().any(|a| !a.meetings.is_empty()));
    }

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
