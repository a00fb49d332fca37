use super::*;

fn s3() -> DoctorS3 {
    DoctorS3 {
        prefix: "s3://bucket/dwh/doctor".into(),
        iam_role: "arn:aws:iam::123456789012:role/dwh-s3-read".into(),
        region: "us-west-2".into(),
    }
}

#[test]
fn every_shape_is_probed() {
    let probes = probes("dwh_doctor_1", "dev", &s3()).unwrap();
    let all = [
        Shape::Session,
        Shape::Catalog,
        Shape::Lock,
        Shape::CreateTable,
        Shape::CreateLike,
        Shape::Copy,
        Shape::LoadErrors,
        Shape::Window,
        Shape::Merge,
        Shape::UpdateFrom,
        Shape::Bookkeeping,
        Shape::Alter,
        Shape::Cleanup,
    ];
    for shape in all {
        assert!(
            probes.iter().any(|p| p.shape == shape),
            "no probe of {shape:?}"
        );
    }
}

#[test]
fn the_scratch_schema_is_made_first_and_dropped_last() {
    let probes = probes("dwh_doctor_1", "dev", &s3()).unwrap();
    assert_eq!(probes[0].sql, "CREATE SCHEMA \"dwh_doctor_1\"");
    let last = probes.last().unwrap();
    assert_eq!(last.sql, "DROP SCHEMA \"dwh_doctor_1\" CASCADE");
}

#[test]
fn the_copies_read_the_uploaded_files() {
    let keys: Vec<String> = files().into_iter().map(|(key, _)| key).collect();
    let probes = probes("dwh_doctor_1", "dev", &s3()).unwrap();
    let copies = probes.iter().filter(|p| p.sql.starts_with("COPY"));
    for copy in copies {
        let read: Vec<&String> = keys
            .iter()
            .filter(|k| copy.sql.contains(&format!("s3://bucket/dwh/doctor/{k}'")))
            .collect();
        // JSON reads data and jsonpaths; CSV and Parquet their data alone.
        let files = if copy.sql.contains("FORMAT AS JSON") {
            2
        } else {
            1
        };
        assert_eq!(
            read.len(),
            files,
            "data (and jsonpaths) of {}: {read:?}",
            copy.sql
        );
    }
}

#[test]
fn only_the_bad_record_is_expected_to_fail() {
    let probes = probes("dwh_doctor_1", "dev", &s3()).unwrap();
    let failing: Vec<&str> = probes
        .iter()
        .filter(|p| p.expect == Expect::Failure)
        .map(|p| p.label.as_str())
        .collect();
    assert_eq!(failing, ["copy a bad record"]);
}

#[test]
fn one_copy_reads_each_format() {
    let probes = probes("dwh_doctor_1", "dev", &s3()).unwrap();
    for format in ["JSON", "CSV", "PARQUET"] {
        let copies = probes
            .iter()
            .filter(|p| p.shape == Shape::Copy && p.expect == Expect::Success)
            .filter(|p| p.sql.contains(&format!("FORMAT AS {format}")));
        assert!(copies.count() >= 1, "no COPY of {format}");
    }
}

/// The Parquet events, read back by the parquet crate's own reader, are
/// the JSON events column for column, and `check_parquet` (the upload's
/// check before a Parquet COPY) accepts the file for `doctor_events`.
#[test]
fn the_parquet_events_are_the_json_events() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    let (_, bytes) = files()
        .into_iter()
        .find(|(key, _)| key.ends_with(".parquet"))
        .expect("a Parquet file among the doctor's files");
    let path = std::env::temp_dir().join(format!("dwh-doctor-{}.parquet", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let json: Vec<serde_json::Value> = tables::EVENTS
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        crate::load::check_parquet(&path, doctor_events()),
        Ok(json.len() as u64)
    );
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let rows: Vec<_> = reader
        .get_row_iter(None)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(rows.len(), json.len());
    for (row, record) in rows.iter().zip(&json) {
        let read: Vec<(String, serde_json::Value)> = row
            .get_column_iter()
            .map(|(name, field)| {
                let value = match field {
                    Field::Str(s) => serde_json::Value::from(s.as_str()),
                    // Micros in the file, epoch millis in the JSON.
                    Field::TimestampMicros(us) => serde_json::Value::from(us / 1000),
                    other => panic!("`{name}` read as {other:?}"),
                };
                (name.clone(), value)
            })
            .collect();
        let expected: Vec<(String, serde_json::Value)> = doctor_events()
            .columns
            .iter()
            .map(|c| {
                let key = c.json.map_or(c.name, |j| j.key);
                (key.to_owned(), record[key].clone())
            })
            .collect();
        assert_eq!(read, expected);
    }
}
