//! The same server on PostgreSQL: `--database-url postgres://…` serves the API, and the CLI
//! commands work against it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use common::{Server, ok, seed};

#[tokio::test]
async fn server_runs_on_postgres() {
    let Some(url) = common::fresh_postgres("server_runs_on_postgres").await else { return };
    let args = ["--database-url", url.as_str()];
    let token = seed(&args);
    let server = Server::start(&args);
    let client = reqwest::Client::new();
    let body = serde_json::json!({"given_name": "Pia", "family_name": "Postgres", "birth_date": "1981-05-06", "sex": "female"});
    let created = client.post(format!("{}/api/v1/patients", server.base)).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["mrn"], "KC-000001");
    let found: serde_json::Value =
        client.get(format!("{}/api/v1/patients?q=postg", server.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["items"][0]["id"], created["id"]);
    let ready = client.get(format!("{}/readyz", server.base)).send().await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    drop(server);
    let out = ok(&["--database-url", url.as_str(), "audit", "verify"], None);
    // 3 from seeding (two accounts, one token), the registration and the search.
    assert!(out.contains("audit chain intact: 5 rows"), "{out}");
}
