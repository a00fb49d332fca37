//! Connections and databases on the local server.

use std::time::Duration;

use tokio_postgres::{Client, Config, NoTls};

use super::LocalError;

/// Longest database name PostgreSQL keeps (NAMEDATALEN - 1).
const MAX_NAME_BYTES: usize = 63;

/// Databases every cluster needs.
const SYSTEM_DATABASES: [&str; 3] = ["postgres", "template0", "template1"];

/// Connects and drives the connection in the background.
pub(crate) async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("local PostgreSQL connection ended: {e}");
        }
    });
    Ok(client)
}

/// A connection config for the local server at `port`.
pub(crate) fn local_config(port: u16, user: &str, dbname: &str) -> Config {
    let mut config = Config::new();
    config
        .host("127.0.0.1")
        .port(port)
        .user(user)
        .dbname(dbname)
        .connect_timeout(Duration::from_secs(5));
    config
}

/// Creates database `name` unless it exists.
pub(crate) async fn ensure_database(client: &Client, name: &str) -> Result<(), LocalError> {
    validate_database_name(name)?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .map_err(LocalError::postgres(format!(
            "looking up database `{name}`"
        )))?
        .is_some();
    if !exists {
        match client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
        {
            // Another process created it since the look-up: fine.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
            result => {
                result.map_err(LocalError::postgres(format!("creating database `{name}`")))?
            }
        }
    }
    Ok(())
}

/// Replaces database `name` with an empty one on the server `url` points
/// at, and returns the URL of the new database. Tests use it to get a
/// database of their own.
///
/// `url` must be a `postgresql://` URL (such as
/// [`LocalEngine::url`](super::LocalEngine::url)) connecting to another
/// database, as one cannot drop the database one is connected to.
pub async fn create_database(url: &str, name: &str) -> Result<String, LocalError> {
    validate_database_name(name)?;
    let new_url = with_database(url, name)?;
    let config: Config = url
        .parse()
        .map_err(LocalError::postgres(format!("parsing `{url}`")))?;
    let client = connect(&config)
        .await
        .map_err(LocalError::postgres(format!("connecting to `{url}`")))?;
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await
        .map_err(LocalError::postgres("reading the server version"))?
        .get(0);
    // FORCE (PostgreSQL 13+) ends the sessions of an earlier run that is
    // still connected, say a test that crashed mid-way.
    let force = if version >= 130_000 {
        " WITH (FORCE)"
    } else {
        ""
    };
    // The name is validated to [a-z0-9_], so quoting it is enough.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\"{force}"))
        .await
        .map_err(LocalError::postgres(format!("dropping database `{name}`")))?;
    client
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .map_err(LocalError::postgres(format!("creating database `{name}`")))?;
    Ok(new_url)
}

/// Accepts 1 to 63 characters from `[a-z0-9_]`, which need no quoting
/// rules to be safe in SQL or a URL, except the system databases.
pub fn validate_database_name(name: &str) -> Result<(), LocalError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !SYSTEM_DATABASES.contains(&name);
    if valid {
        Ok(())
    } else {
        Err(LocalError::InvalidDatabaseName {
            name: name.to_owned(),
        })
    }
}

/// `url` with its database replaced by `name`, query parameters kept.
fn with_database(url: &str, name: &str) -> Result<String, LocalError> {
    let not_a_url = || LocalError::NotAUrl {
        url: url.to_owned(),
    };
    let rest = url
        .strip_prefix("postgresql://")
        .or_else(|| url.strip_prefix("postgres://"))
        .ok_or_else(not_a_url)?;
    let scheme = &url[..url.len() - rest.len()];
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let authority = before_query
        .split_once('/')
        .map_or(before_query, |(a, _)| a);
    let mut new_url = format!("{scheme}{authority}/{name}");
    if let Some(query) = query {
        new_url.push('?');
        new_url.push_str(query);
    }
    Ok(new_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_plain() {
        for good in ["t", "test_1", "a".repeat(63).as_str(), "9lives"] {
            assert!(validate_database_name(good).is_ok(), "{good}");
        }
        let long = "a".repeat(64);
        for bad in [
            "",
            "Test",
            "a-b",
            "a b",
            "x\"y",
            "é",
            &long,
            "postgres",
            "template1",
        ] {
            let err = validate_database_name(bad).unwrap_err().to_string();
            assert!(err.contains("[a-z0-9_]"), "{bad}: {err}");
        }
    }

    #[test]
    fn urls_get_the_new_database() {
        let cases = [
            (
                "postgresql://dwh@127.0.0.1:5432/dwh",
                "postgresql://dwh@127.0.0.1:5432/t1",
            ),
            (
                "postgresql://dwh@127.0.0.1:5432",
                "postgresql://dwh@127.0.0.1:5432/t1",
            ),
            (
                "postgres://u:p@h/db?sslmode=disable",
                "postgres://u:p@h/t1?sslmode=disable",
            ),
            (
                "postgresql://h?connect_timeout=5",
                "postgresql://h/t1?connect_timeout=5",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(with_database(url, "t1").unwrap(), expected, "{url}");
        }
        let err = with_database("host=localhost dbname=dwh", "t1").unwrap_err();
        assert!(matches!(err, LocalError::NotAUrl { .. }));
    }
}
