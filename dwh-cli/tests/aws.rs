//! The AWS commands end to end against moto (see `aws_support`): every
//! outcome is checked through the emulator's own describe/list APIs. No
//! test makes a real AWS call.

mod aws_support;

use std::path::{Path, PathBuf};

use aws_support::{runtime, scratch, LocalEngine, Moto, CONFIG};

/// The course sample data (`DWH_SAMPLE_DIR` or ../shared/data/sparkify).
fn sample() -> PathBuf {
    dwh_tests::sample_data()
}

#[test]
fn provision_adopt_open_port_upload_load_from_s3_and_teardown() {
    dwh_tests::require_sample!();
    let moto = Moto::start();
    let dir = scratch("lifecycle");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();
    let rt = runtime();

    let (role_arn, cluster, group_id) = first_provision_creates_everything(&moto, &dir, &rt);
    second_provision_adopts_everything(&moto, &dir, &rt, &cluster);
    status_names_the_cluster(&moto, &dir, &role_arn, &group_id);
    open_port_refuses_the_internet_and_opens_a_cidr_once(&moto, &dir, &rt, &group_id);
    upload_writes_parts_manifests_and_jsonpaths(&moto, &dir, &rt);
    local_engine_loads_the_uploaded_objects(&moto, &dir, &rt);
    redshift_target_stops_at_the_sql_endpoint(&moto, &dir);
    teardown_deletes_everything_but_the_bucket(&moto, &dir, &rt, &group_id);
    let _ = std::fs::remove_dir_all(&dir);
}

/// First run: everything is created. Returns the role's ARN, the cluster
/// and its security group's id, which the later stages look for.
fn first_provision_creates_everything(
    moto: &Moto,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
) -> (String, aws_sdk_redshift::types::Cluster, String) {
    let first = moto.dwh(dir, &["provision"]).ok();
    assert!(
        first
            .stdout
            .contains("4 to create, 0 to update, 0 to delete, 0 adopted"),
        "{}",
        first.text()
    );
    assert!(first.stdout.contains("is available"), "{}", first.text());
    let (iam, redshift, ec2) = (moto.iam(), moto.redshift(), moto.ec2());
    rt.block_on(async {
        let role_arn = assert_new_role_reads_only_its_prefix(&iam).await;
        let (cluster, group_id) =
            assert_new_cluster_is_private_and_closed(&redshift, &ec2, &role_arn).await;
        (role_arn, cluster, group_id)
    })
}

/// The new role trusts Redshift and reads only the data prefix, through
/// an inline policy rather than AmazonS3ReadOnlyAccess. Returns its ARN.
async fn assert_new_role_reads_only_its_prefix(iam: &aws_sdk_iam::Client) -> String {
    let role = iam
        .get_role()
        .role_name("dwh-sparkify-s3-read")
        .send()
        .await
        .unwrap();
    let role = role.role().unwrap();
    let trust = aws_support::policy_document(role.assume_role_policy_document().unwrap());
    assert!(trust.contains("redshift.amazonaws.com"), "{trust}");
    let policy = aws_support::role_policy(iam, "dwh-sparkify-s3-read").await;
    assert!(
        policy.contains("arn:aws:s3:::dwh-it-data/sparkify/*"),
        "{policy}"
    );
    assert!(!policy.contains("s3:*"), "{policy}");
    let attached = iam
        .list_attached_role_policies()
        .role_name("dwh-sparkify-s3-read")
        .send()
        .await
        .unwrap();
    assert!(
        attached.attached_policies().is_empty(),
        "no AmazonS3ReadOnlyAccess"
    );
    role.arn().to_owned()
}

/// The new cluster is encrypted, private, has the configured nodes and
/// the role, and sits in a new group that lets nobody in. Returns the
/// cluster and the group's id.
async fn assert_new_cluster_is_private_and_closed(
    redshift: &aws_sdk_redshift::Client,
    ec2: &aws_sdk_ec2::Client,
    role_arn: &str,
) -> (aws_sdk_redshift::types::Cluster, String) {
    let clusters = redshift.describe_clusters().send().await.unwrap();
    assert_eq!(clusters.clusters().len(), 1);
    let cluster = clusters.clusters()[0].clone();
    assert_eq!(cluster.cluster_identifier(), Some("dwh-it"));
    assert_eq!(cluster.encrypted(), Some(true));
    assert_eq!(cluster.publicly_accessible(), Some(false));
    assert_eq!(cluster.number_of_nodes(), Some(2));
    assert_eq!(cluster.iam_roles()[0].iam_role_arn(), Some(role_arn));
    let group_id = cluster.vpc_security_groups()[0]
        .vpc_security_group_id()
        .unwrap()
        .to_owned();
    let groups = ec2
        .describe_security_groups()
        .group_ids(&group_id)
        .send()
        .await
        .unwrap();
    let group = &groups.security_groups()[0];
    assert_eq!(group.group_name(), Some("dwh-dwh-it"));
    assert!(
        group.ip_permissions().is_empty(),
        "a new group lets nobody in"
    );
    (cluster, group_id)
}

/// Second run: adopts everything and creates nothing; there is still one
/// role, the same cluster and one group.
fn second_provision_adopts_everything(
    moto: &Moto,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
    cluster: &aws_sdk_redshift::types::Cluster,
) {
    let second = moto.dwh(dir, &["provision"]).ok();
    assert!(
        second
            .stdout
            .contains("0 to create, 0 to update, 0 to delete, 3 adopted"),
        "{}",
        second.text()
    );
    assert!(
        second.stdout.contains("nothing to create"),
        "{}",
        second.text()
    );
    let (iam, redshift, ec2) = (moto.iam(), moto.redshift(), moto.ec2());
    rt.block_on(async {
        let roles = iam.list_roles().send().await.unwrap();
        let ours: Vec<_> = roles
            .roles()
            .iter()
            .filter(|r| r.role_name() == "dwh-sparkify-s3-read")
            .collect();
        assert_eq!(ours.len(), 1);
        let clusters = redshift.describe_clusters().send().await.unwrap();
        assert_eq!(clusters.clusters().len(), 1);
        assert_eq!(
            clusters.clusters()[0].cluster_create_time(),
            cluster.cluster_create_time()
        );
        let groups = ec2
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values("dwh-dwh-it")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(groups.security_groups().len(), 1);
    });
}

/// `dwh status` names the cluster's state, role, group, rules and slices.
fn status_names_the_cluster(moto: &Moto, dir: &Path, role_arn: &str, group_id: &str) {
    let status = moto.dwh(dir, &["status"]).ok();
    for expected in ["available", role_arn, group_id, "no ingress", "4 slices"] {
        assert!(
            status.stdout.contains(expected),
            "status lacks {expected}:\n{}",
            status.text()
        );
    }
}

/// The whole internet is refused without the flag; a CIDR opens once.
fn open_port_refuses_the_internet_and_opens_a_cidr_once(
    moto: &Moto,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
    group_id: &str,
) {
    let public = moto.dwh(dir, &["open-port", "--cidr", "0.0.0.0/0"]).code(1);
    assert!(
        public.stderr.contains("--allow-public"),
        "{}",
        public.text()
    );
    moto.dwh(dir, &["open-port", "--cidr", "203.0.113.0/24"])
        .ok();
    let again = moto
        .dwh(dir, &["open-port", "--cidr", "203.0.113.0/24"])
        .ok();
    assert!(again.stdout.contains("already open"), "{}", again.text());
    let ec2 = moto.ec2();
    let ranges = |rt: &tokio::runtime::Runtime| {
        rt.block_on(async {
            let groups = ec2
                .describe_security_groups()
                .group_ids(group_id)
                .send()
                .await
                .unwrap();
            groups.security_groups()[0]
                .ip_permissions()
                .iter()
                .filter(|p| p.from_port() == Some(5439) && p.to_port() == Some(5439))
                .flat_map(|p| {
                    p.ip_ranges()
                        .iter()
                        .filter_map(|r| r.cidr_ip().map(str::to_owned))
                })
                .collect::<Vec<String>>()
        })
    };
    assert_eq!(ranges(rt), ["203.0.113.0/24"]);
}

/// Upload: parts (a multiple of the 4 slices), manifests, jsonpaths, in a
/// bucket it creates with public access blocked.
fn upload_writes_parts_manifests_and_jsonpaths(
    moto: &Moto,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
) {
    let upload = moto
        .dwh(dir, &["upload", "--data", sample().to_str().unwrap()])
        .ok();
    assert!(
        upload.stderr.contains("created bucket s3://dwh-it-data"),
        "{}",
        upload.text()
    );
    let s3 = moto.s3();
    let keys: Vec<String> = rt.block_on(async {
        let objects = s3
            .list_objects_v2()
            .bucket("dwh-it-data")
            .send()
            .await
            .unwrap();
        objects
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect()
    });
    let count = |prefix: &str| keys.iter().filter(|k| k.starts_with(prefix)).count();
    assert_eq!(count("sparkify/log_data/part-"), 4, "{keys:?}");
    assert_eq!(count("sparkify/song_data/part-"), 4, "{keys:?}");
    for key in [
        "sparkify/manifests/log_data.manifest",
        "sparkify/manifests/song_data.manifest",
        "sparkify/jsonpaths/staging_events.jsonpaths",
        "sparkify/jsonpaths/staging_songs.jsonpaths",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} missing from {keys:?}");
    }
    assert_log_manifest_lists_the_parts(&s3, rt);
    assert_bucket_blocks_public_access(&s3, rt);
}

/// The events manifest lists the 4 uploaded parts by their s3:// URL.
fn assert_log_manifest_lists_the_parts(s3: &aws_sdk_s3::Client, rt: &tokio::runtime::Runtime) {
    let manifest: serde_json::Value = rt.block_on(async {
        let body = s3
            .get_object()
            .bucket("dwh-it-data")
            .key("sparkify/manifests/log_data.manifest")
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        serde_json::from_slice(&body).unwrap()
    });
    let urls: Vec<&str> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls[0],
        "s3://dwh-it-data/sparkify/log_data/part-00000.json.gz"
    );
    assert_eq!(urls.len(), 4);
}

/// The bucket dwh created blocks public ACLs and public bucket policies.
fn assert_bucket_blocks_public_access(s3: &aws_sdk_s3::Client, rt: &tokio::runtime::Runtime) {
    let public_access = rt.block_on(async {
        s3.get_public_access_block()
            .bucket("dwh-it-data")
            .send()
            .await
            .unwrap()
    });
    let block = public_access.public_access_block_configuration().unwrap();
    assert_eq!(block.block_public_acls(), Some(true));
    assert_eq!(block.restrict_public_buckets(), Some(true));
}

/// The local engine loads the same objects from S3, end to end; the
/// engine is stopped when this stage ends, pass or fail.
fn local_engine_loads_the_uploaded_objects(moto: &Moto, dir: &Path, rt: &tokio::runtime::Runtime) {
    let engine = dir.join("engine");
    let _guard = LocalEngine {
        moto,
        dir,
        engine: engine.clone(),
    };
    let report = dir.join("run.json");
    moto.dwh(
        dir,
        &[
            "all",
            "--data",
            "s3://dwh-it-data/sparkify",
            "--local-dir",
            engine.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    )
    .ok();
    // Counted in the warehouse itself, not taken from dwh's own report.
    let url = moto
        .dwh(
            dir,
            &["local", "url", "--local-dir", engine.to_str().unwrap()],
        )
        .ok()
        .stdout
        .trim()
        .to_owned();
    let counts = rt.block_on(count_rows(
        &url,
        &["staging_events", "staging_songs", "songplays"],
    ));
    assert_eq!(
        counts[..2],
        [8056, 71],
        "every event and song of the sample, read back from S3"
    );
    assert!(counts[2] > 0, "songplays were built: {counts:?}");
}

/// `count(*)` of each of `tables` in the database at `url`.
async fn count_rows(url: &str, tables: &[&str]) -> Vec<i64> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut counts = Vec::new();
    for table in tables {
        let row = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap();
        counts.push(row.get::<_, i64>(0));
    }
    counts
}

/// The Redshift target finds the cluster, its role and the uploaded
/// manifests, gets temporary credentials, and then needs a SQL endpoint:
/// no emulator speaks Redshift SQL, so a closed port shows where it stops.
fn redshift_target_stops_at_the_sql_endpoint(moto: &Moto, dir: &Path) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let endpoint = format!("127.0.0.1:{closed_port}");
    let redshift_run = moto
        .dwh_env(
            dir,
            &["all", "--target", "redshift"],
            &[("DWH_SQL_ENDPOINT", &endpoint)],
        )
        .code(1);
    // A failed run ends with its error, not with the summary table.
    assert!(
        redshift_run.stderr.contains("✔ find cluster") && !redshift_run.stdout.contains("duration"),
        "{}",
        redshift_run.text()
    );
    assert!(
        redshift_run
            .stderr
            .contains("cannot connect to database `sparkify` as `IAM:dwh_admin`"),
        "{}",
        redshift_run.text()
    );
}

/// Teardown asks first: without a terminal and --yes it deletes nothing.
/// With --yes it deletes the cluster (after a final snapshot), the group
/// and the role, and keeps the data bucket; running it again is a no-op.
fn teardown_deletes_everything_but_the_bucket(
    moto: &Moto,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
    group_id: &str,
) {
    let redshift = moto.redshift();
    let refused = moto.dwh(dir, &["teardown"]).code(1);
    assert!(refused.stderr.contains("--yes"), "{}", refused.text());
    rt.block_on(async {
        redshift
            .describe_clusters()
            .cluster_identifier("dwh-it")
            .send()
            .await
            .unwrap()
    });

    let teardown = moto.dwh(dir, &["teardown", "--yes"]).ok();
    assert!(
        teardown.stdout.contains("teardown complete"),
        "{}",
        teardown.text()
    );
    rt.block_on(assert_torn_down_but_the_bucket(moto, group_id));
    // Running it again is a no-op, not an error.
    let again = moto.dwh(dir, &["teardown", "--yes"]).ok();
    assert!(
        again.stdout.contains("nothing to tear down"),
        "{}",
        again.text()
    );
}

/// The cluster is gone with a final snapshot left, the security group (and
/// its rule) and the role are gone, the data bucket is kept.
async fn assert_torn_down_but_the_bucket(moto: &Moto, group_id: &str) {
    let (iam, redshift, ec2, s3) = (moto.iam(), moto.redshift(), moto.ec2(), moto.s3());
    let gone = redshift
        .describe_clusters()
        .cluster_identifier("dwh-it")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_redshift::error::ProvideErrorMetadata::code(&gone),
        Some("ClusterNotFound")
    );
    let snapshots = redshift.describe_cluster_snapshots().send().await.unwrap();
    assert!(
        snapshots.snapshots().iter().any(|s| s
            .snapshot_identifier()
            .is_some_and(|id| id.starts_with("dwh-it-final-"))),
        "a final snapshot is taken by default"
    );
    let group = ec2
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_ec2::error::ProvideErrorMetadata::code(&group),
        Some("InvalidGroup.NotFound"),
        "the security group (and its rule) is gone"
    );
    let role = iam
        .get_role()
        .role_name("dwh-sparkify-s3-read")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::code(&role),
        Some("NoSuchEntity")
    );
    s3.head_bucket()
        .bucket("dwh-it-data")
        .send()
        .await
        .expect("the data bucket is kept");
}

const CLASSIC_CFG: &str = "
[AWS]
KEY=AKIAIOSFODNN7EXAMPLE
SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[DWH]
DWH_CLUSTER_TYPE=multi-node
DWH_NUM_NODES=4
DWH_NODE_TYPE=dc2.large
DWH_IAM_ROLE_NAME=dwhRole
DWH_CLUSTER_IDENTIFIER=dwhCluster
DWH_DB=dwh
DWH_DB_USER=dwhuser
DWH_DB_PASSWORD=Passw0rd
DWH_PORT=5439

[S3]
LOG_DATA='s3://udacity-dend/log_data'
LOG_JSONPATH='s3://udacity-dend/log_json_path.json'
SONG_DATA='s3://udacity-dend/song_data'
";

/// What the classic scripts left behind: a role with AmazonS3ReadOnlyAccess,
/// a cluster in some security group, both made outside dwh.
#[test]
fn adopts_what_the_classic_scripts_made_and_tears_it_down() {
    let moto = Moto::start();
    let dir = scratch("classic");
    let rt = runtime();
    let group_id = rt.block_on(make_what_the_classic_scripts_made(&moto));
    import_the_classic_config_without_secrets(&moto, &dir);
    plan_points_out_the_broad_policy_and_changes_nothing(&moto, &dir, &rt);
    provision_adopts_and_scopes_the_role(&moto, &dir, &rt);
    moto.dwh(&dir, &["open-port", "--cidr", "198.51.100.7/32"])
        .ok();
    teardown_keeps_the_group_it_did_not_create(&moto, &dir, &rt, &group_id);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The classic scripts' resources, made with the SDK as they made them:
/// `dwhRole` with AmazonS3ReadOnlyAccess, a hand-made security group in the
/// default VPC and `dwhcluster` in it. Returns the group's id.
async fn make_what_the_classic_scripts_made(moto: &Moto) -> String {
    let (iam, redshift, ec2) = (moto.iam(), moto.redshift(), moto.ec2());
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("dwhRole")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let role_arn = role.role().unwrap().arn().to_owned();
    iam.attach_role_policy()
        .role_name("dwhRole")
        .policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let vpc = ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("is-default")
                .values("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpcs()[0].vpc_id().unwrap().to_owned();
    let group = ec2
        .create_security_group()
        .group_name("launch-wizard-1")
        .description("made by hand")
        .vpc_id(vpc)
        .send()
        .await
        .unwrap();
    let group_id = group.group_id().unwrap().to_owned();
    redshift
        .create_cluster()
        .cluster_identifier("dwhcluster")
        .node_type("dc2.large")
        .cluster_type("multi-node")
        .number_of_nodes(4)
        .master_username("dwhuser")
        .master_user_password("Passw0rd")
        .db_name("dwh")
        .iam_roles(role_arn)
        .vpc_security_group_ids(&group_id)
        .send()
        .await
        .unwrap();
    group_id
}

/// Import the classic config: no secret survives. The bucket is left for
/// the user to name (this test names one), and a second import refuses to
/// overwrite without --force.
fn import_the_classic_config_without_secrets(moto: &Moto, dir: &Path) {
    std::fs::write(dir.join("dwh.cfg"), CLASSIC_CFG).unwrap();
    let import = moto.dwh(dir, &["config", "import", "dwh.cfg"]).ok();
    assert!(
        import
            .stderr
            .contains("AWS.KEY, AWS.SECRET, DWH.DWH_DB_PASSWORD hold secrets, not copied"),
        "{}",
        import.text()
    );
    let toml = std::fs::read_to_string(dir.join("dwh.toml")).unwrap();
    for secret in ["AKIA", "wJalr", "Passw0rd"] {
        assert!(!toml.contains(secret), "{toml}");
        assert!(!import.text().contains(secret), "{}", import.text());
    }
    assert!(toml.contains("identifier = \"dwhcluster\""), "{toml}");
    // The course's public bucket is a source, not the user's: they name
    // their own, as the import's note says.
    assert!(
        import.stderr.contains("set `bucket` in [s3]"),
        "{}",
        import.text()
    );
    assert!(toml.contains("bucket = \"\""), "{toml}");
    std::fs::write(
        dir.join("dwh.toml"),
        toml.replace("bucket = \"\"", "bucket = \"dwh-classic-data\""),
    )
    .unwrap();
    let refuse_overwrite = moto.dwh(dir, &["config", "import", "dwh.cfg"]).code(1);
    assert!(
        refuse_overwrite.stderr.contains("--force"),
        "{}",
        refuse_overwrite.text()
    );
}

/// --plan adopts all three, points out the broad policy, changes nothing.
fn plan_points_out_the_broad_policy_and_changes_nothing(
    moto: &Moto,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
) {
    let plan = moto.dwh(dir, &["provision", "--plan"]).ok();
    assert!(
        plan.stdout
            .contains("0 to create, 1 to update, 0 to delete, 3 adopted"),
        "{}",
        plan.text()
    );
    assert!(
        plan.stdout.contains("AmazonS3ReadOnlyAccess"),
        "the broad policy is pointed out:\n{}",
        plan.text()
    );
    let iam = moto.iam();
    rt.block_on(async {
        let policies = iam
            .list_role_policies()
            .role_name("dwhRole")
            .send()
            .await
            .unwrap();
        assert!(policies.policy_names().is_empty(), "--plan wrote nothing");
    });
}

/// Provision adopts: the role gets the scoped policy. (Attaching a role
/// to an adopted cluster uses ModifyClusterIamRoles, which moto lacks;
/// the classic scripts attached it at creation anyway.)
fn provision_adopts_and_scopes_the_role(moto: &Moto, dir: &Path, rt: &tokio::runtime::Runtime) {
    moto.dwh(dir, &["provision"]).ok();
    let (iam, redshift, ec2) = (moto.iam(), moto.redshift(), moto.ec2());
    rt.block_on(async {
        let cluster = redshift
            .describe_clusters()
            .cluster_identifier("dwhcluster")
            .send()
            .await
            .unwrap();
        let roles = cluster.clusters()[0].iam_roles();
        assert_eq!(roles.len(), 1);
        assert!(roles[0].iam_role_arn().unwrap().ends_with(":role/dwhRole"));
        // dwh put its scoped policy on the adopted role.
        aws_support::role_policy(&iam, "dwhRole").await;
        let groups = ec2
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values("dwh-dwhcluster")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert!(
            groups.security_groups().is_empty(),
            "an adopted cluster keeps its own group"
        );
    });
}

/// Teardown detaches the managed policy (DeleteConflict otherwise),
/// closes only its own rule and keeps the group it did not create.
fn teardown_keeps_the_group_it_did_not_create(
    moto: &Moto,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
    group_id: &str,
) {
    moto.dwh(dir, &["teardown", "--yes", "--skip-final-snapshot"])
        .ok();
    let (iam, redshift, ec2) = (moto.iam(), moto.redshift(), moto.ec2());
    rt.block_on(async {
        let role = iam
            .get_role()
            .role_name("dwhRole")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            aws_sdk_iam::error::ProvideErrorMetadata::code(&role),
            Some("NoSuchEntity")
        );
        let cluster = redshift
            .describe_clusters()
            .cluster_identifier("dwhcluster")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            aws_sdk_redshift::error::ProvideErrorMetadata::code(&cluster),
            Some("ClusterNotFound")
        );
        let snapshots = redshift.describe_cluster_snapshots().send().await.unwrap();
        assert!(snapshots
            .snapshots()
            .iter()
            .all(|s| s.snapshot_type() != Some("manual")));
        let groups = ec2
            .describe_security_groups()
            .group_ids(group_id)
            .send()
            .await
            .unwrap();
        let group = &groups.security_groups()[0];
        assert!(
            group.ip_permissions().is_empty(),
            "the rule dwh opened is closed"
        );
    });
}

/// dwh's role as a run that failed right after creating it leaves it:
/// assumable by `service`, without its policy.
async fn create_role(iam: &aws_sdk_iam::Client, service: &str) {
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    });
    iam.create_role()
        .role_name("dwh-sparkify-s3-read")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
}

/// A role left by a run that failed half-way is adopted and completed.
#[test]
fn resumes_after_a_partial_run() {
    let moto = Moto::start();
    let dir = scratch("resume");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();
    let rt = runtime();
    let iam = moto.iam();
    rt.block_on(create_role(&iam, "redshift.amazonaws.com"));
    let run = moto.dwh(&dir, &["provision"]).ok();
    assert!(
        run.stdout
            .contains("2 to create, 1 to update, 0 to delete, 1 adopted"),
        "{}",
        run.text()
    );
    let status = moto.dwh(&dir, &["status"]).ok();
    assert!(
        status.stdout.contains("policy `dwh-s3-read` current"),
        "{}",
        status.text()
    );

    // A role Redshift cannot assume is someone else's: refused, not changed.
    moto.reset();
    rt.block_on(create_role(&iam, "ec2.amazonaws.com"));
    let refused = moto.dwh(&dir, &["provision"]).code(1);
    assert!(
        refused.stderr.contains("trust policy"),
        "{}",
        refused.text()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configuration_mistakes_are_named_before_any_aws_call() {
    let dir = scratch("config");
    // No emulator: none of these may reach AWS; a dead endpoint proves it.
    let dwh = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dwh"));
        // None of the caller's AWS or dwh settings (a profile, a per-service
        // endpoint, a config file) may route a call around the dead endpoint.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("AWS_") || name.starts_with("DWH_") {
                command.env_remove(name.as_ref());
            }
        }
        let output = command
            .current_dir(&dir)
            .args(args)
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-west-2")
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    std::fs::write(dir.join("dwh.toml"), "[cluster]\npassword = \"hunter2\"\n").unwrap();
    let (code, err) = dwh(&["status"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("must not hold secrets") && !err.contains("hunter2"),
        "{err}"
    );
    std::fs::write(
        dir.join("dwh.toml"),
        "[cluster]\nidentifier = \"Bad_Name\"\n",
    )
    .unwrap();
    let (_, err) = dwh(&["status"]);
    assert!(err.contains("cluster.identifier `Bad_Name`"), "{err}");
    std::fs::write(dir.join("dwh.toml"), "[cluster]\nnodes = 2\n").unwrap();
    let (_, err) = dwh(&["provision"]);
    assert!(err.contains("no data bucket configured"), "{err}");
    std::fs::write(
        dir.join("dwh.toml"),
        "[s3]\nbucket = \"b-1\"\n[network]\nallowed_cidr = \"0.0.0.0/0\"\n",
    )
    .unwrap();
    let (_, err) = dwh(&["provision"]);
    assert!(err.contains("the whole internet"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Before a cluster exists, parts follow dwh.toml's slices; a smaller
/// re-upload removes the parts it no longer lists, so a source reading the
/// prefix never sees a record twice.
#[test]
fn a_reupload_replaces_its_parts() {
    dwh_tests::require_sample!();
    let moto = Moto::start();
    let dir = scratch("reupload");
    std::fs::write(dir.join("dwh.toml"), CONFIG).unwrap();
    let data = sample();
    let data = data.to_str().unwrap();
    let parts = |moto: &Moto| {
        let s3 = moto.s3();
        runtime().block_on(async {
            let out = s3
                .list_objects_v2()
                .bucket("dwh-it-data")
                .prefix("sparkify/log_data/")
                .send()
                .await
                .unwrap();
            out.contents().len()
        })
    };
    // 4 × ra3.4xlarge = 16 slices; 1 × ra3.large = 2.
    let big = [("DWH_NODES", "4"), ("DWH_NODE_TYPE", "ra3.4xlarge")];
    moto.dwh_env(&dir, &["upload", "--data", data], &big).ok();
    assert_eq!(parts(&moto), 16);
    let small = [("DWH_NODES", "1")];
    let again = moto.dwh_env(&dir, &["upload", "--data", data], &small).ok();
    assert!(
        again.stderr.contains("removed 28 parts"),
        "{}",
        again.text()
    );
    assert_eq!(parts(&moto), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
