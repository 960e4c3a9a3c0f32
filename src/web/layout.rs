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
    /// The entries of a group (a drop-down in the header); the group's own `href` is then only
    /// the common prefix of its entries, never a link.
    pub children: Vec<NavLink>,
}

impl NavLink {
    fn new(href: &'static str, label: &'static str, path: &str) -> Self {
        Self {
            href,
            label,
            current: if href == "/" {
                path == "/"
            } else {
                path == href || path.starts_with(&format!("{href}/"))
            },
            children: Vec::new(),
        }
    }

    /// A group of links under one label, current when one of them is.
    fn group(label: &'static str, prefix: &'static str, children: Vec<NavLink>) -> Self {
        Self {
            href: prefix,
            label,
            current: children.iter().any(|c| c.current),
            children,
        }
    }
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

/// The menu: only what the role may open, so nobody is shown a link that ends in 403. The
/// admin pages sit in one "Beheer" group, so the header stays one line wide.
fn navigation(role: Option<Role>, path: &str) -> Vec<NavLink> {
    let link = |href, label| NavLink::new(href, label, path);
    let mut links: Vec<NavLink> = Vec::new();
    match role {
        None => {}
        // A VDAB account manager reaches only the agreements (`auth::extract::vdab_may_open`).
        Some(Role::Vdab) => {
            links.push(link("/", "Start"));
            links.push(link("/samenwerkingsovereenkomsten", "Overeenkomsten"));
        }
        Some(role) => {
            // Ministry staff start on the dashboard (`/` sends them there).
            if role != Role::Ministry {
                links.push(link("/", "Start"));
            }
            if role != Role::Regisseur {
                links.push(link("/overzicht", "Overzicht"));
            }
            links.push(link("/jaarrapporten", "Jaarrapporten"));
            links.push(link("/acties", "Acties"));
            links.push(link("/samenwerkingsovereenkomsten", "Overeenkomsten"));
            links.push(link("/werkingsgebieden", "Werkingsgebieden"));
            links.push(link("/dekking", "Dekking"));
            if role != Role::Regisseur {
                links.push(link("/prioriteiten", "Prioriteiten"));
                links.push(link("/aanstellingen", "Aanstellingen"));
                links.push(link("/budget", "Budget"));
            }
            links.push(link("/gemeenten", "Gemeenten"));
            if role == Role::Admin {
                links.push(NavLink::group(
                    "Beheer",
                    "/admin",
                    vec![
                        link("/admin/beleidsperiodes", "Periodes"),
                        link("/admin/indiendata", "Indiendata"),
                        link("/admin/gebruikers", "Gebruikers"),
                        link("/admin/uitgaande-post", "Uitgaande post"),
                        link("/admin/kwaliteit", "Datakwaliteit"),
                        link("/admin/audit", "Audit"),
                    ],
                ));
            }
        }
    }
    links.push(link("/over", "Over"));
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every link the role sees, those in groups included (not the groups themselves).
    fn hrefs(role: Option<Role>) -> Vec<&'static str> {
        navigation(role, "/")
            .iter()
            .flat_map(|l| {
                if l.children.is_empty() {
                    vec![l.href]
                } else {
                    l.children.iter().map(|c| c.href).collect()
                }
            })
            .collect()
    }

    #[test]
    fn only_admins_see_the_admin_links() {
        for href in [
            "/admin/gebruikers",
            "/admin/indiendata",
            "/admin/uitgaande-post",
            "/admin/kwaliteit",
        ] {
            assert!(hrefs(Some(Role::Admin)).contains(&href));
            assert!(!hrefs(Some(Role::Ministry)).contains(&href));
            assert!(!hrefs(Some(Role::Regisseur)).contains(&href));
        }
        assert_eq!(hrefs(None), vec!["/over"]);
    }

    #[test]
    fn the_admin_pages_are_one_group_so_the_header_stays_narrow() {
        let nav = navigation(Some(Role::Admin), "/admin/audit");
        let groups: Vec<_> = nav.iter().filter(|l| !l.children.is_empty()).collect();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].label, "Beheer");
        assert!(groups[0].current, "the group of the current page is marked");
        assert!(nav.iter().all(|l| !l.href.starts_with("/admin/")));
        assert!(nav.len() <= 13, "{} entries", nav.len());
    }

    #[test]
    fn ministry_staff_start_on_the_dashboard_and_regisseurs_do_not_see_it() {
        let ministry = hrefs(Some(Role::Ministry));
        assert_eq!(ministry[..2], ["/overzicht", "/jaarrapporten"]);
        assert!(!ministry.contains(&"/"));
        let admin = hrefs(Some(Role::Admin));
        assert_eq!(admin[..3], ["/", "/overzicht", "/jaarrapporten"]);
        let regisseur = hrefs(Some(Role::Regisseur));
        assert_eq!(regisseur[..2], ["/", "/jaarrapporten"]);
        assert!(!regisseur.contains(&"/overzicht"));
    }

    #[test]
    fn every_signed_in_role_sees_the_agreements_and_vdab_nothing_else() {
        for role in Role::ALL {
            assert!(hrefs(Some(role)).contains(&"/samenwerkingsovereenkomsten"));
        }
        let admin = hrefs(Some(Role::Admin));
        assert_eq!(
            admin[3..5],
            ["/acties", "/samenwerkingsovereenkomsten"],
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
