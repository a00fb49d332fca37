//! `dwh plan` and `dwh migrate` as a user runs them: exit codes (0 when
//! the warehouse matches the structs, 2 when there is something to do),
//! `dwh all` refusing a warehouse whose tables differ, and destructive
//! steps refused without `--allow-destructive`.

mod common;

use common::*;
use dwh_core::sql::Dialect;
use dwh_core::Warehouse;

async fn execute(url: &str, sql: &str) {
    let warehouse = Warehouse::connect(url, Dialect::Postgres).await.unwrap();
    warehouse.client().batch_execute(sql).await.unwrap();
}

async fn scalar(url: &str, sql: &str) -> i64 {
    let warehouse = Warehouse::connect(url, Dialect::Postgres).await.unwrap();
    warehouse.client().query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn plan_exit_codes_and_all_refusing_a_differing_schema() {
    dwh_tests::require_sample!();
    let url = fresh_db("cli_migrate").await;
    dwh_run(["create-tables", "--database-url", &url]).assert_success("create-tables");
    let plan = dwh_run(["plan", "--database-url", &url]);
    assert_eq!(plan.code, Some(0), "{}", plan.all());

    // An older `users`: without its last column `is_current`, and a row in it.
    execute(
        &url,
        "ALTER TABLE users DROP COLUMN is_current; \
         INSERT INTO users (user_id, first_name, level, valid_from) \
         VALUES (7, 'Ada', 'free', '2018-11-01')",
    )
    .await;
    let plan = dwh_run(["plan", "--database-url", &url]);
    assert_eq!(plan.code, Some(2), "{}", plan.all());
    assert!(
        plan.stdout.contains("table `users`: alter (safe)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("add column `is_current` BOOLEAN"),
        "{}",
        plan.stdout
    );
    let json = dwh_run(["plan", "--json", "--database-url", &url]);
    assert_eq!(json.code, Some(2));
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["tables"][0]["table"], "users");
    assert_eq!(json["tables"][0]["steps"][0]["safety"], "safe");

    let all = dwh_run(all_args(&url, &sample(), &[]));
    assert_eq!(all.code, Some(1), "{}", all.all());
    all.assert_stderr_has("table `users` differs from the structs");
    all.assert_stderr_has("`dwh plan`");
    assert_eq!(scalar(&url, "SELECT COUNT(*) FROM staging_events").await, 0);
    let transform = dwh_run(["transform", "--database-url", &url]);
    assert_eq!(transform.code, Some(1), "{}", transform.all());
    transform.assert_stderr_has("`dwh migrate`");

    dwh_run(["migrate", "--database-url", &url]).assert_success("migrate");
    let replan = dwh_run(["plan", "--database-url", &url]);
    assert_eq!(replan.code, Some(0), "{}", replan.all());
    assert_eq!(
        scalar(
            &url,
            "SELECT COUNT(*) FROM users WHERE user_id = 7 AND is_current = FALSE"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn destructive_steps_need_allow_destructive() {
    let url = fresh_db("cli_migrate_destructive").await;
    dwh_run(["create-tables", "--database-url", &url]).assert_success("create-tables");
    execute(&url, "ALTER TABLE songs ADD COLUMN rating INTEGER").await;
    let refused = dwh_run(["migrate", "--database-url", &url]);
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    refused.assert_stderr_has("--allow-destructive");
    refused.assert_stderr_has("drop column `rating`");
    let kept = "SELECT COUNT(*) FROM information_schema.columns \
                WHERE table_name = 'songs' AND column_name = 'rating'";
    assert_eq!(scalar(&url, kept).await, 1, "nothing was changed");
    dwh_run(["migrate", "--allow-destructive", "--database-url", &url])
        .assert_success("migrate --allow-destructive");
    assert_eq!(scalar(&url, kept).await, 0);
    assert_eq!(dwh_run(["plan", "--database-url", &url]).code, Some(0));
}

#[test]
fn arguments_are_checked_before_any_work() {
    let out = dwh_run([
        "plan",
        "--target",
        "redshift",
        "--database-url",
        "postgresql://nowhere.invalid/x",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.all());
    out.assert_stderr_has("--database-url is for the local target");
    let help = dwh_run(["plan", "--help"]);
    assert!(help.stdout.contains("Exit status: 0"), "{}", help.stdout);
    let help = dwh_run(["migrate", "--help"]);
    assert!(
        help.stdout.contains("--allow-destructive"),
        "{}",
        help.stdout
    );
}
