//! `dwh plan` and `dwh migrate`: the difference of the warehouse's tables
//! from the structs (dwh-core's `migrate` module), shown and applied.

use std::process::ExitCode;

use anyhow::bail;
use dwh_core::migrate::{Plan, Safety, TableAction, TablePlan};
use dwh_core::{Project, Warehouse};

use super::console::Console;
use super::steps::{connect, connect_writer};
use crate::cli::{MigrateArgs, PlanArgs, Target, TargetArgs, WarehouseArgs};

/// `dwh plan`'s exit code when there is something to migrate.
const SOMETHING_TO_DO: u8 = 2;

pub async fn plan(args: &PlanArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let warehouse = match args.target.target {
        Target::Local => connect(&args.warehouse, project).await?,
        Target::Redshift => cluster(&args.target, project).await?,
    };
    // dwh plans only for its own tables: one it did not create is refused.
    warehouse.owned_tables(project.schema()).await?;
    let plan = warehouse.plan(project.schema()).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print_plan(&plan);
    }
    if plan.is_empty() {
        eprintln!("✔ the warehouse matches the structs: nothing to migrate");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(gone) = warehouse.tables_gone(project.schema()).await? {
        eprintln!("! `dwh migrate` will refuse: {gone}");
    }
    eprintln!("{}", summary(&plan));
    Ok(ExitCode::from(SOMETHING_TO_DO))
}

pub async fn migrate(args: &MigrateArgs, project: &Project) -> anyhow::Result<ExitCode> {
    let schema = project.schema();
    let mut warehouse = writer(&args.warehouse, &args.target, project).await?;
    // A table created here would be empty while the ledger says its files
    // are in, and the next run would take in only new files.
    if let Some(gone) = warehouse.tables_gone(schema).await? {
        return Err(gone.into());
    }
    let batch = warehouse.begin().await?;
    let plan = batch.plan(schema).await?;
    if plan.is_empty() {
        eprintln!("✔ the warehouse matches the structs: nothing to migrate");
        return Ok(ExitCode::SUCCESS);
    }
    print_plan(&plan);
    refuse_destructive(&plan, args.allow_destructive)?;
    let inside = batch.migrate(schema, &plan).await?;
    batch.commit().await?;
    let outside = warehouse.migrate_outside(&plan).await?;
    eprintln!(
        "✔ migrated {} tables ({inside} statements in one transaction{})",
        plan.tables.len(),
        if outside > 0 {
            format!(", {outside} after it")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn refuse_destructive(plan: &Plan, allowed: bool) -> anyhow::Result<()> {
    let destructive: Vec<String> = plan
        .destructive()
        .iter()
        .map(|t| format!("`{}` ({})", t.table, t.changes.join("; ")))
        .collect();
    if destructive.is_empty() || allowed {
        return Ok(());
    }
    bail!(
        "the plan has destructive steps, so nothing was changed: {}.\n  \
         They may lose data. Back the tables up, then run `dwh migrate --allow-destructive`.",
        destructive.join(", ")
    )
}

/// A connection for writing, with the run lock: the local engine's
/// advisory lock here, Redshift's `LOCK dwh_registry` in `begin`.
async fn writer(
    warehouse: &WarehouseArgs,
    target: &TargetArgs,
    project: &Project,
) -> anyhow::Result<Warehouse> {
    match target.target {
        Target::Local => connect_writer(warehouse, project, warehouse.demo).await,
        Target::Redshift => cluster(target, project).await,
    }
}

async fn cluster(target: &TargetArgs, project: &Project) -> anyhow::Result<Warehouse> {
    super::redshift::connect_cluster(&mut Console::default(), &target.config, project).await
}

fn summary(plan: &Plan) -> String {
    let destructive = plan.destructive().len();
    let mut line = format!(
        "{} tables to migrate: run `dwh migrate` to apply the plan",
        plan.tables.len()
    );
    if destructive > 0 {
        line.push_str(&format!(
            " ({destructive} with destructive steps: `dwh migrate --allow-destructive`)"
        ));
    }
    line
}

/// The plan for people: per table, the changes and the statements.
fn print_plan(plan: &Plan) {
    for table in &plan.tables {
        print_table(table);
    }
}

fn print_table(table: &TablePlan) {
    let action = match table.action {
        TableAction::Create => "create",
        TableAction::Alter => "alter",
        TableAction::DeepCopy => "deep copy",
    };
    println!(
        "table `{}`: {action} ({})",
        table.table,
        safety(table.safety)
    );
    for change in &table.changes {
        println!("  - {change}");
    }
    for step in &table.steps {
        let place = if step.in_transaction {
            ""
        } else {
            ", outside the transaction"
        };
        match step.note {
            Some(note) => {
                let note = note.trim_start_matches("outside the transaction: ");
                println!("  [{}{place}] {note}", safety(step.safety))
            }
            None => println!("  [{}{place}]", safety(step.safety)),
        }
        for line in step.sql.lines() {
            println!("    {line}");
        }
    }
    println!();
}

fn safety(safety: Safety) -> &'static str {
    match safety {
        Safety::Safe => "safe",
        Safety::Rewrite => "rewrite",
        Safety::Destructive => "destructive",
    }
}
