//! A warehouse schema: the set of tables a pipeline builds, in load order.

use std::fmt;

use crate::schema::{Column, Fill, Table, TableKind};

/// The tables of one warehouse.
#[derive(Debug, Clone)]
pub struct Schema {
    tables: Vec<&'static Table>,
}

/// A mistake in how the tables of a schema fit together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The table the mistake is in.
    pub table: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table `{}`: {}", self.table, self.message)
    }
}

impl std::error::Error for SchemaError {}

/// Refuses a table or column name with upper-case letters, as the derives
/// do at compile time, for tables described by hand: Redshift folds
/// identifiers to lower case unless `enable_case_sensitive_identifier` is
/// on, and it is off by default
/// (<https://docs.aws.amazon.com/redshift/latest/dg/r_names.html>), so a
/// table declared `Plays` is created as `plays` and dwh, looking for
/// `Plays` in the catalog, would not find it.
fn lower_case_names(table: &'static Table) -> Result<(), SchemaError> {
    let mut names = std::iter::once(table.name).chain(table.columns.iter().map(|c| c.name));
    let upper = |name: &&str| name.chars().any(|c| c.is_ascii_uppercase());
    match names.find(upper) {
        None => Ok(()),
        Some(name) => Err(SchemaError {
            table: table.name,
            message: format!(
                "`{name}` has upper-case letters, and Redshift folds names to lower case \
                 (enable_case_sensitive_identifier is off by default): it would be created \
                 as `{}`, which dwh would not find under `{name}`; write it in lower case",
                name.to_ascii_lowercase()
            ),
        }),
    }
}

impl Schema {
    /// A schema of `tables`, ordered so that every table comes after the
    /// tables it is loaded from, looks up or references.
    pub fn new(tables: impl IntoIterator<Item = &'static Table>) -> Result<Schema, SchemaError> {
        let mut pending: Vec<&'static Table> = Vec::new();
        for table in tables {
            lower_case_names(table)?;
            if pending.iter().any(|t| t.name == table.name) {
                return Err(SchemaError {
                    table: table.name,
                    message: "is declared twice".into(),
                });
            }
            pending.push(table);
        }
        let mut ordered: Vec<&'static Table> = Vec::with_capacity(pending.len());
        while !pending.is_empty() {
            let ready = pending.iter().position(|t| {
                t.depends_on()
                    .iter()
                    .all(|d| d.name == t.name || ordered.iter().any(|o| o.name == d.name))
            });
            match ready {
                Some(i) => ordered.push(pending.remove(i)),
                None => {
                    let table = pending[0];
                    let missing: Vec<&str> = table
                        .depends_on()
                        .iter()
                        .filter(|d| !ordered.iter().any(|o| o.name == d.name))
                        .map(|d| d.name)
                        .collect();
                    return Err(SchemaError {
                        table: table.name,
                        message: format!(
                            "depends on {} which the schema does not include (or a cycle)",
                            missing.join(", ")
                        ),
                    });
                }
            }
        }
        let schema = Schema { tables: ordered };
        schema.validate()?;
        Ok(schema)
    }

    /// Every table, in load order.
    pub fn tables(&self) -> &[&'static Table] {
        &self.tables
    }

    /// The table named `name` (SQL name), if the schema has it.
    pub fn table(&self, name: &str) -> Option<&'static Table> {
        self.tables.iter().copied().find(|t| t.name == name)
    }

    /// The tables of one kind, in load order.
    pub fn of_kind(&self, kind: TableKind) -> impl Iterator<Item = &'static Table> + '_ {
        self.tables.iter().copied().filter(move |t| t.kind == kind)
    }

    /// Dimensions, then facts, each in dependency order.
    pub fn transform_order(&self) -> impl Iterator<Item = &'static Table> + '_ {
        self.of_kind(TableKind::Dimension)
            .chain(self.of_kind(TableKind::Fact))
    }

    /// Checks what the derives cannot see from one struct: references
    /// target a single-column key whose type matches.
    fn validate(&self) -> Result<(), SchemaError> {
        for table in &self.tables {
            for column in table.columns {
                check_reference(table, column)?;
            }
            check_load_source(table)?;
            check_filled(table)?;
        }
        Ok(())
    }
}

/// A column's reference, if it has one, names a one-column key of the
/// same type: the derive sees only the referring struct, not the target.
fn check_reference(table: &Table, column: &Column) -> Result<(), SchemaError> {
    let Some(target) = column.references else {
        return Ok(());
    };
    // A type-2 dimension's rows are versions of its natural
    // key: a fact refers to the key, and `as_of` picks the version.
    let target_key = match target.history {
        Some(_) if column.as_of.is_none() => {
            return Err(SchemaError {
                table: table.name,
                message: format!(
                    "column `{}` references type-2 dimension `{}` without `as_of`",
                    column.name, target.name
                ),
            });
        }
        Some(_) => target.natural_key,
        None => target.primary_key,
    };
    let [key] = target_key else {
        return Err(SchemaError {
            table: table.name,
            message: format!(
                "column `{}` references `{}`, whose primary key is not one column",
                column.name, target.name
            ),
        });
    };
    let key_type = target.column(key).map(|c| c.ty);
    if key_type != Some(column.ty) {
        return Err(SchemaError {
            table: table.name,
            message: format!(
                "column `{}` ({}) references `{}.{key}` of another type",
                column.name, column.ty, target.name
            ),
        });
    }
    Ok(())
}

/// A load reads from a staging table: the derive names its source type
/// but cannot see that type's kind.
fn check_load_source(table: &Table) -> Result<(), SchemaError> {
    if let Some(load) = &table.load {
        if load.source.kind != TableKind::Staging {
            return Err(SchemaError {
                table: table.name,
                message: format!("its source `{}` is not a staging table", load.source.name),
            });
        }
    }
    Ok(())
}

/// Every column of a dimension or fact is filled by something: its load,
/// an identity, or (for a type-2 dimension's role columns) the history load.
fn check_filled(table: &Table) -> Result<(), SchemaError> {
    let roles = table.history.map(|h| h.roles()).unwrap_or_default();
    for column in table.columns {
        if column.fill == Fill::None
            && !column.identity
            && table.kind != TableKind::Staging
            && !roles.contains(&column.name)
        {
            return Err(SchemaError {
                table: table.name,
                message: format!("column `{}` has no source", column.name),
            });
        }
    }
    Ok(())
}
