//! A plan of `dwh provision` or `dwh teardown`, printed before it is
//! applied (as `terraform plan` does).

use dwh_redshift::aws::plan::Plan;

use crate::ui;

/// `title`, the plan's steps as a table, its notes and its summary.
pub fn print_plan<Op>(plan: &Plan<Op>, title: &str) {
    println!("{title}");
    println!(
        "{}",
        ui::table(&["action", "resource", "name", "detail"], plan.rows())
    );
    for note in &plan.notes {
        println!("note: {note}");
    }
    println!("plan: {}", plan.summary());
}
