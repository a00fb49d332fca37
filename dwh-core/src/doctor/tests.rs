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
        // JSON reads data and jsonpaths; CSV its data alone.
        let files = if copy.sql.contains("FORMAT AS CSV") {
            1
        } else {
            2
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
