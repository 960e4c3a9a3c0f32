//! The vocabulary of actions: priorities, kinds, statuses, target groups, partner kinds,
//! origins and kinds of change, each with its stored code and its Dutch label.

use chrono::NaiveDate;
use serde::Serialize;

use crate::web::format;

/// The four Flemish priorities (order of 29 April 2022), stored as 1..4.
pub const PRIORITIES: [(i16, &str, &str); 4] = [
    (1, "WSE-LR1", "regierol opnemen"),
    (
        2,
        "WSE-LR2",
        "tewerkstelling van mensen met een afstand tot de arbeidsmarkt",
    ),
    (3, "WSE-LR3", "(sociaal) ondernemerschap en MVO"),
    (4, "WSE-LR4", "samenwerking met VDAB en andere actoren"),
];

pub fn priority_code(p: i16) -> &'static str {
    PRIORITIES
        .iter()
        .find(|(n, _, _)| *n == p)
        .map_or("?", |(_, code, _)| code)
}

/// `WSE-LR2: tewerkstelling van ...`: a priority with its code, as forms and pages show it.
pub fn priority_title(p: i16) -> String {
    let (_, code, label) = PRIORITIES
        .iter()
        .find(|(n, _, _)| *n == p)
        .copied()
        .unwrap_or((0, "?", ""));
    format!("{code}: {label}")
}

/// `WSE-LR1, WSE-LR3`: the codes of an action's priorities.
pub fn priorities_label(priorities: &[i16]) -> String {
    priorities
        .iter()
        .map(|p| priority_code(*p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `01/03/2026 - 30/06/2026`, or one date when the action lasts a day or has no end.
pub fn dates_label(starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> String {
    match ends_on {
        Some(e) if e != starts_on => format!("{} - {}", format::date(starts_on), format::date(e)),
        _ => format::date(starts_on),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "action_kind", rename_all = "snake_case")]
pub enum Kind {
    Opleiding,
    LerendNetwerk,
    Netwerkmoment,
    Vorming,
    Begeleiding,
    Sensibilisering,
    Omgevingsanalyse,
    Overleg,
    Ander,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Self::Opleiding,
        Self::LerendNetwerk,
        Self::Netwerkmoment,
        Self::Vorming,
        Self::Begeleiding,
        Self::Sensibilisering,
        Self::Omgevingsanalyse,
        Self::Overleg,
        Self::Ander,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Opleiding => "opleiding",
            Self::LerendNetwerk => "lerend_netwerk",
            Self::Netwerkmoment => "netwerkmoment",
            Self::Vorming => "vorming",
            Self::Begeleiding => "begeleiding",
            Self::Sensibilisering => "sensibilisering",
            Self::Omgevingsanalyse => "omgevingsanalyse",
            Self::Overleg => "overleg",
            Self::Ander => "ander",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LerendNetwerk => "lerend netwerk",
            other => other.code(),
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "action_status", rename_all = "snake_case")]
pub enum Status {
    Gepland,
    Lopend,
    Afgerond,
    Geannuleerd,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Self::Gepland,
        Self::Lopend,
        Self::Afgerond,
        Self::Geannuleerd,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Gepland => "gepland",
            Self::Lopend => "lopend",
            Self::Afgerond => "afgerond",
            Self::Geannuleerd => "geannuleerd",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "partner_kind", rename_all = "snake_case")]
pub enum PartnerKind {
    Vdab,
    Ocmw,
    SocialeEconomie,
    Werkgever,
    Onderwijs,
    Vereniging,
    Ander,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 7] = [
        Self::Vdab,
        Self::Ocmw,
        Self::SocialeEconomie,
        Self::Werkgever,
        Self::Onderwijs,
        Self::Vereniging,
        Self::Ander,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Vdab => "vdab",
            Self::Ocmw => "ocmw",
            Self::SocialeEconomie => "sociale_economie",
            Self::Werkgever => "werkgever",
            Self::Onderwijs => "onderwijs",
            Self::Vereniging => "vereniging",
            Self::Ander => "ander",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Vdab => "VDAB",
            Self::Ocmw => "OCMW",
            Self::SocialeEconomie => "sociale-economieonderneming",
            Self::Werkgever => "werkgever",
            Self::Onderwijs => "onderwijs",
            Self::Vereniging => "vereniging",
            Self::Ander => "ander",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Target groups: stored code and label. The database checks the codes too.
pub const TARGET_GROUPS: [(&str, &str); 10] = [
    ("leefloongerechtigden", "leefloongerechtigden"),
    ("niet_beroepsactieven", "niet-beroepsactieven"),
    ("werkzoekenden", "werkzoekenden"),
    ("kortgeschoolde_jongeren", "kortgeschoolde jongeren"),
    ("anderstaligen", "anderstaligen"),
    ("arbeidsbeperking", "personen met een arbeidsbeperking"),
    (
        "doelgroepmedewerkers_se",
        "doelgroepmedewerkers sociale economie",
    ),
    ("werkgevers", "werkgevers"),
    ("trajectbegeleiders", "trajectbegeleiders"),
    ("ander", "ander"),
];

pub fn target_group_label(code: &str) -> &'static str {
    TARGET_GROUPS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("?", |(_, label)| label)
}

/// Where an action comes from: entered by a person, or generated for a demo or a benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "data_origin", rename_all = "snake_case")]
pub enum Origin {
    Real,
    Demo,
    Synthetic,
}

impl Origin {
    /// A badge for lists and pages; real actions have none.
    pub fn label(self) -> &'static str {
        match self {
            Self::Real => "",
            Self::Demo => "demo",
            Self::Synthetic => "synthetisch",
        }
    }
}

/// A kind of entry in an action's history, stored as text in `action_changes.change`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Copied,
    Updated,
    Deleted,
    Restored,
}

impl Change {
    pub fn code(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Copied => "copied",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::Restored => "restored",
        }
    }

    /// Reads a stored code; anything unknown is shown as a change.
    pub fn parse(code: &str) -> Self {
        match code {
            "created" => Self::Created,
            "copied" => Self::Copied,
            "deleted" => Self::Deleted,
            "restored" => Self::Restored,
            _ => Self::Updated,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Created => "aangemaakt",
            Self::Copied => "overgenomen",
            Self::Updated => "gewijzigd",
            Self::Deleted => "verwijderd",
            Self::Restored => "hersteld",
        }
    }
}
