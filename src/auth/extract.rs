//! Extractors that say who is asking, and enforce it: a handler that takes [`SignedIn`] cannot
//! be reached signed out, one that takes [`AdminOnly`] not by another role. Access rules live
//! in handler signatures, where a reviewer sees them.

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::Method;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::audit::{self, Action};
use anyhow::Context;

use crate::error::{AppError, Result};
use crate::identity::{CurrentUser, Role, SESSION_ABSOLUTE_TIMEOUT};
use crate::state::AppState;
use crate::web::RequestContext;
use crate::web::layout::Layout;

use super::session_store::{LOADED_USER, LoadedUser};

/// Where the signed-in user is kept in the session.
pub(super) const SESSION_KEY: &str = "auth";
/// Set in a session signed in without two-step sign-in during the user's one sign-in of grace.
pub(super) const TWO_STEP_GRACE_KEY: &str = "two_step_grace";
/// How often activity is written back to the session store (each write extends the idle expiry).
const ACTIVITY_WRITE_INTERVAL: i64 = 5 * 60;

/// What the session remembers about its user. Everything else is read from the database on
/// each request, so a deactivation or role change takes effect at once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct SessionUser {
    pub user_id: i64,
    pub session_version: i32,
    pub signed_in_at: i64,
    pub last_seen_at: i64,
}

/// Any signed-in user who has set their own password.
pub struct SignedIn {
    pub user: CurrentUser,
    pub session: Session,
    pub ctx: RequestContext,
    pub method: String,
    pub path: String,
}

impl SignedIn {
    /// The page layout for this user and request.
    pub async fn layout(&self, title: impl Into<String>) -> Result<Layout> {
        Layout::new(title, &self.path, Some(&self.user), &self.session).await
    }
}

/// A signed-in user, also while they still must replace a one-time password.
pub struct SignedInPendingPassword(pub SignedIn);

/// A signed-in user with their own password, also while they still must set up two-step
/// sign-in (the enrolment page itself).
pub struct SignedInEnrolling(pub SignedIn);

/// An admin.
pub struct AdminOnly(pub SignedIn);

/// Ministry staff or an admin: who reviews across Flanders.
pub struct StaffOnly(pub SignedIn);

/// A visitor who may or may not be signed in (public pages).
pub struct MaybeSignedIn {
    pub user: Option<CurrentUser>,
    pub session: Session,
    pub path: String,
}

impl MaybeSignedIn {
    pub async fn layout(&self, title: impl Into<String>) -> Result<Layout> {
        Layout::new(title, &self.path, self.user.as_ref(), &self.session).await
    }
}

fn session_of(parts: &Parts) -> Result<Session> {
    parts
        .extensions
        .get::<Session>()
        .cloned()
        .context("session layer missing")
        .map_err(AppError::from)
}

/// Loads the session's user; ends the session if it timed out or the user may no longer use it.
async fn current_user(session: &Session) -> Result<Option<CurrentUser>> {
    let Some(mut remembered) = session.get::<SessionUser>(SESSION_KEY).await? else {
        return Ok(None);
    };
    let now = chrono::Utc::now().timestamp();
    if now - remembered.signed_in_at > SESSION_ABSOLUTE_TIMEOUT.num_seconds() {
        session.flush().await?;
        return Ok(None);
    }

    // Loaded with the session itself, in the same statement (`session_store`).
    let row: Option<LoadedUser> = session.get(LOADED_USER).await?;
    let Some(row) = row.filter(|r| {
        r.user_id == remembered.user_id
            && r.active
            && r.session_version == remembered.session_version
    }) else {
        session.flush().await?;
        return Ok(None);
    };

    if now - remembered.last_seen_at > ACTIVITY_WRITE_INTERVAL {
        remembered.last_seen_at = now;
        session.insert(SESSION_KEY, &remembered).await?;
    }
    Ok(Some(CurrentUser {
        user_id: row.user_id,
        email: row.email,
        full_name: row.full_name,
        role: row.role,
        must_change_password: row.must_change_password,
        two_step: row.two_step,
        unread_notifications: row.unread,
        own_partnerships: row.own_partnerships,
    }))
}

/// Where to come back to after signing in: the page asked for, for a GET.
fn return_path(parts: &Parts) -> String {
    if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string())
    } else {
        "/".to_string()
    }
}

impl FromRequestParts<AppState> for SignedInPendingPassword {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self> {
        let session = session_of(parts)?;
        let Some(user) = current_user(&session).await? else {
            return Err(AppError::Unauthorized {
                next: return_path(parts),
            });
        };
        Ok(Self(SignedIn {
            user,
            session,
            ctx: parts
                .extensions
                .get::<RequestContext>()
                .cloned()
                .unwrap_or_default(),
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
        }))
    }
}

impl FromRequestParts<AppState> for SignedInEnrolling {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let SignedInPendingPassword(signed_in) =
            SignedInPendingPassword::from_request_parts(parts, state).await?;
        if signed_in.user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(Self(signed_in))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let SignedInEnrolling(signed_in) =
            SignedInEnrolling::from_request_parts(parts, state).await?;
        let user = &signed_in.user;
        if user.role.requires_two_step()
            && !user.two_step
            && signed_in.session.get::<bool>(TWO_STEP_GRACE_KEY).await? != Some(true)
        {
            return Err(AppError::TwoStepEnrolmentRequired);
        }
        if user.role == Role::Vdab && !vdab_may_open(route_of(parts)) {
            return Err(deny(state, &signed_in).await);
        }
        Ok(signed_in)
    }
}

/// The route that answers this request (`/samenwerkingsovereenkomsten/{id}`), or the path when
/// no route matched: the handler is chosen by the route, so that is what a rule must judge.
fn route_of(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<MatchedPath>()
        .map_or(parts.uri.path(), MatchedPath::as_str)
}

/// The sections a VDAB account manager may open: the start page, the cooperation agreements
/// with their commitments, meetings and documents, and the account pages everyone needs.
///
/// An allowlist on purpose: VDAB is an outside partner who should see the agreements of the
/// werkingsgebieden assigned to them and nothing else, so a route added later is closed to them
/// until someone adds it here, instead of open until someone remembers to close it. Whether they
/// may see one agreement is decided further on, by `agreements::access`.
pub fn vdab_may_open(route: &str) -> bool {
    const SECTIONS: &[&str] = &[
        "/samenwerkingsovereenkomsten",
        "/engagementen",
        "/documenten",
        // Account pages (most take a weaker extractor and never get here; listed all the same
        // so that a change of extractor does not lock anyone out of their own account).
        "/login",
        "/logout",
        "/wachtwoord",
        "/wachtwoord-instellen",
        "/tweestapsverificatie",
        "/aanmelden",
        "/meldingen",
        "/over",
    ];
    route == "/"
        || SECTIONS.iter().any(|section| {
            route
                .strip_prefix(section)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

impl FromRequestParts<AppState> for AdminOnly {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        require_role(state, &signed_in, &[Role::Admin]).await?;
        Ok(Self(signed_in))
    }
}

impl FromRequestParts<AppState> for StaffOnly {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        require_role(state, &signed_in, &[Role::Admin, Role::Ministry]).await?;
        Ok(Self(signed_in))
    }
}

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self> {
        let session = session_of(parts)?;
        let user = current_user(&session).await?;
        Ok(Self {
            user,
            session,
            path: parts.uri.path().to_string(),
        })
    }
}

/// Refuses (403) and audits a user whose role is not in `allowed`.
async fn require_role(state: &AppState, signed_in: &SignedIn, allowed: &[Role]) -> Result<()> {
    if allowed.contains(&signed_in.user.role) {
        return Ok(());
    }
    Err(deny(state, signed_in).await)
}

/// Audits a refused request and returns the 403 error; for object-level checks in handlers
/// (a regisseur asking for another werkingsgebied) as well as role checks.
pub async fn deny(state: &AppState, signed_in: &SignedIn) -> AppError {
    let recorded = audit::Entry::new(Action::AccessDenied)
        .actor(&signed_in.user)
        .details(serde_json::json!({ "method": signed_in.method, "path": signed_in.path }))
        .record(&state.db, &signed_in.ctx)
        .await;
    match recorded {
        Ok(()) => AppError::Forbidden,
        Err(err) => err,
    }
}

#[cfg(test)]
mod tests {
    use super::vdab_may_open;

    #[test]
    fn a_vdab_account_manager_may_open_only_the_agreements_and_their_own_account() {
        for open in [
            "/",
            "/samenwerkingsovereenkomsten",
            "/samenwerkingsovereenkomsten/{id}",
            "/samenwerkingsovereenkomsten/export.csv",
            "/engagementen/{id}/voortgang",
            "/documenten/{id}",
            "/wachtwoord",
            "/tweestapsverificatie",
            "/aanmelden/code",
            "/logout",
            "/over",
        ] {
            assert!(vdab_may_open(open), "{open} is open");
        }
        for closed in [
            "/acties",
            "/acties/{id}",
            "/werkingsgebieden/{id}",
            "/gemeenten",
            "/dekking",
            "/prioriteiten",
            "/aanstellingen",
            "/admin/gebruikers",
            "/admin/gebruikers/{id}/tweestapsverificatie-wissen",
            "/admin/audit",
            // A section's name is a whole path segment, not a prefix of one.
            "/samenwerkingsovereenkomstenlijst",
            "/documentenbeheer",
            "",
        ] {
            assert!(!vdab_may_open(closed), "{closed} is closed");
        }
    }
}
