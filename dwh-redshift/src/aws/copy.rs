//! Redshift staging loads: where each staging table's COPY reads (the
//! uploaded manifest, gzip parts, the generated jsonpaths), and a failed
//! COPY explained row by row from `STL_LOAD_ERRORS`. The statements
//! themselves are rendered by `dwh_core::sql::redshift`.

use std::fmt;

use dwh_core::project::{Format, StagingSource};
use dwh_core::schema::Table;
use dwh_core::sql::{CopyFormat, S3Copy};
use tokio_postgres::Client;

use super::layout::Layout;
use super::load_errors::{self, LoadErrorRow};

/// The COPY source of each staging source uploaded under `layout`: its
/// manifest of parts in the source's format: gzip JSON with its jsonpaths
/// document, gzip CSV as the upload rewrites it, or the Parquet files.
pub fn copies(
    sources: &[StagingSource],
    layout: &Layout,
    role_arn: &str,
    region: &str,
    max_errors: u32,
) -> Vec<(&'static Table, S3Copy)> {
    sources
        .iter()
        .map(
            |StagingSource {
                 table, dir, format, ..
             }| {
                let format = copy_format(format);
                let json = format == CopyFormat::Json;
                let copy = S3Copy {
                    format,
                    from: layout.uri(&layout.manifest_key(dir)),
                    iam_role: role_arn.to_owned(),
                    region: region.to_owned(),
                    jsonpaths: json.then(|| layout.uri(&layout.jsonpaths_key(table.name))),
                    manifest: true,
                    gzip: format != CopyFormat::Parquet,
                    max_errors,
                };
                (*table, copy)
            },
        )
        .collect()
}

/// What the uploaded parts of a source of `format` hold: CSV is rewritten
/// by the upload into the one form the CSV COPY reads, whatever the
/// source's delimiter, quote or NULL text.
pub fn copy_format(format: &Format) -> CopyFormat {
    match format {
        Format::Json => CopyFormat::Json,
        Format::Csv(_) => CopyFormat::Csv,
        Format::Parquet => CopyFormat::Parquet,
    }
}

/// `--max-errors` above 0 with a Parquet source: a COPY from Parquet
/// fails on its first error and takes no MAXERROR
/// (<https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html>),
/// so the tolerance asked for could not be given; refused before any work.
pub fn refuse_max_errors_for_parquet(
    sources: &[StagingSource],
    max_errors: u64,
) -> anyhow::Result<()> {
    let parquet: Vec<&str> = sources
        .iter()
        .filter(|s| s.format == Format::Parquet)
        .map(|s| s.table.name)
        .collect();
    if max_errors > 0 && !parquet.is_empty() {
        anyhow::bail!(
            "--max-errors {max_errors} cannot apply to the Parquet source(s) of {} on Redshift: \
             a COPY from Parquet takes no MAXERROR and fails on its first bad record; \
             run with --max-errors 0",
            parquet.join(", ")
        );
    }
    Ok(())
}

/// A COPY that failed, with its load errors mapped to the schema.
#[derive(Debug)]
pub struct CopyFailed {
    pub table: &'static str,
    pub error: String,
    /// Rendered [`load_errors::MappedError`]s.
    pub details: Vec<String>,
}

impl fmt::Display for CopyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "COPY into `{}` failed: {}", self.table, self.error)?;
        if self.details.is_empty() {
            f.write_str("\n  (no rows in STL_LOAD_ERRORS for this COPY: the failure is not in the data; check the role's access to the bucket and the region)")?;
        }
        for detail in &self.details {
            write!(f, "\n  {detail}")?;
        }
        if self.details.len() == load_errors::MAX_ROWS {
            write!(f, "\n  (first {} errors shown)", load_errors::MAX_ROWS)?;
        }
        Ok(())
    }
}

impl std::error::Error for CopyFailed {}

/// The server's message, without the driver's prefix.
pub fn db_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    }
}

/// The failed COPY's rows of `STL_LOAD_ERRORS`, read with `query` (the
/// rendered lookup by `pg_last_copy_id()`), mapped and rendered; an error
/// reading them becomes one line saying so.
pub async fn explain(client: &Client, table: &'static Table, query: &str) -> Vec<String> {
    let rows = match client.query(query, &[]).await {
        Ok(rows) => rows,
        Err(e) => {
            return vec![format!(
                "(could not read STL_LOAD_ERRORS: {})",
                db_error(&e)
            )]
        }
    };
    let rows: Vec<LoadErrorRow> = rows
        .iter()
        .map(|r| LoadErrorRow {
            file_name: r.try_get("file_name").unwrap_or_default(),
            line_number: r.try_get("line_number").unwrap_or_default(),
            column_name: r.try_get("column_name").unwrap_or_default(),
            column_type: r.try_get("column_type").unwrap_or_default(),
            column_length: r.try_get("column_length").unwrap_or_default(),
            position: r.try_get("position").unwrap_or_default(),
            error_code: r.try_get("error_code").unwrap_or_default(),
            error_message: r.try_get("error_message").unwrap_or_default(),
        })
        .collect();
    load_errors::map_errors(table, rows)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order as it arrives: a camelCase key needs a jsonpaths document.
    #[derive(dwh_core::StagingTable)]
    #[dwh(table = "staging_orders", diststyle = even)]
    #[allow(dead_code)]
    struct StagingOrder {
        #[dwh(json = "orderId")]
        order_id: Option<i64>,
        amount: Option<f64>,
    }

    #[test]
    fn copies_read_manifests_with_jsonpaths_and_gzip() {
        use dwh_core::project::FilePattern;
        use dwh_core::StagingTable;
        let layout = Layout::new("my-data", "shop");
        let sources = [StagingSource {
            table: &<StagingOrder as StagingTable>::TABLE,
            dir: "orders".into(),
            pattern: FilePattern::new("*.json").unwrap(),
            format: dwh_core::project::Format::Json,
        }];
        let copies: Vec<String> = copies(
            &sources,
            &layout,
            "arn:aws:iam::123456789012:role/dwh-shop-s3-read",
            "us-west-2",
            0,
        )
        .iter()
        .map(|(table, copy)| dwh_core::sql::copy_from_s3(table, copy).unwrap())
        .collect();
        assert_eq!(copies.len(), 1);
        let orders = &copies[0];
        assert!(orders.starts_with("COPY \"staging_orders\" ("), "{orders}");
        assert!(orders.contains("FROM 's3://my-data/shop/manifests/orders.manifest'"));
        assert!(orders
            .contains("FORMAT AS JSON 's3://my-data/shop/jsonpaths/staging_orders.jsonpaths'"));
        assert!(orders.contains("\nMANIFEST\nGZIP\n"));
        assert!(orders.contains("IAM_ROLE 'arn:aws:iam::123456789012:role/dwh-shop-s3-read'"));
    }

    fn orders(format: dwh_core::project::Format) -> StagingSource {
        use dwh_core::StagingTable;
        StagingSource {
            table: &<StagingOrder as StagingTable>::TABLE,
            dir: "orders".into(),
            pattern: dwh_core::project::FilePattern::new("*").unwrap(),
            format,
        }
    }

    /// CSV parts are gzip with no jsonpaths; Parquet files are neither.
    #[test]
    fn copies_follow_each_source_format() {
        let layout = Layout::new("my-data", "shop");
        let role = "arn:aws:iam::123456789012:role/dwh-shop-s3-read";
        let sources = [
            orders(Format::Csv(dwh_core::project::Csv::new().delimiter(b';'))),
            orders(Format::Parquet),
        ];
        let copies = copies(&sources, &layout, role, "us-west-2", 0);
        let formats: Vec<_> = copies
            .iter()
            .map(|(_, c)| (c.format, c.gzip, c.jsonpaths.is_some()))
            .collect();
        assert_eq!(
            formats,
            [
                (CopyFormat::Csv, true, false),
                (CopyFormat::Parquet, false, false)
            ]
        );
        for (table, copy) in &copies {
            dwh_core::sql::copy_from_s3(table, copy).unwrap();
        }
    }

    #[test]
    fn max_errors_with_a_parquet_source_is_refused_saying_why() {
        let sources = [orders(Format::Json), orders(Format::Parquet)];
        assert!(refuse_max_errors_for_parquet(&sources, 0).is_ok());
        assert!(refuse_max_errors_for_parquet(&sources[..1], 5).is_ok());
        let e = refuse_max_errors_for_parquet(&sources, 5)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--max-errors 5") && e.contains("staging_orders"),
            "{e}"
        );
        assert!(e.contains("takes no MAXERROR"), "{e}");
    }

    #[test]
    fn a_failure_without_rows_points_away_from_the_data() {
        let failed = CopyFailed {
            table: "staging_events",
            error: "S3ServiceException: Access Denied".into(),
            details: vec![],
        };
        let text = failed.to_string();
        assert!(text.contains("COPY into `staging_events` failed: S3ServiceException"));
        assert!(text.contains("not in the data"));
    }
}
