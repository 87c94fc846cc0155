//! Migration 0010 on a database that already holds volunteers: migrations 0001–0009 applied
//! (the embedded files, so the store accepts them), volunteers written straight into the
//! table, then the store opens the database, runs 0010, and its backfill answers searches
//! exactly as a substring filter does.

use std::path::Path;

use sqlx::migrate::Migrator;
use zhiyuan_store::VolunteerQuery;

use super::{Rng, ALPHABET};
use crate::harness::database_url;

const INSERT_ORG: &str = "INSERT INTO orgs (id, name, level, path, depth, created_at, updated_at) \
     VALUES ('o1', '奈曼旗', 'county', '/o1/', 1, 0, 0)";
const INSERT_VOLUNTEER: &str = "INSERT INTO volunteers (id, volunteer_no, name, id_cipher, id_hash, \
     id_masked, birth_date, gender, phone, org_id, veteran, party_member, health, consent_data, \
     consent_location, guardian_consent, status, created_at, updated_at) VALUES \
     ($1, $1, $2, 'x', $1, 'x', '1980-01-01', 'male', '13800000000', 'o1', $3, $3, 'good', $4, $3, $3, \
     'active', $5, $5)";

/// Migrations up to 0009 of this backend, from the source tree.
async fn up_to_0009(backend: &str) -> Migrator {
    let dir = format!(
        "{}/crates/store/migrations/{backend}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut m = Migrator::new(Path::new(&dir)).await.expect("migrations");
    let older: Vec<_> = m
        .migrations
        .iter()
        .filter(|x| x.version <= 9)
        .cloned()
        .collect();
    assert_eq!(older.len(), 9);
    m.migrations = older.into();
    m
}

macro_rules! fill_before_0010 {
    ($pool:expr, $backend:expr, $names:expr) => {{
        let pool = $pool;
        up_to_0009($backend)
            .await
            .run(&pool)
            .await
            .expect("0001–0009");
        sqlx::query(INSERT_ORG).execute(&pool).await.expect("org");
        for (i, name) in $names.iter().enumerate() {
            sqlx::query(INSERT_VOLUNTEER)
                .bind(format!("v{i:04}"))
                .bind(name)
                .bind(false)
                .bind(true)
                .bind(i as i64)
                .execute(&pool)
                .await
                .expect("volunteer");
        }
        pool.close().await;
    }};
}

#[tokio::test]
async fn migration_0010_backfills_the_volunteers_already_there() {
    let mut rng = Rng(super::seed());
    let names: Vec<String> = (0..120).map(|_| rng.name()).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(&dir).await;
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&url).await.expect("pg");
        fill_before_0010!(pool, "postgres", names);
    } else {
        let opts: sqlx::sqlite::SqliteConnectOptions = url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()
            .expect("sqlite url")
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.expect("sqlite");
        fill_before_0010!(pool, "sqlite", names);
    }
    let store = zhiyuan_store::connect(&url).await.expect("store runs 0010");
    for round in 0..60 {
        let fragment: String = if round % 2 == 0 {
            let len = 1 + rng.below(4);
            (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect()
        } else {
            let name: Vec<char> = names[rng.below(names.len())].chars().collect();
            let from = rng.below(name.len());
            name[from..from + 1 + rng.below(name.len() - from)]
                .iter()
                .collect()
        };
        let q = VolunteerQuery {
            name_fragment: Some(fragment.clone()),
            limit: 500,
            ..Default::default()
        };
        let (rows, total) = store.search_volunteers(&q).await.expect("search");
        // Newest first: the higher index was written later.
        let expected: Vec<String> = (0..names.len())
            .rev()
            .filter(|&i| names[i].contains(&fragment))
            .map(|i| format!("v{i:04}"))
            .collect();
        let got: Vec<String> = rows.into_iter().map(|r| r.row.id).collect();
        assert_eq!(got, expected, "fragment {fragment:?}");
        assert_eq!(total, expected.len() as i64, "total of {fragment:?}");
    }
}
