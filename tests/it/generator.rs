//! `zhiyuan gen` (issue 7): the county profile (scaled down so a test takes seconds) on the
//! test database. Counts as planned, every ID number valid and stored like a registration,
//! the maintained aggregates equal a recount from the rows, the same seed gives the same
//! data, the schema afterwards is exactly the migrated one, and the printed logins work
//! through the API.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use zhiyuan_app::crypto::Secrets;
use zhiyuan_app::generator::{generate, GenOptions, GenSummary, Profile, Shape, GEN_PASSWORD};
use zhiyuan_app::{App, AppConfig};
use zhiyuan_domain::id_number::IdNumber;
use zhiyuan_domain::oversight::Month;
use zhiyuan_store::{Store, VolunteerQuery};

use crate::harness::{database_url, spawn};

const KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn options(seed: u64, scale: f64) -> GenOptions {
    GenOptions {
        shape: Shape::of(Profile::County, scale),
        seed,
        last_month: Some(Month {
            year: 2026,
            month: 10,
        }),
    }
}

async fn run(app: &App, o: &GenOptions) -> GenSummary {
    let mut batches = 0;
    let s = generate(app, o, |_| batches += 1).await.expect("generate");
    assert!(batches >= 4, "progress reported per batch");
    s
}

/// Every volunteer row (in id order) as text, for comparing two databases.
async fn volunteer_rows(store: &Arc<dyn Store>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let (page, _) = store
            .search_volunteers(&VolunteerQuery {
                limit: 1_000,
                offset: out.len() as i64,
                ..Default::default()
            })
            .await
            .expect("volunteers");
        if page.is_empty() {
            break;
        }
        out.extend(page.iter().map(|v| format!("{v:?}")));
    }
    out.sort();
    out
}

#[tokio::test]
async fn county_profile_counts_ids_aggregates_and_logins() {
    let t = spawn().await;
    let o = options(7, 0.25);
    let shape = Shape::of(Profile::County, 0.25);
    let s = run(&t.app, &o).await;
    let store = t.app.store();

    // Counts as planned: the recount reads the rows themselves.
    let root = store.get_org(&s.province_id).await.unwrap().unwrap();
    let counted = store.ov_recount(&root.path).await.unwrap();
    let n: BTreeMap<String, i64> = counted.counts.iter().cloned().collect();
    let get = |k: &str| n.get(k).copied().unwrap_or(0);
    assert_eq!(get("orgs") as usize, s.orgs);
    assert_eq!(get("level.village") as usize, shape.villages);
    assert_eq!(get("level.township") as usize, shape.townships);
    assert_eq!(get("level.county"), 1);
    assert_eq!(get("teams") as usize, s.teams);
    assert_eq!(
        (get("vol.status.active") + get("vol.status.suspended")) as usize,
        shape.volunteers
    );
    assert_eq!(s.volunteers, shape.volunteers);
    assert_eq!(get("act.status.done") as usize, s.activities);
    assert_eq!(get("records") as usize, s.records);
    assert!(s.activities * 100 >= shape.activities * 95, "{s:?}");
    let per = s.records as f64 / s.activities as f64;
    assert!((40.0..100.0).contains(&per), "records per activity {per}");
    assert_eq!(counted.months.len(), 24, "two years of months");
    // Every village station has a team, and a station is a village's or a township's.
    assert_eq!(
        get("teams.root") as usize,
        1 + shape.townships + shape.villages
    );

    // The maintained aggregates equal the recount, at every org.
    for org in store.org_subtree("/", 100_000).await.unwrap() {
        let kept = store.ov_totals(&org.id).await.unwrap();
        let counted = store.ov_recount(&org.path).await.unwrap();
        assert_eq!(kept, counted, "{} ({})", org.name, org.level);
    }

    // Every ID number valid and stored as a registration stores it.
    let secrets = Secrets::from_hex(KEY).unwrap();
    let mut hashes = HashSet::new();
    let mut offset = 0;
    loop {
        let (page, _) = store
            .search_volunteers(&VolunteerQuery {
                limit: 1_000,
                offset,
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        offset += page.len() as i64;
        for v in page {
            let r = &v.row;
            let plain = secrets.decrypt_id(&r.id_cipher).expect("decrypts");
            let id = IdNumber::parse(&plain).unwrap_or_else(|e| panic!("{plain}: {e:?}"));
            assert_eq!(secrets.hash_id(&plain), r.id_hash);
            assert_eq!(id.masked(), r.id_masked);
            assert_eq!(id.birth_date().format("%Y-%m-%d").to_string(), r.birth_date);
            assert_eq!(id.gender().as_str(), r.gender);
            assert!(hashes.insert(r.id_hash.clone()), "unique ID numbers");
            assert!(r.name.chars().count() >= 2 && !r.name.is_ascii());
            if r.consent_location {
                assert!(r.home_lat.is_some() && r.home_lon.is_some());
            } else {
                assert!(r.home_lat.is_none());
            }
        }
    }
    assert_eq!(hashes.len(), shape.volunteers);

    // A volunteer's yearly hours (the 20-hour rule's aggregate) equal their records.
    let (below, _) = store
        .ov_volunteers_below(&root.path, "2026", i64::MAX, i64::MAX, 30, 0)
        .await
        .unwrap();
    assert_eq!(below.len(), 30);
    for v in below {
        let recs = store
            .records_of_volunteer(&v.id, "2026-01-01", "2026-12-31")
            .await
            .unwrap();
        let sum: i64 = recs
            .iter()
            .filter(|r| r.status == "approved")
            .map(|r| r.eff_ms)
            .sum();
        assert_eq!(v.year_ms, sum, "{}", v.name);
        assert!(recs.iter().all(|r| !r.person_in_charge.is_empty()
            && !r.recorder.is_empty()
            && !r.place.is_empty()
            && !r.content.is_empty()
            && !r.recipients.is_empty()
            && !r.evaluation.is_empty()));
    }

    // The printed logins work through the API, each within its own scope.
    assert_eq!(
        s.logins
            .iter()
            .map(|l| l.username.as_str())
            .collect::<Vec<_>>(),
        ["province", "county", "station", "volunteer"]
    );
    assert!(s.logins.iter().all(|l| l.password == GEN_PASSWORD));
    let province = t.login("province", GEN_PASSWORD).await;
    let stats = t
        .get(&format!("/api/v1/orgs/{}/stats", s.province_id), &province)
        .await
        .expect(200);
    assert_eq!(
        stats.body["volunteers"].as_i64().unwrap() as usize,
        get("vol.status.active") as usize
    );
    let county = t.login("county", GEN_PASSWORD).await;
    t.get(&format!("/api/v1/orgs/{}/stats", s.county_id), &county)
        .await
        .expect(200);
    let station = t.login("station", GEN_PASSWORD).await;
    let me = t.get("/api/v1/auth/me", &station).await;
    assert!(me.status.is_success(), "{}", me.text);
    let volunteer = t.login("volunteer", GEN_PASSWORD).await;
    let me = t.get("/api/v1/auth/me", &volunteer).await.expect(200);
    let vid = me.body["user"]["volunteer_id"]
        .as_str()
        .or(me.body["volunteer_id"].as_str())
        .unwrap_or_else(|| panic!("{}", me.text))
        .to_owned();
    t.get(
        &format!("/api/v1/volunteers/{vid}/service-records"),
        &volunteer,
    )
    .await
    .expect(200);
    // Out of a volunteer's scope: an id they can't see is an id that doesn't exist.
    t.get(&format!("/api/v1/orgs/{}/stats", s.province_id), &volunteer)
        .await
        .expect_error(404, "not_found", None);

    // A second run never writes into a database that has data.
    let again = generate(&t.app, &o, |_| {}).await.unwrap_err();
    assert_eq!(again.code, "database_not_empty");
}

async fn fresh(dir: &tempfile::TempDir) -> (String, App) {
    let url = database_url(dir).await;
    let store = zhiyuan_store::connect(&url).await.expect("store");
    let app = App::new(
        store,
        AppConfig {
            secret_key_hex: KEY.into(),
            session_hours: 12,
        },
    )
    .unwrap();
    (url, app)
}

/// The indexes of a database, by name, with their definitions.
async fn indexes(url: &str) -> Vec<(String, String)> {
    use sqlx::Connection;
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             ORDER BY indexname",
        )
        .fetch_all(&mut c)
        .await
        .unwrap()
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(
            "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name",
        )
        .fetch_all(&mut c)
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn same_seed_same_data_and_the_migrated_schema() {
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let (url_a, a) = fresh(&dirs[0]).await;
    let (_, b) = fresh(&dirs[1]).await;
    let (_, c) = fresh(&dirs[2]).await;
    let (url_empty, _empty) = fresh(&dirs[3]).await;
    let sa = run(&a, &options(11, 0.1)).await;
    let sb = run(&b, &options(11, 0.1)).await;
    run(&c, &options(12, 0.1)).await;
    assert_eq!((sa.records, sa.activities), (sb.records, sb.activities));
    let (va, vb, vc) = (
        volunteer_rows(a.store()).await,
        volunteer_rows(b.store()).await,
        volunteer_rows(c.store()).await,
    );
    assert!(!va.is_empty());
    assert_eq!(va, vb, "the same seed gives the same volunteers");
    assert_ne!(va, vc, "another seed gives other volunteers");
    for (x, y) in [(&a, &b)] {
        let root_x = x.store().org_subtree("/", 100_000).await.unwrap();
        let root_y = y.store().org_subtree("/", 100_000).await.unwrap();
        assert_eq!(format!("{root_x:?}"), format!("{root_y:?}"));
        for o in root_x.iter().take(20) {
            assert_eq!(
                x.store().ov_recount(&o.path).await.unwrap(),
                y.store().ov_recount(&o.path).await.unwrap()
            );
            let (ax, _) = x
                .store()
                .list_activities(&zhiyuan_store::activities::ActivityQuery {
                    within_org_path: Some(o.path.clone()),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap();
            let (ay, _) = y
                .store()
                .list_activities(&zhiyuan_store::activities::ActivityQuery {
                    within_org_path: Some(o.path.clone()),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(format!("{ax:?}"), format!("{ay:?}"));
        }
    }
    // Indexes set aside during the load are back, exactly as the migrations made them.
    drop((a, b, c));
    assert_eq!(indexes(&url_a).await, indexes(&url_empty).await);
    // SQLite loads without a journal; the finished file is back in WAL mode and whole.
    if let Some(path) = url_a.strip_prefix("sqlite://") {
        use std::io::Read;
        let mut header = [0u8; 100];
        std::fs::File::open(path)
            .unwrap()
            .read_exact(&mut header)
            .unwrap();
        assert_eq!(
            header[18..20],
            [2, 2],
            "file format bytes: 2 = WAL, 1 = rollback journal"
        );
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url_a).await.unwrap();
        let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
}
