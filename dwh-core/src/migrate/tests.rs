//! Planner tests on hand-written tables and live models.

use super::live::{assemble, ColumnRow, TableRow};
use super::plan::plan_table;
use super::{catalog, LiveTable, Safety, TableAction};
use crate::schema::*;
use crate::sql::Dialect;

const ID: Column = Column {
    nullable: false,
    encode: Some(Encode::Raw),
    ..Column::new("id", SqlType::Integer)
};
const NAME: Column = Column::new("name", SqlType::Varchar(16));

const T: Table = Table {
    name: "t",
    rust_name: "T",
    kind: TableKind::Staging,
    columns: &[ID, NAME],
    dist_style: DistStyle::Key,
    dist_key: Some("name"),
    sort_key: None,
    natural_key: &[],
    primary_key: &[],
    history: None,
    load: None,
    doc: "",
};

fn live(table: &Table, dialect: Dialect) -> LiveTable {
    LiveTable::declared(table, dialect)
}

#[test]
fn a_table_equal_to_its_struct_has_no_plan() {
    for dialect in [Dialect::Postgres, Dialect::Redshift] {
        assert!(plan_table(&live(&T, dialect), &T, dialect).is_none());
    }
}

#[test]
fn postgres_narrows_without_a_cast_so_long_values_fail_instead_of_being_cut() {
    static NARROW: Table = Table {
        columns: &[ID, Column::new("name", SqlType::Varchar(8))],
        ..T
    };
    let plan = plan_table(&live(&T, Dialect::Postgres), &NARROW, Dialect::Postgres).unwrap();
    assert_eq!(plan.safety, Safety::Destructive);
    assert_eq!(
        plan.steps[0].sql,
        r#"ALTER TABLE "t" ALTER COLUMN "name" TYPE VARCHAR(8)"#
    );
}

#[test]
fn postgres_casts_other_type_changes() {
    static BIG: Table = Table {
        columns: &[
            Column {
                nullable: false,
                ..Column::new("id", SqlType::BigInt)
            },
            NAME,
        ],
        ..T
    };
    let plan = plan_table(&live(&T, Dialect::Postgres), &BIG, Dialect::Postgres).unwrap();
    assert_eq!(plan.safety, Safety::Rewrite);
    assert_eq!(
        plan.steps[0].sql,
        r#"ALTER TABLE "t" ALTER COLUMN "id" TYPE BIGINT USING "id"::BIGINT"#
    );
}

#[test]
fn redshift_rebuilds_to_widen_a_distkey_column() {
    static WIDE: Table = Table {
        columns: &[ID, Column::new("name", SqlType::Varchar(64))],
        ..T
    };
    let plan = plan_table(&live(&T, Dialect::Redshift), &WIDE, Dialect::Redshift).unwrap();
    assert_eq!(plan.action, TableAction::DeepCopy);
    assert!(plan.steps.iter().all(|s| s.in_transaction));
}

#[test]
fn redshift_rows_give_the_distribution_and_an_interleaved_sort_key() {
    let row = |column: &str, sortkey: i32| ColumnRow {
        table: "t".into(),
        column: column.into(),
        data_type: "integer".into(),
        is_nullable: "NO".into(),
        encoding: Some("none".into()),
        distkey: false,
        sortkey,
        column_default: None,
        remarks: None,
    };
    let tables = |diststyle| {
        vec![TableRow {
            table: "t".into(),
            diststyle: Some(diststyle),
            remarks: Some("a table".into()),
        }]
    };
    let columns = [row("a", 1), row("b", -2), row("c", 0)];
    let live = assemble(&tables(11), &columns, &[], Dialect::Redshift).remove(0);
    assert_eq!(live.dist, Some(super::LiveDist::Auto));
    let sort = live.sort_key.unwrap();
    assert_eq!(sort.style, SortStyle::Interleaved);
    assert_eq!(sort.columns, ["a", "b"]);
    assert_eq!(live.columns[0].encode, Some(Encode::Raw));
    assert_eq!(live.doc, "a table");
    let live = assemble(&tables(8), &columns, &[], Dialect::Redshift).remove(0);
    assert_eq!(live.dist, Some(super::LiveDist::All));
}

#[test]
#[should_panic(expected = "not a valid SQL name")]
fn catalog_queries_validate_names() {
    let scope = catalog::Scope {
        schema: "public".into(),
        database: "dev".into(),
    };
    catalog::redshift_queries(&["t'; DROP TABLE x; --"], &scope);
}
