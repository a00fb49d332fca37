//! Which tables of a schema are dwh's own: those in `dwh_registry` (see
//! [`crate::sql::registry`]). Every writing operation reads this first and
//! refuses, before any change, when a declared table exists but is not
//! registered.

use std::collections::BTreeSet;

use tokio_postgres::GenericClient;

use super::error::WarehouseError;
use crate::catalog::Schema;
use crate::sql::registry::{self, Origin, REGISTRY};
use crate::sql::Dialect;

/// The declared tables as the warehouse has them.
#[derive(Debug, Clone)]
pub(super) struct Ownership {
    pub database: String,
    /// Declared tables that exist (as any relation) in the current schema.
    existing: BTreeSet<String>,
    /// Tables listed in the registry.
    registered: BTreeSet<String>,
}

impl Ownership {
    /// Reads the catalog and the registry (absent registry: nothing is
    /// registered). Reads only.
    pub async fn read(
        client: &impl GenericClient,
        schema: &Schema,
        dialect: Dialect,
    ) -> Result<Ownership, WarehouseError> {
        let context = "looking up which tables dwh owns";
        let database: String = client
            .query_one("SELECT current_database()::varchar", &[])
            .await
            .map_err(WarehouseError::sql(context))?
            .get(0);
        let mut names: Vec<&str> = schema.tables().iter().map(|t| t.name).collect();
        names.push(REGISTRY);
        let mut existing: BTreeSet<String> = client
            .query(&registry::existing_relations(&names, dialect), &[])
            .await
            .map_err(WarehouseError::sql(context))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let mut registered = BTreeSet::new();
        if existing.remove(REGISTRY) {
            // A `dwh_registry` of someone else's (other columns) fails here.
            registered = client
                .query(&registry::registered_tables(), &[])
                .await
                .map_err(|_| WarehouseError::NotOwned {
                    database: database.clone(),
                    tables: vec![REGISTRY.to_owned()],
                })?
                .iter()
                .map(|row| row.get(0))
                .collect();
        }
        Ok(Ownership::from_names(database, existing, registered))
    }

    /// From names already read: `existing` as the catalog lists them (the
    /// registry itself among them or not), `registered` from the registry.
    pub fn from_names(
        database: String,
        existing: impl IntoIterator<Item = String>,
        registered: impl IntoIterator<Item = String>,
    ) -> Ownership {
        let mut existing: BTreeSet<String> = existing.into_iter().collect();
        existing.remove(REGISTRY);
        Ownership {
            database,
            existing,
            registered: registered.into_iter().collect(),
        }
    }

    /// Declared tables that exist but are not dwh's.
    pub fn foreign(&self) -> Vec<String> {
        self.existing
            .difference(&self.registered)
            .cloned()
            .collect()
    }

    /// Fails with [`WarehouseError::NotOwned`] naming every foreign table.
    pub fn check(&self) -> Result<(), WarehouseError> {
        let tables = self.foreign();
        if tables.is_empty() {
            return Ok(());
        }
        Err(WarehouseError::NotOwned {
            database: self.database.clone(),
            tables,
        })
    }

    pub fn exists(&self, table: &str) -> bool {
        self.existing.contains(table)
    }

    pub fn is_registered(&self, table: &str) -> bool {
        self.registered.contains(table)
    }

    /// Registered and present: what dwh may drop, in the schema's order.
    pub fn owned(&self, schema: &Schema) -> Vec<&'static str> {
        schema
            .tables()
            .iter()
            .map(|t| t.name)
            .filter(|name| self.exists(name) && self.is_registered(name))
            .collect()
    }
}

/// Registers each foreign table of `ownership` as adopted, after checking
/// that its live columns are the declared ones (names, order, types,
/// lengths); the first table that differs fails with
/// [`WarehouseError::AdoptMismatch`]. Run inside the transaction that
/// creates the rest, so a failure adopts nothing.
pub(super) async fn adopt(
    client: &impl GenericClient,
    schema: &Schema,
    dialect: Dialect,
    ownership: &Ownership,
) -> Result<Vec<&'static str>, WarehouseError> {
    let mut adopted = Vec::new();
    for name in ownership.foreign() {
        let Some(table) = schema.table(&name) else {
            continue;
        };
        let context = format!("reading the columns of `{name}`");
        let live: Vec<(String, String, Option<i32>)> = client
            .query(&registry::live_columns(table.name, dialect), &[])
            .await
            .map_err(WarehouseError::sql(context))?
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect();
        let declared = registry::declared_columns(table);
        if live != declared {
            return Err(WarehouseError::AdoptMismatch {
                database: ownership.database.clone(),
                table: table.name,
                declared: describe(&declared),
                live: describe(&live),
            });
        }
        adopted.push(table.name);
    }
    for name in &adopted {
        client
            .batch_execute(&registry::register(name, Origin::Adopted, dialect))
            .await
            .map_err(WarehouseError::sql(format!("registering `{name}`")))?;
    }
    Ok(adopted)
}

/// `user_id integer, level character varying(8)`.
fn describe(columns: &[(String, String, Option<i32>)]) -> String {
    if columns.is_empty() {
        return "(no columns: not a table)".to_owned();
    }
    columns
        .iter()
        .map(|(name, ty, len)| match len {
            Some(n) => format!("{name} {ty}({n})"),
            None => format!("{name} {ty}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ownership check on names already read, as the Redshift run reads
/// them inside its transaction: every declared table in `existing` must be
/// in `registered`, or [`WarehouseError::NotOwned`] names the others.
pub fn check_owned(
    database: &str,
    existing: Vec<String>,
    registered: Vec<String>,
) -> Result<(), WarehouseError> {
    Ownership::from_names(database.to_owned(), existing, registered).check()
}

#[cfg(test)]
mod tests {
    use super::{check_owned, WarehouseError};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn an_existing_table_not_in_the_registry_is_named_and_the_registry_is_not() {
        let error = check_owned(
            "appdb",
            names(&["users", "dwh_registry", "songs"]),
            names(&["songs"]),
        )
        .unwrap_err();
        match error {
            WarehouseError::NotOwned { database, tables } => {
                assert_eq!(database, "appdb");
                assert_eq!(tables, ["users"]);
            }
            other => panic!("{other}"),
        }
        check_owned("dwh", names(&["songs", "dwh_registry"]), names(&["songs"])).unwrap();
    }
}
