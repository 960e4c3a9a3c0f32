//! The action form: read from the raw form body (checkbox groups repeat their name, which
//! serde's form decoding does not support), kept as typed text for re-rendering, and validated
//! into an [`ActionInput`] with a Dutch message per wrong field.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::db::Action;
use super::model::{Kind, PRIORITIES, PartnerKind, Status, TARGET_GROUPS};
use crate::web::forms::FieldErrors;
use crate::web::forms::parse_date;
use crate::web::money::{parse_euro, plain_euro};

/// Rows offered for partners on the form.
pub const PARTNER_ROWS: usize = 5;
const MAX_COUNT: i64 = 1_000_000;

/// What the user typed, kept as text so that a form with errors shows it again.
#[derive(Clone, Debug, Default)]
pub struct ActionForm {
    pub partnership_id: String,
    pub title: String,
    pub description: String,
    pub priorities: BTreeSet<String>,
    pub kind: String,
    pub target_groups: BTreeSet<String>,
    pub partners: Vec<(String, String)>,
    pub municipalities: BTreeSet<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
    /// (target group code, planned, reached)
    pub participants: Vec<(String, String, String)>,
    pub cost: String,
    pub results: String,
    pub version: String,
    pub idempotency_key: String,
}

impl ActionForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let one = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let many = |key: &str| -> BTreeSet<String> {
            pairs
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        };
        Self {
            partnership_id: one("partnership_id"),
            title: one("title"),
            description: one("description"),
            priorities: many("prioriteit"),
            kind: one("kind"),
            target_groups: many("doelgroep"),
            partners: (0..PARTNER_ROWS)
                .map(|i| {
                    (
                        one(&format!("partner_soort_{i}")),
                        one(&format!("partner_naam_{i}")),
                    )
                })
                .collect(),
            municipalities: many("gemeente"),
            starts_on: one("starts_on"),
            ends_on: one("ends_on"),
            status: one("status"),
            participants: TARGET_GROUPS
                .iter()
                .map(|(code, _)| {
                    (
                        code.to_string(),
                        one(&format!("gepland_{code}")),
                        one(&format!("bereikt_{code}")),
                    )
                })
                .collect(),
            cost: one("cost"),
            results: one("results"),
            version: one("version"),
            idempotency_key: one("idempotency_key"),
        }
    }

    /// The form as it would show a stored action.
    pub fn of(action: &Action) -> Self {
        let i = &action.input;
        Self {
            partnership_id: action.partnership_id.to_string(),
            title: i.title.clone(),
            description: i.description.clone(),
            priorities: i.priorities.iter().map(|p| p.to_string()).collect(),
            kind: i.kind.code().to_string(),
            target_groups: i.target_groups.iter().cloned().collect(),
            partners: i
                .partners
                .iter()
                .map(|(k, n)| (k.code().to_string(), n.clone()))
                .collect(),
            municipalities: i.municipalities.iter().cloned().collect(),
            starts_on: i.starts_on.to_string(),
            ends_on: i.ends_on.map(|d| d.to_string()).unwrap_or_default(),
            status: i.status.code().to_string(),
            participants: i
                .participants
                .iter()
                .map(|(c, p, r)| (c.clone(), p.to_string(), r.to_string()))
                .collect(),
            cost: i.cost_cents.map(plain_euro).unwrap_or_default(),
            results: i.results.clone(),
            version: action.version.to_string(),
            idempotency_key: String::new(),
        }
        .padded()
    }

    /// Fills the partner rows up to [`PARTNER_ROWS`] for the template.
    pub fn padded(mut self) -> Self {
        self.partners
            .resize(PARTNER_ROWS, (String::new(), String::new()));
        if self.participants.len() != TARGET_GROUPS.len() {
            self.participants = TARGET_GROUPS
                .iter()
                .map(|(code, _)| {
                    let existing = self.participants.iter().find(|(c, _, _)| c == code);
                    existing
                        .cloned()
                        .unwrap_or((code.to_string(), String::new(), String::new()))
                })
                .collect();
        }
        self
    }
}

/// A valid action, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionInput {
    pub title: String,
    pub description: String,
    pub priorities: Vec<i16>,
    pub kind: Kind,
    pub target_groups: Vec<String>,
    pub partners: Vec<(PartnerKind, String)>,
    pub municipalities: Vec<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub status: Status,
    pub participants: Vec<(String, i32, i32)>,
    pub cost_cents: Option<i64>,
    pub results: String,
}

fn count(errors: &mut FieldErrors, field: &'static str, value: &str) -> i32 {
    let value = value.trim();
    if value.is_empty() {
        return 0;
    }
    match value.parse::<i64>() {
        Ok(n) if (0..=MAX_COUNT).contains(&n) => n as i32,
        _ => {
            errors.add(field, "Vul een aantal in vanaf 0 (alleen cijfers).");
            0
        }
    }
}

fn long_text(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> String {
    let value = value.trim().to_string();
    if value.chars().count() > 10_000 {
        errors.add(
            field,
            format!("{label} mag hoogstens 10.000 tekens lang zijn."),
        );
    }
    value
}

/// What an action of one werkingsgebied may hold: the NIS codes of its municipalities and the
/// dates of its policy period (the action's dates lie within them, so it counts in the priority
/// check and the reports of that period).
#[derive(Clone, Debug)]
pub struct Scope {
    pub members: Vec<String>,
    pub period_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl Scope {
    /// Before a werkingsgebied is chosen: no municipality fits yet and any date the form takes.
    pub fn unchosen() -> Self {
        Self {
            members: Vec::new(),
            period_name: String::new(),
            starts_on: NaiveDate::MIN,
            ends_on: NaiveDate::MAX,
        }
    }

    /// The Dutch message for a date outside the policy period, naming it.
    fn outside(&self, which: &str) -> String {
        format!(
            "De {which} moet binnen de beleidsperiode {} van dit werkingsgebied liggen ({} tot en met {}).",
            self.period_name,
            crate::web::format::date(self.starts_on),
            crate::web::format::date(self.ends_on)
        )
    }

    fn holds(&self, day: NaiveDate) -> bool {
        (self.starts_on..=self.ends_on).contains(&day)
    }
}

/// Validates everything that does not need the database against the werkingsgebied's `scope`.
pub fn validate(form: &ActionForm, scope: &Scope) -> (Option<ActionInput>, FieldErrors) {
    let members = &scope.members;
    let mut errors = FieldErrors::new();
    let title = crate::web::forms::text(&mut errors, "title", "de titel", &form.title, 200);
    let description = long_text(
        &mut errors,
        "description",
        "De beschrijving",
        &form.description,
    );
    let results = long_text(&mut errors, "results", "De resultaten", &form.results);

    let priorities: Vec<i16> = PRIORITIES
        .iter()
        .map(|(n, _, _)| *n)
        .filter(|n| form.priorities.contains(&n.to_string()))
        .collect();
    if priorities.is_empty() || priorities.len() != form.priorities.len() {
        errors.add(
            "prioriteit",
            "Kies minstens één Vlaamse prioriteit (WSE-LR1 tot WSE-LR4).",
        );
    }
    let kind = Kind::parse(form.kind.trim());
    if kind.is_none() {
        errors.add("kind", "Kies de soort actie.");
    }
    let status = Status::parse(form.status.trim());
    if status.is_none() {
        errors.add("status", "Kies een status.");
    }
    let target_groups: Vec<String> = TARGET_GROUPS
        .iter()
        .map(|(c, _)| c.to_string())
        .filter(|c| form.target_groups.contains(c))
        .collect();
    if target_groups.len() != form.target_groups.len() {
        errors.add("doelgroep", "Kies doelgroepen uit de lijst.");
    }
    let municipalities: Vec<String> = form.municipalities.iter().cloned().collect();
    if municipalities.iter().any(|m| !members.contains(m)) {
        errors.add(
            "gemeente",
            "Kies alleen gemeenten van het eigen werkingsgebied.",
        );
    }

    let mut partners = Vec::new();
    for (i, (kind, name)) in form.partners.iter().enumerate() {
        let (kind, name) = (kind.trim(), name.trim());
        if kind.is_empty() && name.is_empty() {
            continue;
        }
        let field = [
            "partner_0",
            "partner_1",
            "partner_2",
            "partner_3",
            "partner_4",
        ][i];
        match PartnerKind::parse(kind) {
            None => errors.add(field, format!("Kies de soort van partner {}.", i + 1)),
            Some(_) if name.is_empty() => {
                errors.add(field, format!("Vul de naam van partner {} in.", i + 1))
            }
            Some(_) if name.chars().count() > 200 => errors.add(
                field,
                format!(
                    "De naam van partner {} mag hoogstens 200 tekens lang zijn.",
                    i + 1
                ),
            ),
            Some(k) => partners.push((k, name.to_string())),
        }
    }

    let starts_on = parse_date(&form.starts_on);
    if starts_on.is_none() {
        errors.add(
            "starts_on",
            "Vul een geldige begindatum in (dd/mm/jjjj), tussen 2000 en 2100.",
        );
    }
    let ends_on = if form.ends_on.trim().is_empty() {
        None
    } else {
        let parsed = parse_date(&form.ends_on);
        if parsed.is_none() {
            errors.add(
                "ends_on",
                "Vul een geldige einddatum in (dd/mm/jjjj), tussen 2000 en 2100, of laat ze leeg.",
            );
        }
        parsed
    };
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        errors.add(
            "ends_on",
            "De einddatum kan niet vóór de begindatum liggen.",
        );
    }
    if starts_on.is_some_and(|s| !scope.holds(s)) {
        errors.add("starts_on", scope.outside("begindatum"));
    }
    if ends_on.is_some_and(|e| !scope.holds(e)) && errors.get("ends_on").is_none() {
        errors.add("ends_on", scope.outside("einddatum"));
    }

    let cost_cents = if form.cost.trim().is_empty() {
        None
    } else {
        let parsed = parse_euro(&form.cost);
        if parsed.is_none() {
            errors.add(
                "cost",
                "Vul een bedrag in euro in, zoals 1.250,00 (niet negatief).",
            );
        }
        parsed
    };

    let mut participants = Vec::new();
    for (code, planned, reached) in &form.participants {
        let p = count(&mut errors, "deelnemers", planned);
        let r = count(&mut errors, "deelnemers", reached);
        if p > 0 || r > 0 {
            participants.push((code.clone(), p, r));
        }
    }

    let input = match (kind, status, starts_on) {
        (Some(kind), Some(status), Some(starts_on)) if errors.is_empty() => Some(ActionInput {
            title,
            description,
            priorities,
            kind,
            target_groups,
            partners,
            municipalities,
            starts_on,
            ends_on,
            status,
            participants,
            cost_cents,
            results,
        }),
        _ => None,
    };
    (input, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn scope() -> Scope {
        Scope {
            members: vec!["34022".to_string()],
            period_name: "2026-2031".into(),
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2031, 12, 31).unwrap(),
        }
    }

    fn valid() -> Vec<(String, String)> {
        pairs(&[
            ("title", "Lerend netwerk trajectbegeleiders"),
            ("prioriteit", "2"),
            ("prioriteit", "4"),
            ("kind", "lerend_netwerk"),
            ("status", "gepland"),
            ("starts_on", "2026-03-01"),
            ("doelgroep", "trajectbegeleiders"),
            ("gemeente", "34022"),
            ("partner_soort_0", "vdab"),
            ("partner_naam_0", "VDAB Kortrijk"),
            ("gepland_trajectbegeleiders", "12"),
            ("cost", "1.250,50"),
        ])
    }

    #[test]
    fn a_complete_form_becomes_an_action() {
        let form = ActionForm::from_pairs(&valid());
        let (input, errors) = validate(&form, &scope());
        assert!(errors.is_empty(), "{errors:?}");
        let input = input.unwrap();
        assert_eq!(input.priorities, vec![2, 4]);
        assert_eq!(input.cost_cents, Some(125_050));
        assert_eq!(
            input.partners,
            vec![(PartnerKind::Vdab, "VDAB Kortrijk".into())]
        );
        assert_eq!(
            input.participants,
            vec![("trajectbegeleiders".into(), 12, 0)]
        );
    }

    #[test]
    fn each_wrong_field_gets_its_own_message() {
        let mut p = valid();
        p.retain(|(k, _)| k != "prioriteit");
        p.push(("ends_on".into(), "2026-01-01".into()));
        p.push(("gepland_werkgevers".into(), "-3".into()));
        p.push(("gemeente".into(), "44021".into()));
        p.push(("partner_naam_1".into(), "zonder soort".into()));
        let form = ActionForm::from_pairs(&p);
        let (input, errors) = validate(&form, &scope());
        assert!(input.is_none());
        for field in [
            "prioriteit",
            "ends_on",
            "deelnemers",
            "gemeente",
            "partner_1",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn dates_outside_the_policy_period_are_refused_with_its_name() {
        let mut p = valid();
        p.retain(|(k, _)| k != "starts_on");
        p.push(("starts_on".into(), "01/05/2010".into()));
        p.push(("ends_on".into(), "2032-01-01".into()));
        let (input, errors) = validate(&ActionForm::from_pairs(&p), &scope());
        assert!(input.is_none());
        assert_eq!(
            errors.get("starts_on"),
            Some(
                "De begindatum moet binnen de beleidsperiode 2026-2031 van dit werkingsgebied \
                 liggen (01/01/2026 tot en met 31/12/2031)."
            )
        );
        assert!(
            errors
                .get("ends_on")
                .unwrap()
                .starts_with("De einddatum moet binnen")
        );
        let mut edge = valid();
        edge.push(("ends_on".into(), "2031-12-31".into()));
        assert!(
            validate(&ActionForm::from_pairs(&edge), &scope())
                .1
                .is_empty()
        );
    }

    #[test]
    fn euros_are_read_the_belgian_way() {
        assert_eq!(parse_euro("1.250,50"), Some(125_050));
        assert_eq!(parse_euro("€ 3.000.000"), Some(300_000_000));
        assert_eq!(parse_euro("1250.5"), Some(125_050));
        assert_eq!(parse_euro("250"), Some(25_000));
        assert_eq!(parse_euro("-5"), None);
        assert_eq!(parse_euro("veel"), None);
        assert_eq!(parse_euro("1,234"), None);
    }
}
