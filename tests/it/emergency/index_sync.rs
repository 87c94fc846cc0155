//! The candidate index keeps in step with every write that changes a home, skills, status or
//! locality, also when the write came through another app (another server process on the
//! same database: its index catches up by the delta look before each search).

use serde_json::json;
use zhiyuan_app::{App, AppConfig};

use super::world;

#[tokio::test]
async fn edits_of_home_skills_status_and_locality_show_at_once() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    // A second app on the same database, as a second server process would be; its index is
    // loaded now, before the edits below.
    let other = App::new(
        w.t.app.store().clone(),
        AppConfig {
            secret_key_hex: "5a".repeat(32),
            session_hours: 12,
        },
    )
    .unwrap();
    let root = zhiyuan_app::Actor::system("test");
    let ranked = |app: App| {
        let id = id.clone();
        let root = root.clone();
        async move {
            app.incident_candidates(&root, &id, &Default::default())
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.volunteer_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ranked(other.clone()).await, [a.clone(), b.clone()]);
    // a moves 10 km away: b is nearest now.
    w.t.patch(
        &format!("/api/v1/volunteers/{a}"),
        &w.t.root,
        json!({"home": {"lat": super::AT.0 + 10.0 / super::KM_PER_DEGREE, "lon": super::AT.1}}),
    )
    .await
    .expect(200);
    assert_eq!(w.candidate_ids(&id, 5).await, [b.clone(), a.clone()]);
    assert_eq!(ranked(other.clone()).await, [b.clone(), a.clone()]);
    // b drops the skill.
    w.t.patch(
        &format!("/api/v1/volunteers/{b}"),
        &w.t.root,
        json!({"skills": ["驾驶"]}),
    )
    .await
    .expect(200);
    assert_eq!(ranked(other.clone()).await, std::slice::from_ref(&a));
    // A new volunteer right at the scene.
    let c = w.person("丙", &w.township, 0.0, &["应急救援"]).await;
    assert_eq!(ranked(other.clone()).await, [c.clone(), a.clone()]);
    // c withdraws consent to the use of the home location.
    w.t.patch(
        &format!("/api/v1/volunteers/{c}"),
        &w.t.root,
        json!({"consent_location": false}),
    )
    .await;
    let after = ranked(other.clone()).await;
    assert!(
        !after.contains(&c) || after[0] == c,
        "consent edit applied or refused: {after:?}"
    );
    // a moves to another county: out of the commanding org's scope.
    w.t.patch(
        &format!("/api/v1/volunteers/{a}"),
        &w.t.root,
        json!({"org_id": w.other_county}),
    )
    .await
    .expect(200);
    assert!(!ranked(other.clone()).await.contains(&a));
    assert!(!w.candidate_ids(&id, 5).await.contains(&a));
    // Withdrawn volunteers leave the index.
    let d = w.person("丁", &w.township, 0.5, &["应急救援"]).await;
    assert!(ranked(other.clone()).await.contains(&d));
    w.t.post(
        &format!("/api/v1/volunteers/{d}/suspend"),
        &w.t.root,
        json!({"reason": "外出"}),
    )
    .await
    .expect(200);
    assert!(!ranked(other).await.contains(&d));
}

/// A write whose commit came long after its `updated_at` stamp (a long import chunk on a
/// loaded server) is behind every delta look; the periodic reconciliation still applies it.
#[tokio::test]
async fn reconciliation_applies_a_write_stamped_long_before_its_commit() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    assert_eq!(w.candidate_ids(&id, 5).await, std::slice::from_ref(&a));
    // Written straight through the store, stamped an hour back: no delta look reaches it.
    let store = w.t.app.store().clone();
    let mut rec = store.get_volunteer(&a).await.unwrap().unwrap();
    let hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    rec.skills = vec!["驾驶".into()];
    rec.row.version += 1;
    rec.row.updated_at = hour_ago;
    let audit = zhiyuan_store::NewAudit {
        at: hour_ago,
        actor_id: None,
        actor_name: "test".into(),
        action: "volunteer.update".into(),
        subject_type: "volunteer".into(),
        subject_id: a.clone(),
        org_path: "/".into(),
        before: None,
        after: None,
    };
    store.update_volunteer(&rec, &audit).await.unwrap();
    assert_eq!(
        w.candidate_ids(&id, 5).await,
        std::slice::from_ref(&a),
        "the delta look cannot see a write stamped an hour back"
    );
    assert_eq!(w.t.app.reconcile_candidate_index().await.unwrap(), 1);
    assert!(
        w.candidate_ids(&id, 5).await.is_empty(),
        "the skill is gone now"
    );
    assert_eq!(w.t.app.reconcile_candidate_index().await.unwrap(), 0);
}

/// The same for a volunteer who left the index (consent to the use of their home withdrawn)
/// by a write no delta look reaches: the reconciliation reads only indexable rows, so it must
/// notice the indexed volunteer it did not see and take them out.
#[tokio::test]
async fn reconciliation_takes_out_a_volunteer_whose_row_left_the_index_unseen() {
    let w = world().await;
    let a = w.person("甲", &w.township, 1.0, &["应急救援"]).await;
    let b = w.person("乙", &w.township, 2.0, &["应急救援"]).await;
    let i = w.incident(json!({})).await;
    let id = i["id"].as_str().unwrap().to_owned();
    assert_eq!(w.candidate_ids(&id, 5).await, [a.clone(), b.clone()]);
    let store = w.t.app.store().clone();
    let mut rec = store.get_volunteer(&a).await.unwrap().unwrap();
    let hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    rec.row.consent_location = false;
    rec.row.version += 1;
    rec.row.updated_at = hour_ago;
    let audit = zhiyuan_store::NewAudit {
        at: hour_ago,
        actor_id: None,
        actor_name: "test".into(),
        action: "volunteer.update".into(),
        subject_type: "volunteer".into(),
        subject_id: a.clone(),
        org_path: "/".into(),
        before: None,
        after: None,
    };
    store.update_volunteer(&rec, &audit).await.unwrap();
    assert_eq!(
        w.candidate_ids(&id, 5).await,
        [a.clone(), b.clone()],
        "the delta look cannot see a write stamped an hour back"
    );
    assert_eq!(w.t.app.reconcile_candidate_index().await.unwrap(), 1);
    assert_eq!(
        w.candidate_ids(&id, 5).await,
        std::slice::from_ref(&b),
        "consent withdrawn"
    );
    assert_eq!(w.t.app.reconcile_candidate_index().await.unwrap(), 0);
}
