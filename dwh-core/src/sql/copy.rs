//! Bulk loads: the jsonpaths document and COPY statements.

use super::dialect::Dialect;
use super::ident::{quote_ident, quote_list, quote_literal};
use crate::schema::{SqlType, Table, TableKind};

/// The Redshift jsonpaths document for a staging table: one path per column,
/// in column order, so COPY's column list and the paths cannot drift apart.
pub fn jsonpaths(table: &Table) -> String {
    let paths: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let key = c.json.map(|j| j.key).unwrap_or(c.name);
            let path = format!("$['{}']", key.replace('\\', "\\\\").replace('\'', "\\'"));
            format!("        {}", serde_json::Value::String(path))
        })
        .collect();
    format!(
        "{{\n    \"jsonpaths\": [\n{}\n    ]\n}}\n",
        paths.join(",\n")
    )
}

fn column_names(table: &Table) -> String {
    quote_list(table.columns.iter().map(|c| c.name), "")
}

/// `COPY t (cols) FROM STDIN (FORMAT binary)`: the local engine's load.
pub fn copy_binary_stdin(table: &Table) -> String {
    format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        quote_ident(table.name),
        column_names(table)
    )
}

/// The text the CSV parts `dwh upload` writes hold for NULL, named by
/// the CSV COPY's `NULL AS`. Every other value in those parts is quoted;
/// a source value equal to this text is refused by the upload rather than
/// loaded as NULL (Redshift's documentation does not say whether a quoted
/// field matching `NULL AS` loads as NULL, so dwh never relies on it).
pub const CSV_NULL: &str = "\\N";

/// What the files a Redshift COPY reads hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopyFormat {
    /// JSON records, mapped by the jsonpaths document (or `'auto'`).
    #[default]
    Json,
    /// CSV as `dwh upload` writes it: one header row, then the table's
    /// columns in table order, `,` between fields, `"` around every value,
    /// [`CSV_NULL`] for NULL.
    Csv,
    /// Parquet files whose columns are the table's, in table order (the
    /// upload checks each file): columnar COPY maps them by position.
    Parquet,
}

impl CopyFormat {
    /// `JSON`, `CSV` or `PARQUET`, as the COPY names it.
    pub fn keyword(self) -> &'static str {
        match self {
            CopyFormat::Json => "JSON",
            CopyFormat::Csv => "CSV",
            CopyFormat::Parquet => "PARQUET",
        }
    }
}

/// Where and how Redshift COPYs a staging table from S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Copy {
    /// What the files hold.
    pub format: CopyFormat,
    /// `s3://bucket/prefix` of the data, or of the manifest when `manifest`.
    pub from: String,
    /// ARN of the IAM role Redshift assumes to read S3.
    pub iam_role: String,
    /// AWS region of the bucket.
    pub region: String,
    /// JSON only: `s3://…` of the jsonpaths document; `None` uses
    /// `'auto'`, which needs every JSON key to equal its column name.
    pub jsonpaths: Option<String>,
    /// `from` names a manifest listing the files, not a prefix.
    pub manifest: bool,
    /// The files are gzip-compressed (JSON and CSV; Parquet compresses
    /// inside the file).
    pub gzip: bool,
    /// Redshift MAXERROR: bad records tolerated before the COPY fails
    /// (JSON and CSV; a columnar COPY fails on its first error).
    pub max_errors: u32,
}

/// A COPY that cannot be rendered safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    #[error("table `{0}` is not a staging table; only staging tables are loaded by COPY")]
    /// The table named is not a staging table.
    NotStaging(&'static str),
    #[error("{what} `{value}` is not valid: {expected}")]
    /// A value (S3 URI, role ARN, region) that would not be safe in the SQL.
    Invalid {
        /// What the value is, e.g. `IAM role`.
        what: &'static str,
        /// The value given.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    #[error("table `{table}` maps JSON key `{key}` to column `{column}`; COPY needs a jsonpaths document for that")]
    /// A JSON key differs from its column name, so `'auto'` would not map it.
    NeedsJsonpaths {
        /// The staging table.
        table: &'static str,
        /// The JSON key.
        key: &'static str,
        /// The column it is read into.
        column: &'static str,
    },
    #[error(
        "the {0} engine cannot load staging this way: the local engine loads files, Redshift COPYs from S3"
    )]
    /// A staging load the dialect cannot run (S3 COPY locally, files on Redshift).
    Unsupported(&'static str),
    #[error("a {format} COPY cannot take {option}: {why}")]
    /// An option the format's COPY does not take.
    NotForFormat {
        /// `CSV` or `PARQUET`.
        format: &'static str,
        /// The option, e.g. `MAXERROR 10`.
        option: String,
        /// Why, with the Redshift documentation's page.
        why: &'static str,
    },
}

fn check(
    what: &'static str,
    value: &str,
    ok: bool,
    expected: &'static str,
) -> Result<(), CopyError> {
    if ok {
        Ok(())
    } else {
        Err(CopyError::Invalid {
            what,
            value: value.to_owned(),
            expected,
        })
    }
}

/// `s3://bucket/key…` with a DNS-style bucket and no quote or control characters.
pub fn is_s3_uri(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("s3://") else {
        return false;
    };
    let bucket = rest.split('/').next().unwrap_or("");
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    bucket_ok
        && !rest
            .chars()
            .any(|c| c == '\'' || c == '\\' || c.is_control())
}

/// `arn:aws:iam::123456789012:role/name`.
pub fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_word, partition, "iam", "", account, resource] = parts.as_slice() else {
        return false;
    };
    *arn_word == "arn"
        && partition.starts_with("aws")
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && resource.strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        })
}

/// `us-west-2`, `eu-central-1`, `us-gov-west-1`.
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The Redshift `COPY … FROM 's3://…'` for a staging table, in the
/// copy's format: JSON, CSV or Parquet.
pub fn copy_from_s3(table: &Table, copy: &S3Copy) -> Result<String, CopyError> {
    if table.kind != TableKind::Staging {
        return Err(CopyError::NotStaging(table.name));
    }
    check_locations(copy)?;
    check_format_options(copy)?;
    let lit = |s: &str| quote_literal(s, Dialect::Redshift);
    let head = |columns: String| {
        format!(
            "COPY {}{columns}\nFROM {}\nIAM_ROLE {}",
            quote_ident(table.name),
            lit(&copy.from),
            lit(&copy.iam_role),
        )
    };
    let with_columns = || format!(" ({})", column_names(table));
    let region = format!("\nREGION {}", lit(&copy.region));
    let mut sql = match copy.format {
        CopyFormat::Json => format!(
            "{}{region}\nFORMAT AS JSON {}",
            head(with_columns()),
            json_format(table, copy)?
        ),
        // The parts' header row is the table's columns in table order, so
        // the column list names the files' order (copy-parameters-column-mapping.html).
        CopyFormat::Csv => format!("{}{region}\n{}", head(with_columns()), csv_format()),
        // Columnar COPY maps the file's columns to the table's by position,
        // counts must match, and takes no REGION (the bucket must be in the
        // cluster's region): https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html
        // That page lists the parameters it takes and no column list, so
        // none is rendered; the upload checks each file's columns instead.
        CopyFormat::Parquet => format!("{}\nFORMAT AS PARQUET", head(String::new())),
    };
    push_options(table, copy, &mut sql);
    Ok(sql)
}

/// CSV as `dwh upload` writes it: `"` quotes, `,` between fields,
/// [`CSV_NULL`] for NULL, one header row per part; IGNOREHEADER skips it
/// in every file of the load (copy-parameters-data-format.html,
/// copy-parameters-data-conversion.html).
fn csv_format() -> String {
    let lit = |s: &str| quote_literal(s, Dialect::Redshift);
    format!(
        "FORMAT AS CSV QUOTE AS {}\nDELIMITER {}\nNULL AS {}\nIGNOREHEADER 1",
        lit("\""),
        lit(","),
        lit(CSV_NULL)
    )
}

/// Refuses options the copy's format does not take, rather than sending a
/// COPY Redshift rejects (or one that silently means something else).
fn check_format_options(copy: &S3Copy) -> Result<(), CopyError> {
    let refuse = |option: String, why: &'static str| {
        Err(CopyError::NotForFormat {
            format: copy.format.keyword(),
            option,
            why,
        })
    };
    if copy.format != CopyFormat::Json && copy.jsonpaths.is_some() {
        return refuse("a jsonpaths document".into(), "only JSON is read by paths");
    }
    if copy.format != CopyFormat::Parquet {
        return Ok(());
    }
    const COLUMNAR: &str = "MAXERROR and GZIP are not among the parameters a COPY from Parquet takes; it fails on its first error (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html)";
    if copy.max_errors > 0 {
        return refuse(format!("MAXERROR {}", copy.max_errors), COLUMNAR);
    }
    if copy.gzip {
        return refuse("GZIP".into(), COLUMNAR);
    }
    Ok(())
}

/// Checks the values spliced into the COPY as literals: a malformed one is
/// refused here rather than sent to the cluster.
fn check_locations(copy: &S3Copy) -> Result<(), CopyError> {
    check(
        "S3 location",
        &copy.from,
        is_s3_uri(&copy.from),
        "expected s3://bucket/prefix",
    )?;
    check(
        "IAM role",
        &copy.iam_role,
        is_role_arn(&copy.iam_role),
        "expected arn:aws:iam::<12-digit account>:role/<name>",
    )?;
    check(
        "region",
        &copy.region,
        is_region(&copy.region),
        "expected e.g. us-west-2",
    )
}

/// The `FORMAT AS JSON` argument: the jsonpaths document, or `'auto'` when
/// every JSON key equals its column name (`'auto'` maps keys by name).
fn json_format(table: &Table, copy: &S3Copy) -> Result<String, CopyError> {
    if let Some(uri) = &copy.jsonpaths {
        check(
            "jsonpaths location",
            uri,
            is_s3_uri(uri),
            "expected s3://bucket/key",
        )?;
        return Ok(quote_literal(uri, Dialect::Redshift));
    }
    if let Some(c) = table
        .columns
        .iter()
        .find(|c| c.json.is_some_and(|j| j.key != c.name))
    {
        return Err(CopyError::NeedsJsonpaths {
            table: table.name,
            key: c.json.map(|j| j.key).unwrap_or(c.name),
            column: c.name,
        });
    }
    Ok("'auto'".to_owned())
}

/// Whether `table` has a column COPY reads as a time from text.
fn has_timestamp(table: &Table) -> bool {
    table
        .columns
        .iter()
        .any(|c| matches!(c.ty, SqlType::Timestamp | SqlType::TimestampTz))
}

/// The options after the format: time format, manifest, compression, and
/// the error and statistics settings; a Parquet COPY takes only MANIFEST
/// and STATUPDATE of them (copy-usage_notes-copy-from-columnar.html).
fn push_options(table: &Table, copy: &S3Copy, sql: &mut String) {
    let columnar = copy.format == CopyFormat::Parquet;
    if table.has_epoch_millis() && !columnar {
        sql.push_str("\nTIMEFORMAT 'epochmillisecs'");
    } else if has_timestamp(table) && !columnar {
        // The default TIMEFORMAT is 'YYYY-MM-DD HH:MI:SS'; the local loader
        // also reads ISO 8601 (`2013-01-01T10:00:00Z`), which Redshift
        // reads under 'auto' only
        // (https://docs.aws.amazon.com/redshift/latest/dg/automatic-recognition.html).
        sql.push_str("\nTIMEFORMAT 'auto'");
    }
    if copy.manifest {
        sql.push_str("\nMANIFEST");
    }
    if columnar {
        sql.push_str("\nSTATUPDATE OFF");
        return;
    }
    if copy.gzip {
        sql.push_str("\nGZIP");
    }
    // Staging columns are declared wide enough; truncating would hide bad data.
    sql.push_str(&format!(
        "\nMAXERROR {}\nCOMPUPDATE OFF\nSTATUPDATE OFF",
        copy.max_errors
    ));
}
