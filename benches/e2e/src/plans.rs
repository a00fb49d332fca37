//! Where a run's time goes, statement by statement: `EXPLAIN (ANALYZE,
//! BUFFERS)` of every star-schema load (replayed as a fresh run: the star
//! tables emptied inside a transaction that is rolled back), every check
//! and every analysis, on the database a fresh `all` just built.

use std::fmt::Write;

use dwh_core::checks::EXAMPLES;
use dwh_core::schema::TableKind;
use dwh_core::sql::checks::CheckSql;
use dwh_core::sql::run::{Action, Step};
use dwh_core::sql::{self, quote_ident, Dialect, Limit, Parts};
use dwh_core::{Project, Warehouse};
use serde::Serialize;

/// One statement's plan and the time the server says it took.
#[derive(Debug, Clone, Serialize)]
pub struct StatementPlan {
    /// `transform`, `check` or `analysis`.
    pub step: &'static str,
    pub label: String,
    pub millis: f64,
    pub plan: String,
}

/// Every statement of the transform, the checks and the analyses, explained.
pub async fn explain(url: &str, project: &Project) -> Result<Vec<StatementPlan>, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let mut warehouse = Warehouse::connect(url, Dialect::Postgres)
        .await
        .map_err(|e| text(&e))?;
    let mut plans = transform(&mut warehouse, project).await?;
    let client = warehouse.client();
    for check in project.check_queries(EXAMPLES) {
        let mut sql = match &check.sql {
            CheckSql::Count(sql) | CheckSql::Listing { count: sql, .. } => sql,
        };
        let mut label = format!("{}: {}", check.table.name, check.check);
        // What the run executes: the catalog proof alone where it holds.
        if let Some(proof) = &check.proof {
            let held: i64 = client
                .query_one(proof.as_str(), &[])
                .await
                .map_err(|e| text(&e))?
                .get(0);
            if held > 0 {
                sql = proof;
                label.push_str(" (its unique index)");
            }
        }
        plans.push(analyzed(client, "check", label, sql).await?);
    }
    let top = Limit::new(5).expect("5 is a limit");
    for analysis in project.analyses() {
        let sql = analysis.sql(top);
        plans.push(analyzed(client, "analysis", analysis.title().to_owned(), &sql).await?);
    }
    Ok(plans)
}

/// The star-schema loads of the run plan, replayed on emptied tables in a
/// transaction that is rolled back, so the database stays as `all` left it.
async fn transform(
    warehouse: &mut Warehouse,
    project: &Project,
) -> Result<Vec<StatementPlan>, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let star = Parts {
        star: true,
        ..Parts::NONE
    };
    let plan =
        sql::run_plan(project.schema(), Dialect::Postgres, &[], star).map_err(|e| text(&e))?;
    let client = warehouse.client();
    client
        .batch_execute(&emptied_as_before_the_first_run(project))
        .await
        .map_err(|e| text(&e))?;
    let mut plans = Vec::new();
    for statement in plan
        .transaction
        .iter()
        .filter(|s| s.step == Step::StarSchema)
    {
        // Every statement that moves rows; DROP and ANALYZE just run.
        let writes = ["INSERT", "UPDATE", "MERGE", "DELETE", "CREATE TEMP TABLE"]
            .iter()
            .any(|verb| statement.sql.starts_with(verb));
        match statement.action {
            Action::Execute if writes => plans.push(
                analyzed(client, "transform", statement.label.clone(), &statement.sql).await?,
            ),
            // EXPLAIN cannot run DDL: timed from here.
            Action::Execute if statement.label.contains("index") => {
                plans.push(timed_ddl(client, &statement.label, &statement.sql).await?)
            }
            // ANALYZE between loads, as the run does: later plans depend on it.
            Action::Execute | Action::AnalyzeChanged(_) => client
                .batch_execute(&statement.sql)
                .await
                .map_err(|e| text(&e))?,
            _ => {}
        }
    }
    client
        .batch_execute("ROLLBACK")
        .await
        .map_err(|e| text(&e))?;
    Ok(plans)
}

/// Opens a transaction that empties the star schema as before the first
/// run: no rows, no key indexes yet, the batch not transformed.
fn emptied_as_before_the_first_run(project: &Project) -> String {
    let tables: Vec<String> = project
        .schema()
        .tables()
        .iter()
        .filter(|t| t.kind != TableKind::Staging)
        .map(|t| quote_ident(t.name))
        .collect();
    // Every index the runs built on them (key, versions, lookups), found
    // in the catalog: the first run builds them after its loads.
    let names: Vec<String> = project
        .schema()
        .tables()
        .iter()
        .filter(|t| t.kind != TableKind::Staging)
        .map(|t| sql::quote_literal(t.name, Dialect::Postgres))
        .collect();
    let key_indexes = format!(
        "; DO $$ DECLARE i record; BEGIN FOR i IN SELECT indexname FROM pg_indexes \
         WHERE schemaname = current_schema() AND tablename IN ({}) \
         LOOP EXECUTE format('DROP INDEX %I', i.indexname); END LOOP; END $$",
        names.join(", ")
    );
    format!(
        "BEGIN; TRUNCATE {}{key_indexes}; UPDATE dwh_loaded_files SET transformed = FALSE",
        tables.join(", ")
    )
}

/// Runs the DDL statement `sql`, which EXPLAIN cannot run, timed here.
async fn timed_ddl(
    client: &tokio_postgres::Client,
    label: &str,
    sql: &str,
) -> Result<StatementPlan, String> {
    let started = std::time::Instant::now();
    client.batch_execute(sql).await.map_err(|e| e.to_string())?;
    Ok(StatementPlan {
        step: "transform",
        label: label.to_owned(),
        millis: started.elapsed().as_secs_f64() * 1000.0,
        plan: "(DDL: no plan; timed by the client)".to_owned(),
    })
}

async fn analyzed(
    client: &tokio_postgres::Client,
    step: &'static str,
    label: String,
    sql: &str,
) -> Result<StatementPlan, String> {
    let rows = client
        .query(&format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"), &[])
        .await
        .map_err(|e| format!("explaining {label}: {e}"))?;
    let plan: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
    let millis = plan
        .iter()
        .find_map(|l| l.trim().strip_prefix("Execution Time: "))
        .and_then(|t| t.trim_end_matches(" ms").parse().ok())
        .ok_or_else(|| format!("no execution time in the plan of {label}"))?;
    Ok(StatementPlan {
        step,
        label,
        millis,
        plan: plan.join("\n"),
    })
}

/// The plans as Markdown, slowest first, with each step's total.
pub fn markdown(size: &str, plans: &[StatementPlan]) -> String {
    let mut out = format!("# Statement plans, {size}\n\n");
    for step in ["transform", "check", "analysis"] {
        let total: f64 = plans
            .iter()
            .filter(|p| p.step == step)
            .map(|p| p.millis)
            .sum();
        let _ = writeln!(out, "- {step}: {:.0} ms in all", total);
    }
    let mut sorted: Vec<&StatementPlan> = plans.iter().collect();
    sorted.sort_by(|a, b| b.millis.total_cmp(&a.millis));
    for p in sorted {
        let _ = write!(
            out,
            "\n## {} {} — {:.0} ms\n\n```text\n{}\n```\n",
            p.step, p.label, p.millis, p.plan
        );
    }
    out
}
