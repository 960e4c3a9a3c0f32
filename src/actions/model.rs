//! The vocabulary of actions: priorities, kinds, statuses, target groups and partner kinds,
//! each with its stored code and its Dutch label.

use serde::Serialize;

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
