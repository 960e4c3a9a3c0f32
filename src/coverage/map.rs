//! A map of Flanders as server-rendered SVG, from the seeds' GeoJSON boundaries: no tiles, no
//! scripts, no internet. Shapes are projected once per municipality list and reference version.
//!
//! The shapes themselves are one SVG document per municipality list, `GET /kaart/{vintage}.svg`
//! ([`document`]), with the version of its content in the URL so browsers keep it for good.
//! A page's map only points at each shape (`<use href="…#m44021" fill="…">`) with its colour
//! and title: about 35 KB per map instead of 280 KB, and no geometry to escape per request.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::compute::Municipality;
use crate::error::{AppError, Result};
use crate::reference::Reference;
use crate::state::AppState;

/// Width of the SVG's coordinate system; the height follows from Flanders' shape.
const WIDTH: f64 = 1200.0;

pub struct Shape {
    pub nis_code: String,
    pub name: String,
    /// SVG path data in whole units.
    pub d: String,
}

pub struct MapGeometry {
    pub width: i64,
    pub height: i64,
    pub shapes: Vec<Shape>,
    /// Municipalities that touch (share a boundary point), as pairs of indices into `shapes`,
    /// lower first, each once. The seeds' boundaries were simplified with their topology kept,
    /// so neighbours share their border's points exactly.
    pub borders: Vec<(usize, usize)>,
    /// The shapes as one SVG document, each path with the id `m{nis_code}`.
    pub document: Bytes,
    /// Where pages find [`Self::document`]: `/kaart/{vintage}.svg?v={digest}`.
    pub href: String,
    /// The start of the document's SHA-256 in hex: the version in `href` and the ETag.
    pub digest: String,
}

/// The projected map of a municipality list, from the reference cache: built once per list
/// and reference version (the boundaries come with the seeds).
pub async fn geometry(
    reference: &Reference,
    db: &PgPool,
    vintage: &str,
) -> Result<Arc<MapGeometry>> {
    reference
        .get_or_load(format!("map:{vintage}"), || async {
            let rows = sqlx::query!(
                r#"select nis_code, name_nl, boundary as "boundary!" from municipalities
                   where vintage = $1 and boundary is not null order by nis_code"#,
                vintage
            )
            .fetch_all(db)
            .await?;
            Ok(project(
                vintage,
                rows.into_iter()
                    .map(|r| (r.nis_code, r.name_nl, r.boundary))
                    .collect(),
            ))
        })
        .await
}

/// A closed line of (longitude, latitude) points.
type Ring = Vec<(f64, f64)>;

/// The rings of a Polygon or MultiPolygon.
fn rings(geometry: &serde_json::Value) -> Vec<Ring> {
    let ring = |r: &serde_json::Value| -> Ring {
        r.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect()
    };
    let coords = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Polygon") => coords.as_array().into_iter().flatten().map(ring).collect(),
        Some("MultiPolygon") => coords
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|poly| poly.as_array().into_iter().flatten().map(ring))
            .collect(),
        _ => Vec::new(),
    }
}

/// Projects WGS84 boundaries onto the SVG plane: an equirectangular projection scaled by the
/// cosine of the mean latitude, which is accurate enough for a region of 200 km.
pub fn project(vintage: &str, features: Vec<(String, String, serde_json::Value)>) -> MapGeometry {
    let all: Vec<(String, String, Vec<Ring>)> = features
        .into_iter()
        .map(|(nis, name, g)| (nis, name, rings(&g)))
        .collect();
    let points = all.iter().flat_map(|(_, _, r)| r.iter().flatten());
    let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(lon, lat) in points {
        min_lon = min_lon.min(lon);
        max_lon = max_lon.max(lon);
        min_lat = min_lat.min(lat);
        max_lat = max_lat.max(lat);
    }
    if min_lon > max_lon {
        return MapGeometry::new(vintage, WIDTH as i64, 1, Vec::new(), Vec::new());
    }
    let x_scale = ((min_lat + max_lat) / 2.0).to_radians().cos();
    let scale = WIDTH / ((max_lon - min_lon) * x_scale);
    let height = ((max_lat - min_lat) * scale).ceil() as i64;
    let borders = borders(&all);
    let shapes = all
        .into_iter()
        .map(|(nis_code, name, rings)| {
            let mut d = String::new();
            for ring in rings {
                let mut last: Option<(i64, i64)> = None;
                for (lon, lat) in ring {
                    let p = (
                        ((lon - min_lon) * x_scale * scale).round() as i64,
                        ((max_lat - lat) * scale).round() as i64,
                    );
                    // Points that fall on the same unit add nothing visible.
                    if last == Some(p) {
                        continue;
                    }
                    let command = if last.is_none() { 'M' } else { 'L' };
                    let _ = write!(d, "{command}{} {}", p.0, p.1);
                    last = Some(p);
                }
                if last.is_some() {
                    d.push('Z');
                }
            }
            Shape { nis_code, name, d }
        })
        .collect();
    MapGeometry::new(vintage, WIDTH as i64, height, shapes, borders)
}

impl MapGeometry {
    fn new(
        vintage: &str,
        width: i64,
        height: i64,
        shapes: Vec<Shape>,
        borders: Vec<(usize, usize)>,
    ) -> Self {
        // Plain grey for whoever opens the file itself; a page's `<use>` gives each shape its
        // fill (the paths carry none of their own, so they take the `<use>` element's).
        let mut svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" fill="{UNCOVERED}" stroke="#ffffff">"##
        );
        for shape in &shapes {
            // NIS codes are digits and path data is digits, spaces and letters: nothing to
            // escape.
            let _ = write!(svg, r#"<path id="m{}" d="{}"/>"#, shape.nis_code, shape.d);
        }
        svg.push_str("</svg>\n");
        let digest: String = Sha256::digest(svg.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Self {
            width,
            height,
            shapes,
            borders,
            document: Bytes::from(svg),
            href: format!("/kaart/{vintage}.svg?v={digest}"),
            digest,
        }
    }
}

/// `GET /kaart/{vintage}.svg`: the shapes of a municipality list that a policy period uses.
/// Public, like the boundaries it comes from. Kept for a year (`immutable`) when asked for
/// by the version in `?v=`, since a new version has a new URL; revalidated otherwise.
pub async fn document(
    State(state): State<AppState>,
    reference: Reference,
    Path(file): Path<String>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response> {
    let vintage = file.strip_suffix(".svg").ok_or(AppError::NotFound)?;
    // Only a list a period uses: the cache key must be a value the database knows.
    let periods = reference.periods(&state.db).await?;
    let vintage = &periods
        .iter()
        .find(|p| p.vintage == vintage)
        .ok_or(AppError::NotFound)?
        .vintage;
    let map = geometry(&reference, &state.db, vintage).await?;
    let etag = format!("\"{}\"", map.digest);
    let current = query.as_deref() == Some(&format!("v={}", map.digest));
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let headers_out = [
        (header::CACHE_CONTROL, cache.to_string()),
        (header::ETAG, etag.clone()),
    ];
    if headers.get(header::IF_NONE_MATCH).is_some_and(|tags| {
        tags.as_bytes()
            .split(|&b| b == b',')
            .any(|t| t.trim_ascii() == etag.as_bytes())
    }) {
        return Ok((StatusCode::NOT_MODIFIED, headers_out).into_response());
    }
    Ok((
        headers_out,
        [(header::CONTENT_TYPE, "image/svg+xml")],
        map.document.clone(),
    )
        .into_response())
}

/// The pairs of features that share a point (to the seeds' 5 decimals): one pass over the
/// points, so cheap enough to do with the projection.
fn borders(features: &[(String, String, Vec<Ring>)]) -> Vec<(usize, usize)> {
    let mut at: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, (_, _, rings)) in features.iter().enumerate() {
        for &(lon, lat) in rings.iter().flatten() {
            let key = ((lon * 1e5).round() as i64, (lat * 1e5).round() as i64);
            let here = at.entry(key).or_default();
            // A feature's points come one after the other, so a repeat is always the last.
            if here.last() != Some(&i) {
                here.push(i);
            }
        }
    }
    let mut pairs = BTreeSet::new();
    for here in at.values() {
        for (n, &a) in here.iter().enumerate() {
            for &b in &here[n + 1..] {
                pairs.insert((a.min(b), a.max(b)));
            }
        }
    }
    pairs.into_iter().collect()
}

pub const UNCOVERED: &str = "#e5e7eb";

/// The map as a page shows it (`coverage/map.html`): one filled, titled shape per municipality
/// and a legend beneath.
pub struct MapView {
    pub width: i64,
    pub height: i64,
    /// The SVG document of the shapes ([`MapGeometry::href`]).
    pub href: String,
    pub shapes: Vec<MapShape>,
    pub legend: Vec<LegendItem>,
}

pub struct MapShape {
    /// The municipality: its shape in the document is `#m{nis_code}`.
    pub nis_code: String,
    pub fill: &'static str,
    /// The shape's title: `Gent (44021): niet gedekt`.
    pub label: String,
}

pub struct LegendItem {
    pub fill: &'static str,
    pub label: String,
}

impl MapView {
    /// Paints `geometry`: `paint` gives each of `municipalities` its fill and the words after its
    /// name in the title. A shape without a municipality (none: the map and the list come from
    /// the same table) is shown as not covered.
    pub fn paint<'a>(
        geometry: &MapGeometry,
        municipalities: &[Municipality],
        paint: impl Fn(&Municipality) -> (&'static str, &'a str),
        legend: Vec<LegendItem>,
    ) -> Self {
        let by_nis: HashMap<&str, &Municipality> = municipalities
            .iter()
            .map(|m| (m.nis_code.as_str(), m))
            .collect();
        let shapes = geometry
            .shapes
            .iter()
            .map(|shape| {
                let (fill, state) = by_nis
                    .get(shape.nis_code.as_str())
                    .map_or((UNCOVERED, "niet gedekt"), |m| paint(m));
                MapShape {
                    nis_code: shape.nis_code.clone(),
                    fill,
                    label: format!("{} ({}): {state}", shape.name, shape.nis_code),
                }
            })
            .collect();
        Self {
            width: geometry.width,
            height: geometry.height,
            href: geometry.href.clone(),
            shapes,
            legend,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_becomes_one_closed_path_scaled_to_the_width() {
        let square = serde_json::json!({
            "type": "Polygon",
            "coordinates": [[[4.0, 51.0], [5.0, 51.0], [5.0, 50.0], [4.0, 50.0], [4.0, 51.0]]]
        });
        let map = project("2025", vec![("1".into(), "A".into(), square)]);
        assert_eq!(map.shapes.len(), 1);
        let d = &map.shapes[0].d;
        assert!(d.starts_with("M0 0L1200 0"), "{d}");
        assert!(d.ends_with('Z'));
        assert_eq!(d.matches('M').count(), 1);
        // One degree of latitude is longer than one of longitude at 50.5° N.
        assert!(map.height > 1200);
    }

    #[test]
    fn each_shape_is_painted_by_its_municipality_and_titled_with_its_state() {
        let square = serde_json::json!({
            "type": "Polygon",
            "coordinates": [[[4.0, 51.0], [5.0, 51.0], [5.0, 50.0], [4.0, 51.0]]]
        });
        let geometry = project(
            "2025",
            vec![
                ("11002".into(), "Antwerpen".into(), square.clone()),
                ("44021".into(), "Gent".into(), square),
            ],
        );
        let antwerpen = Municipality {
            nis_code: "11002".into(),
            name: "Antwerpen".into(),
            province: "Antwerpen".into(),
            population: 1,
            partnership_id: Some(1),
        };
        let view = MapView::paint(
            &geometry,
            &[antwerpen],
            |_| ("#123456", "Regio"),
            Vec::new(),
        );
        assert_eq!(view.shapes[0].fill, "#123456");
        assert_eq!(view.shapes[0].label, "Antwerpen (11002): Regio");
        assert_eq!(view.shapes[1].fill, UNCOVERED);
        assert_eq!(view.shapes[1].label, "Gent (44021): niet gedekt");
        assert_eq!(view.shapes[1].nis_code, "44021");
        assert_eq!(view.href, geometry.href);
    }

    #[test]
    fn the_document_holds_every_shape_by_id_and_its_url_changes_with_its_content() {
        let square = |x: f64| {
            serde_json::json!({
                "type": "Polygon",
                "coordinates": [[[x, 51.0], [x + 1.0, 51.0], [x + 1.0, 50.0], [x, 51.0]]]
            })
        };
        let one = project(
            "2025",
            vec![("11002".into(), "Antwerpen".into(), square(4.0))],
        );
        let svg = std::str::from_utf8(&one.document).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(&format!(r#"<path id="m11002" d="{}"/>"#, one.shapes[0].d)));
        assert_eq!(one.href, format!("/kaart/2025.svg?v={}", one.digest));
        assert_eq!(one.digest.len(), 16);
        let two = project(
            "2025",
            vec![
                ("11002".into(), "Antwerpen".into(), square(4.0)),
                ("44021".into(), "Gent".into(), square(3.0)),
            ],
        );
        assert!(
            std::str::from_utf8(&two.document)
                .unwrap()
                .contains(r#"id="m44021""#)
        );
        assert_ne!(one.href, two.href);
    }

    #[test]
    fn shapes_that_share_a_point_are_neighbours_and_others_not() {
        let square = |x: f64| {
            serde_json::json!({
                "type": "Polygon",
                "coordinates": [[[x, 51.0], [x + 1.0, 51.0], [x + 1.0, 50.0], [x, 50.0], [x, 51.0]]]
            })
        };
        let map = project(
            "2025",
            vec![
                ("1".into(), "A".into(), square(4.0)),
                ("2".into(), "B".into(), square(5.0)),
                ("3".into(), "C".into(), square(7.0)),
            ],
        );
        assert_eq!(map.borders, [(0, 1)]);
    }

    #[test]
    fn multipolygons_give_one_subpath_per_ring() {
        let two = serde_json::json!({
            "type": "MultiPolygon",
            "coordinates": [
                [[[4.0, 51.0], [4.5, 51.0], [4.5, 50.5], [4.0, 51.0]]],
                [[[5.0, 50.0], [5.5, 50.0], [5.5, 50.5], [5.0, 50.0]]]
            ]
        });
        let map = project("2025", vec![("1".into(), "A".into(), two)]);
        assert_eq!(map.shapes[0].d.matches('M').count(), 2);
    }
}
