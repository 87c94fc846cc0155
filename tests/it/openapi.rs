//! The served OpenAPI document is committed as a snapshot, so every change to the public
//! contract shows up in review (and `scripts/test` validates it and compiles a client from it).

use axum::http::Method;

use crate::harness::spawn;

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/snapshots/openapi.json"
);

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let t = spawn().await;
    let r = t
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .expect(200);
    let served = serde_json::to_string_pretty(&r.body).expect("json") + "\n";
    if std::env::var_os("UPDATE_OPENAPI_SNAPSHOT").is_some() {
        std::fs::write(SNAPSHOT, &served).expect("write the snapshot");
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    // Compared as JSON values: the file's key order is serde_json's, not part of the contract.
    let same = serde_json::from_str::<serde_json::Value>(&committed).is_ok_and(|c| c == r.body);
    if !same {
        let line = served
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| served.lines().count().min(committed.lines().count()));
        panic!(
            "GET /api/v1/openapi.json differs from {SNAPSHOT} (first at line {}).\n\
             If the change to the API is intended, rewrite the snapshot and commit it:\n    \
             UPDATE_OPENAPI_SNAPSHOT=1 cargo test -p zhiyuan --test it -- openapi::",
            line + 1
        );
    }
}
