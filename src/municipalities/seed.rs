//! Loads the reference data in `seeds/` (built from the sourced files in `shared/data/`, see
//! `seeds/SOURCES.md`): the municipalities of 2019-2024 and of 2025, their population, the 2025
//! mergers and the boundaries.
//!
//! The files are compiled into the binary. Loading is idempotent: a hash of the files is kept in
//! `seed_runs`, so a start with unchanged seeds writes nothing, and changed seeds are upserted.

use std::collections::HashMap;

use anyhow::{Context, bail};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub const VINTAGE_2019: &str = "2019-2024";
pub const VINTAGE_2025: &str = "2025";

const MUNICIPALITIES_2019: &str = include_str!("../../seeds/municipalities_2019_2024.csv");
const MUNICIPALITIES_2025: &str = include_str!("../../seeds/municipalities_2025.csv");
const MERGERS_2025: &str = include_str!("../../seeds/mergers_2025.csv");
const BOUNDARIES_2019: &str = include_str!("../../seeds/municipalities_2019_2024.geojson");
const BOUNDARIES_2025: &str = include_str!("../../seeds/municipalities_2025.geojson");
const CENTRE_CITIES: &str = include_str!("../../seeds/centrumsteden.csv");

const SEED_NAME: &str = "reference_municipalities";

#[derive(Deserialize)]
struct MunicipalityRecord {
    nis_code: String,
    name_nl: String,
    province: String,
    province_nis: String,
    arrondissement: String,
    arrondissement_nis: String,
    population: i32,
    population_year: i16,
    #[serde(default)]
    population_note: Option<String>,
}

#[derive(Deserialize)]
struct MergerRecord {
    nis_code_2019_2024: String,
    nis_code_2025: String,
}

#[derive(Deserialize)]
struct CentreCityRecord {
    nis_code_2019_2024: String,
    nis_code_2025: String,
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: FeatureProperties,
    geometry: serde_json::Value,
}

#[derive(Deserialize)]
struct FeatureProperties {
    nis_code: String,
}

/// A hash over every seed file, so a change to any of them is noticed.
pub fn content_hash() -> String {
    let mut hasher = Sha256::new();
    for part in [
        MUNICIPALITIES_2019,
        MUNICIPALITIES_2025,
        MERGERS_2025,
        BOUNDARIES_2019,
        BOUNDARIES_2025,
        CENTRE_CITIES,
    ] {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    data_encoding::HEXLOWER.encode(&hasher.finalize())
}

fn read_csv<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> anyhow::Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .with_context(|| format!("seeds/{name} is not valid"))
}

fn read_boundaries(name: &str, text: &str) -> anyhow::Result<HashMap<String, String>> {
    let collection: FeatureCollection =
        serde_json::from_str(text).with_context(|| format!("seeds/{name} is not valid GeoJSON"))?;
    Ok(collection
        .features
        .into_iter()
        .map(|f| (f.properties.nis_code, f.geometry.to_string()))
        .collect())
}

/// Loads the seeds unless the same files were loaded before. Returns whether it wrote anything.
pub async fn load(db: &PgPool) -> anyhow::Result<bool> {
    let hash = content_hash();
    let mut tx = db.begin().await?;
    // Concurrent first starts: one loads, the others wait and then find the hash.
    sqlx::query!("select pg_advisory_xact_lock(hashtext('regie.seeds'))")
        .execute(&mut *tx)
        .await?;
    let loaded = sqlx::query_scalar!(
        "select content_sha256 from seed_runs where name = $1",
        SEED_NAME
    )
    .fetch_optional(&mut *tx)
    .await?;
    if loaded.as_deref() == Some(hash.as_str()) {
        return Ok(false);
    }

    sqlx::query!(
        r#"insert into municipality_vintages (vintage, label, valid_from, valid_to)
           values ($1, '2019-2024', '2019-01-01', '2024-12-31'),
                  ($2, 'vanaf 2025', '2025-01-01', null)
           on conflict (vintage) do update
           set label = excluded.label, valid_from = excluded.valid_from, valid_to = excluded.valid_to"#,
        VINTAGE_2019,
        VINTAGE_2025
    )
    .execute(&mut *tx)
    .await?;

    for (vintage, csv_name, csv_text, geo_name, geo_text, expected) in [
        (
            VINTAGE_2019,
            "municipalities_2019_2024.csv",
            MUNICIPALITIES_2019,
            "municipalities_2019_2024.geojson",
            BOUNDARIES_2019,
            300,
        ),
        (
            VINTAGE_2025,
            "municipalities_2025.csv",
            MUNICIPALITIES_2025,
            "municipalities_2025.geojson",
            BOUNDARIES_2025,
            285,
        ),
    ] {
        let records: Vec<MunicipalityRecord> = read_csv(csv_name, csv_text)?;
        if records.len() != expected {
            bail!(
                "seeds/{csv_name} has {} rows, expected {expected}",
                records.len()
            );
        }
        let boundaries = read_boundaries(geo_name, geo_text)?;
        insert_vintage(&mut tx, vintage, &records, &boundaries).await?;
    }

    let mergers: Vec<MergerRecord> = read_csv("mergers_2025.csv", MERGERS_2025)?;
    let (from, to): (Vec<String>, Vec<String>) = mergers
        .into_iter()
        .map(|m| (m.nis_code_2019_2024, m.nis_code_2025))
        .unzip();
    sqlx::query!(
        r#"insert into municipality_mergers (from_vintage, from_nis_code, to_vintage, to_nis_code)
           select $1, f, $2, t from unnest($3::text[], $4::text[]) as m(f, t)
           on conflict (from_vintage, from_nis_code) do update
           set to_vintage = excluded.to_vintage, to_nis_code = excluded.to_nis_code"#,
        VINTAGE_2019,
        VINTAGE_2025,
        &from,
        &to
    )
    .execute(&mut *tx)
    .await?;

    let centre_cities: Vec<CentreCityRecord> = read_csv("centrumsteden.csv", CENTRE_CITIES)?;
    let (old, new): (Vec<String>, Vec<String>) = centre_cities
        .into_iter()
        .map(|c| (c.nis_code_2019_2024, c.nis_code_2025))
        .unzip();
    let marked = sqlx::query_scalar!(
        r#"with updated as (
               update municipalities
               set centre_city = (vintage = $1 and nis_code = any($3)) or (vintage = $2 and nis_code = any($4))
               returning centre_city
           )
           select count(*) filter (where centre_city) as "marked!" from updated"#,
        VINTAGE_2019,
        VINTAGE_2025,
        &old,
        &new
    )
    .fetch_one(&mut *tx)
    .await?;
    if marked != (old.len() + new.len()) as i64 {
        bail!("seeds/centrumsteden.csv names a NIS code that is not in the municipality lists");
    }

    sqlx::query!(
        r#"insert into seed_runs (name, content_sha256) values ($1, $2)
           on conflict (name) do update set content_sha256 = excluded.content_sha256, loaded_at = now()"#,
        SEED_NAME,
        hash
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn insert_vintage(
    tx: &mut sqlx::PgConnection,
    vintage: &str,
    records: &[MunicipalityRecord],
    boundaries: &HashMap<String, String>,
) -> anyhow::Result<()> {
    let column = |f: fn(&MunicipalityRecord) -> &str| -> Vec<String> {
        records.iter().map(|r| f(r).to_string()).collect()
    };
    let nis = column(|r| &r.nis_code);
    let geometry: Vec<Option<String>> = nis.iter().map(|n| boundaries.get(n).cloned()).collect();
    if let Some(missing) = nis.iter().find(|n| !boundaries.contains_key(*n)) {
        bail!("no boundary for municipality {missing} ({vintage})");
    }
    sqlx::query!(
        r#"insert into municipalities
               (vintage, nis_code, name_nl, province, province_nis, arrondissement, arrondissement_nis, boundary)
           select $1, n, name, prov, prov_nis, arr, arr_nis, geo::jsonb
           from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                as m(n, name, prov, prov_nis, arr, arr_nis, geo)
           on conflict (vintage, nis_code) do update
           set name_nl = excluded.name_nl, province = excluded.province,
               province_nis = excluded.province_nis, arrondissement = excluded.arrondissement,
               arrondissement_nis = excluded.arrondissement_nis, boundary = excluded.boundary"#,
        vintage,
        &nis,
        &column(|r| &r.name_nl),
        &column(|r| &r.province),
        &column(|r| &r.province_nis),
        &column(|r| &r.arrondissement),
        &column(|r| &r.arrondissement_nis),
        &geometry as &[Option<String>],
    )
    .execute(&mut *tx)
    .await?;

    let population: Vec<i32> = records.iter().map(|r| r.population).collect();
    let year: Vec<i16> = records.iter().map(|r| r.population_year).collect();
    let note: Vec<Option<String>> = records
        .iter()
        .map(|r| {
            r.population_note
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|_| "som van de gemeenten vóór de fusie (geen officieel cijfer voor de nieuwe gemeente)".to_string())
        })
        .collect();
    sqlx::query!(
        r#"insert into municipality_populations (vintage, nis_code, year, population, source, note)
           select $1, n, y, p, 'Statbel, bevolking op 1 januari ' || y, note
           from unnest($2::text[], $3::smallint[], $4::int[], $5::text[]) as m(n, y, p, note)
           on conflict (vintage, nis_code, year) do update
           set population = excluded.population, source = excluded.source, note = excluded.note"#,
        vintage,
        &nis,
        &year,
        &population,
        &note as &[Option<String>],
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
