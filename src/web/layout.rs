//! What `base.html` needs on every page: title, navigation for the signed-in role, flash
//! messages and the CSRF token for the forms (the sign-out button among them).

use tower_sessions::Session;

use crate::error::Result;
use crate::identity::{CurrentUser, Role};
use crate::web::csrf;
use crate::web::flash::{self, Flash};

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct NavUser {
    pub full_name: String,
    pub role_label: &'static str,
    /// Unread notifications; the header links to `/meldingen` with this count.
    pub unread: i64,
}

pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub nav: Vec<NavLink>,
    pub flashes: Vec<Flash>,
    pub csrf_token: String,
}

impl Layout {
    /// A layout without user, navigation or session: error pages.
    pub fn bare(title: &str) -> Self {
        Self {
            title: title.to_string(),
            user: None,
            nav: Vec::new(),
            flashes: Vec::new(),
            csrf_token: String::new(),
        }
    }

    /// A layout for a page in the session of `user` (or of an anonymous visitor).
    pub async fn new(
        title: impl Into<String>,
        path: &str,
        user: Option<&CurrentUser>,
        session: &Session,
    ) -> Result<Self> {
        Ok(Self {
            title: title.into(),
            user: user.map(|u| NavUser {
                full_name: u.full_name.clone(),
                role_label: u.role.label(),
                unread: u.unread_notifications,
            }),
            nav: navigation(user.map(|u| u.role), path),
            flashes: flash::take(session).await?,
            csrf_token: csrf::token(session).await?,
        })
    }
}

/// The menu: only what the role may open, so nobody is shown a link that ends in 403.
fn navigation(role: Option<Role>, path: &str) -> Vec<NavLink> {
    let mut links: Vec<(&'static str, &'static str)> = Vec::new();
    match role {
        None => {}
        // A VDAB account manager reaches only the agreements (`auth::extract::vdab_may_open`).
        Some(Role::Vdab) => {
            links.push(("/", "Start"));
            links.push(("/samenwerkingsovereenkomsten", "Overeenkomsten"));
        }
        Some(role) => {
            links.push(("/", "Start"));
            links.push(("/acties", "Acties"));
            links.push(("/samenwerkingsovereenkomsten", "Overeenkomsten"));
            links.push(("/werkingsgebieden", "Werkingsgebieden"));
            links.push(("/dekking", "Dekking"));
            if role != Role::Regisseur {
                links.push(("/prioriteiten", "Prioriteiten"));
                links.push(("/aanstellingen", "Aanstellingen"));
                links.push(("/budget", "Budget"));
            }
            links.push(("/gemeenten", "Gemeenten"));
            if role == Role::Admin {
                links.push(("/admin/beleidsperiodes", "Periodes"));
                links.push(("/admin/gebruikers", "Gebruikers"));
                links.push(("/admin/audit", "Audit"));
            }
        }
    }
    links.push(("/over", "Over"));
    links
        .into_iter()
        .map(|(href, label)| NavLink {
            href,
            label,
            current: if href == "/" {
                path == "/"
            } else {
                path == href || path.starts_with(&format!("{href}/"))
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hrefs(role: Option<Role>) -> Vec<&'static str> {
        navigation(role, "/").iter().map(|l| l.href).collect()
    }

    #[test]
    fn only_admins_see_the_admin_links() {
        assert!(hrefs(Some(Role::Admin)).contains(&"/admin/gebruikers"));
        assert!(!hrefs(Some(Role::Ministry)).contains(&"/admin/gebruikers"));
        assert!(!hrefs(Some(Role::Regisseur)).contains(&"/admin/audit"));
        assert_eq!(hrefs(None), vec!["/over"]);
    }

    #[test]
    fn every_signed_in_role_sees_the_agreements_and_vdab_nothing_else() {
        for role in Role::ALL {
            assert!(hrefs(Some(role)).contains(&"/samenwerkingsovereenkomsten"));
        }
        let admin = hrefs(Some(Role::Admin));
        assert_eq!(
            admin[..3],
            ["/", "/acties", "/samenwerkingsovereenkomsten"],
            "after Acties"
        );
        assert_eq!(
            hrefs(Some(Role::Vdab)),
            vec!["/", "/samenwerkingsovereenkomsten", "/over"]
        );
    }

    #[test]
    fn the_current_section_is_marked() {
        let nav = navigation(Some(Role::Admin), "/gemeenten/11002");
        let current: Vec<_> = nav.iter().filter(|l| l.current).map(|l| l.href).collect();
        assert_eq!(current, vec!["/gemeenten"]);
    }
}
