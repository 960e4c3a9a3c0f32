//! The plan of the demo agreements, as data: which werkingsgebied reached which status, with
//! its dated history, bound municipalities, commitments and meetings. Pure, so the spread is
//! checked without a database; [`super::agreements`] writes it.
//!
//! Deterministic: the spread follows the werkingsgebieden's order by name and the stable hash
//! of [`super::order`], never a random number or today's date.

use chrono::{Datelike, Duration, NaiveDate};

use crate::agreements::model::{AgreementStatus, CommitmentSide, CommitmentStatus};

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
pub type Template = (
    i16,
    &'static str,
    CommitmentSide,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Commitments in the order objective 1, 2, 3, 1, 2, 3, ...: any three in a row cover all three.
pub const COMMITMENTS: [Template; 9] = [
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
}
