//! Who is asking: the roles, the signed-in user and where sign-in sends them back to.
//!
//! These types sit below both the web layer (the layout shows the user and their navigation,
//! an error sends a visitor to sign in) and the features (`auth` signs people in, `users`
//! manages accounts), so that neither has to import the other to name a user.

pub mod hashing;

use serde::{Deserialize, Serialize};

/// The sign-in page.
pub const LOGIN_PATH: &str = "/login";
/// A session ends this long after sign-in, however active it is.
pub const SESSION_ABSOLUTE_TIMEOUT: chrono::Duration = chrono::Duration::hours(12);
/// A session ends after this long without activity.
pub const SESSION_IDLE_TIMEOUT: time::Duration = time::Duration::hours(8);

/// What a user may do. Stored as the PostgreSQL enum `user_role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "user_role", rename_all = "lowercase")]
pub enum Role {
    Admin,
    Ministry,
    Regisseur,
    /// A VDAB account manager: reads the cooperation agreements of the werkingsgebieden assigned
    /// to them and adds progress notes and meeting minutes there; nothing else.
    Vdab,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Ministry, Role::Regisseur, Role::Vdab];

    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Ministry => "ministry",
            Self::Regisseur => "regisseur",
            Self::Vdab => "vdab",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Beheerder",
            Self::Ministry => "Departement WSE",
            Self::Regisseur => "Regisseur",
            Self::Vdab => "VDAB-accountmanager",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// Whether this role must sign in in two steps (ASVS level 2 for privileged users): admins
    /// and ministry staff, who reach all of Flanders. Regisseurs and VDAB account managers reach
    /// one or a few werkingsgebieden (for VDAB: their agreements, with contact names, minutes
    /// and signed PDFs) and may choose to.
    pub fn requires_two_step(self) -> bool {
        matches!(self, Self::Admin | Self::Ministry)
    }
}

/// The signed-in user, as the database knows them now.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user_id: i64,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub must_change_password: bool,
    /// Signs in with a code from an authenticator app as second step.
    pub two_step: bool,
    /// Notifications not yet read, for the header.
    pub unread_notifications: i64,
    /// The werkingsgebieden this user is the current regisseur of (an approved appointment
    /// running today), ascending. Read with the session; a write checks again in its
    /// transaction.
    pub own_partnerships: Vec<i64>,
}

impl CurrentUser {
    /// Whether this user is the current regisseur of `partnership_id`.
    pub fn is_regisseur_of(&self, partnership_id: i64) -> bool {
        self.role == Role::Regisseur && self.own_partnerships.binary_search(&partnership_id).is_ok()
    }
}

/// `next` if it is a path on this site, so a link cannot send a user elsewhere after sign-in.
pub fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    local.then_some(next)
}

/// The sign-in page, with a `next` parameter when there is somewhere to return to.
pub fn login_path_with_next(next: &str) -> String {
    match safe_next(next) {
        Some(next) if next != "/" => format!(
            "{LOGIN_PATH}?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ),
        _ => LOGIN_PATH.to_string(),
    }
}

/// A light check: something@domain.tld without spaces. The real proof is the user signing in.
pub fn is_plausible_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/gemeenten?q=gent"), Some("/gemeenten?q=gent"));
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("/a\nb"), None);
        assert_eq!(login_path_with_next("/"), "/login");
        assert_eq!(
            login_path_with_next("/gemeenten?q=a b"),
            "/login?next=%2Fgemeenten%3Fq%3Da+b"
        );
    }

    #[test]
    fn plausible_emails() {
        assert!(is_plausible_email("an.peeters@gent.be"));
        assert!(is_plausible_email(" an@gent.be "));
        assert!(!is_plausible_email("an.peeters"));
        assert!(!is_plausible_email("an@gent"));
        assert!(!is_plausible_email("an peeters@gent.be"));
        assert!(!is_plausible_email("@gent.be"));
        assert!(!is_plausible_email("a@b@gent.be"));
    }
}
