//! What the numbers were measured on.

use dwh_core::sql::Dialect;
use dwh_core::Warehouse;
use serde::Serialize;

/// Server settings that matter for bulk loads, reported with the results.
const SETTINGS: &[&str] = &[
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "max_wal_size",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "jit",
    "deadlock_timeout",
];

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub postgres: String,
    pub settings: Vec<(String, String)>,
}

impl Machine {
    pub async fn describe(url: &str) -> Result<Machine, String> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or("unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|k| format!("Linux {}", k.trim()))
            .unwrap_or_else(|_| std::env::consts::OS.to_owned());

        let warehouse = Warehouse::connect(url, Dialect::Postgres)
            .await
            .map_err(|e| e.to_string())?;
        let client = warehouse.client();
        let postgres: String = client
            .query_one("SELECT version()", &[])
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        let mut settings = Vec::new();
        for name in SETTINGS {
            let row = client
                .query_one("SELECT current_setting($1)", &[name])
                .await
                .map_err(|e| e.to_string())?;
            settings.push(((*name).to_owned(), row.get(0)));
        }
        Ok(Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: mem_kib / (1024.0 * 1024.0),
            kernel,
            postgres: postgres
                .split(" on ")
                .next()
                .unwrap_or(&postgres)
                .to_owned(),
            settings,
        })
    }
}
