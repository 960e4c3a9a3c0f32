//! The vocabulary of VDAB agreements: statuses and which may follow which, VDAB's three
//! objectives, the sides that own a commitment, commitment statuses and document kinds, each
//! with its stored code and its Dutch label.

use serde::Serialize;

/// Where an agreement stands. Stored as the PostgreSQL enum `agreement_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[sqlx(type_name = "agreement_status", rename_all = "snake_case")]
pub enum AgreementStatus {
    Ontwerp,
    Onderhandeld,
    Goedgekeurd,
    Ondertekend,
    InOpvolging,
    Geevalueerd,
    Stopgezet,
}

impl AgreementStatus {
    pub const ALL: [AgreementStatus; 7] = [
        Self::Ontwerp,
        Self::Onderhandeld,
        Self::Goedgekeurd,
        Self::Ondertekend,
        Self::InOpvolging,
        Self::Geevalueerd,
        Self::Stopgezet,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Ontwerp => "ontwerp",
            Self::Onderhandeld => "onderhandeld",
            Self::Goedgekeurd => "goedgekeurd",
            Self::Ondertekend => "ondertekend",
            Self::InOpvolging => "in_opvolging",
            Self::Geevalueerd => "geevalueerd",
            Self::Stopgezet => "stopgezet",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Ontwerp => "ontwerp",
            Self::Onderhandeld => "onderhandeld",
            Self::Goedgekeurd => "goedgekeurd door de raad",
            Self::Ondertekend => "ondertekend",
            Self::InOpvolging => "in opvolging",
            Self::Geevalueerd => "geëvalueerd",
            Self::Stopgezet => "stopgezet",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// The status one step further, if there is one. Stopping is not a step: see
    /// [`Self::may_become`].
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Ontwerp => Some(Self::Onderhandeld),
            Self::Onderhandeld => Some(Self::Goedgekeurd),
            Self::Goedgekeurd => Some(Self::Ondertekend),
            Self::Ondertekend => Some(Self::InOpvolging),
            Self::InOpvolging => Some(Self::Geevalueerd),
            Self::Geevalueerd | Self::Stopgezet => None,
        }
    }

    /// Whether `to` may follow this status: the next step, or stopped from any status but
    /// stopped. The same rule as `agreement_transition_allowed` in the database.
    pub fn may_become(self, to: Self) -> bool {
        self.next() == Some(to) || (to == Self::Stopgezet && self != Self::Stopgezet)
    }

    /// Signed, or further along the way: the agreement binds with a signing date and a signed
    /// document.
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            Self::Ondertekend | Self::InOpvolging | Self::Geevalueerd
        )
    }
}

/// VDAB's three strategic objectives of its management plan 2020-2025, stored as 1..3. Every
/// agreement turns them into commitments.
pub const OBJECTIVES: [(i16, &str); 3] = [
    (1, "Elk talent telt"),
    (2, "Perspectief op talent voor elke werkgever"),
    (
        3,
        "Loopbaanperspectief en loopbaaneigenaarschap voor elke burger",
    ),
];

pub fn objective_label(objective: i16) -> &'static str {
    OBJECTIVES
        .iter()
        .find(|(n, _)| *n == objective)
        .map_or("?", |(_, label)| label)
}

/// Who carries a commitment. Stored as `commitment_side`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "commitment_side", rename_all = "snake_case")]
pub enum CommitmentSide {
    LokaalBestuur,
    Vdab,
    Beide,
}

impl CommitmentSide {
    pub const ALL: [CommitmentSide; 3] = [Self::LokaalBestuur, Self::Vdab, Self::Beide];

    pub fn code(self) -> &'static str {
        match self {
            Self::LokaalBestuur => "lokaal_bestuur",
            Self::Vdab => "vdab",
            Self::Beide => "beide",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LokaalBestuur => "lokaal bestuur",
            Self::Vdab => "VDAB",
            Self::Beide => "beide",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }
}

/// How far a commitment is. Stored as `commitment_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "commitment_status", rename_all = "snake_case")]
pub enum CommitmentStatus {
    Gepland,
    Lopend,
    Gerealiseerd,
    NietGerealiseerd,
}

impl CommitmentStatus {
    pub const ALL: [CommitmentStatus; 4] = [
        Self::Gepland,
        Self::Lopend,
        Self::Gerealiseerd,
        Self::NietGerealiseerd,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Gepland => "gepland",
            Self::Lopend => "lopend",
            Self::Gerealiseerd => "gerealiseerd",
            Self::NietGerealiseerd => "niet_gerealiseerd",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Gepland => "gepland",
            Self::Lopend => "lopend",
            Self::Gerealiseerd => "gerealiseerd",
            Self::NietGerealiseerd => "niet gerealiseerd",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// Still open: a commitment in this status past its deadline is overdue.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Gepland | Self::Lopend)
    }
}

/// What an uploaded PDF is. Stored as `agreement_document_kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "agreement_document_kind", rename_all = "snake_case")]
pub enum DocumentKind {
    OndertekendeOvereenkomst,
    Raadsbeslissing,
    Ander,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] = [
        Self::OndertekendeOvereenkomst,
        Self::Raadsbeslissing,
        Self::Ander,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::OndertekendeOvereenkomst => "ondertekende_overeenkomst",
            Self::Raadsbeslissing => "raadsbeslissing",
            Self::Ander => "ander",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OndertekendeOvereenkomst => "ondertekende overeenkomst",
            Self::Raadsbeslissing => "beslissing van de gemeenteraad",
            Self::Ander => "ander document",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_move_one_step_forward_or_stop() {
        use AgreementStatus::*;
        let allowed: Vec<(AgreementStatus, AgreementStatus)> = AgreementStatus::ALL
            .into_iter()
            .flat_map(|from| AgreementStatus::ALL.into_iter().map(move |to| (from, to)))
            .filter(|(from, to)| from.may_become(*to))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Ontwerp, Onderhandeld),
                (Ontwerp, Stopgezet),
                (Onderhandeld, Goedgekeurd),
                (Onderhandeld, Stopgezet),
                (Goedgekeurd, Ondertekend),
                (Goedgekeurd, Stopgezet),
                (Ondertekend, InOpvolging),
                (Ondertekend, Stopgezet),
                (InOpvolging, Geevalueerd),
                (InOpvolging, Stopgezet),
                (Geevalueerd, Stopgezet),
            ]
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in AgreementStatus::ALL {
            assert_eq!(AgreementStatus::parse(s.code()), Some(s));
        }
        for s in CommitmentSide::ALL {
            assert_eq!(CommitmentSide::parse(s.code()), Some(s));
        }
        for s in CommitmentStatus::ALL {
            assert_eq!(CommitmentStatus::parse(s.code()), Some(s));
        }
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.code()), Some(k));
        }
    }
}
