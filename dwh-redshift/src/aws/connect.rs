//! The SQL connection to a Redshift cluster: the PostgreSQL wire protocol
//! over TLS (rustls with the Mozilla roots, which include Amazon's), to the
//! cluster endpoint or through an override such as an SSH/SSM tunnel.
//!
//! TLS is always required and the certificate verified against the
//! cluster's name, through a tunnel too: the password is a temporary IAM
//! credential that must never cross the network in clear text. Only
//! [`INSECURE_TLS_ENV`], for a local emulator on a loopback address, lets a
//! connection go without TLS.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Where SQL goes and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlTarget {
    /// The name TLS verifies the certificate against.
    pub host: String,
    /// Where TCP connects instead of resolving `host` (a tunnel's end).
    pub addr: Option<IpAddr>,
    pub port: u16,
    /// Always, unless [`INSECURE_TLS_ENV`] relaxed it for a loopback emulator.
    pub tls_required: bool,
}

/// Set to `1` to let dwh talk to a local emulator (a loopback
/// `cluster.sql_endpoint`) without TLS. Never for a real cluster.
pub const INSECURE_TLS_ENV: &str = "DWH_INSECURE_EMULATOR_TLS";

fn insecure_tls_from_env() -> bool {
    std::env::var(INSECURE_TLS_ENV).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
}

impl SqlTarget {
    /// The cluster endpoint, or `sql_endpoint` (`host:port`) in its place.
    /// An override keeps the cluster's name for TLS, so a tunnel to a real
    /// cluster still verifies its certificate.
    pub fn new(endpoint: (&str, u16), sql_endpoint: Option<&str>) -> anyhow::Result<SqlTarget> {
        SqlTarget::build(endpoint, sql_endpoint, insecure_tls_from_env())
    }

    /// [`SqlTarget::new`], with [`INSECURE_TLS_ENV`]'s value given.
    fn build(
        endpoint: (&str, u16),
        sql_endpoint: Option<&str>,
        insecure: bool,
    ) -> anyhow::Result<SqlTarget> {
        let Some(over) = sql_endpoint else {
            if insecure {
                bail!(
                    "{INSECURE_TLS_ENV} is set, but there is no cluster.sql_endpoint: it only \
                     relaxes TLS for a local emulator; unset it"
                );
            }
            return Ok(SqlTarget {
                host: endpoint.0.to_owned(),
                addr: None,
                port: endpoint.1,
                tls_required: true,
            });
        };
        let (host, port) = over
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
            .ok_or_else(|| anyhow!("cluster.sql_endpoint `{over}` is not host:port"))?;
        let addr = match host.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
                .with_context(|| format!("resolving cluster.sql_endpoint `{over}`"))?
                .next()
                .map(|a| a.ip())
                .ok_or_else(|| anyhow!("cluster.sql_endpoint `{over}` resolves to no address"))?,
        };
        if insecure && !addr.is_loopback() {
            bail!(
                "{INSECURE_TLS_ENV} is set, but cluster.sql_endpoint `{over}` is not a loopback \
                 address: TLS is relaxed only for a local emulator; unset it"
            );
        }
        Ok(SqlTarget {
            host: endpoint.0.to_owned(),
            addr: Some(addr),
            port,
            tls_required: !insecure,
        })
    }

    /// `host:port` for messages.
    pub fn describe(&self) -> String {
        match self.addr {
            Some(addr) => format!("{}:{} (via {addr})", self.host, self.port),
            None => format!("{}:{}", self.host, self.port),
        }
    }
}

fn tls() -> anyhow::Result<MakeRustlsConnect> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Connects and drives the connection in the background.
pub async fn connect(
    target: &SqlTarget,
    database: &str,
    user: &str,
    password: &str,
) -> anyhow::Result<tokio_postgres::Client> {
    if !target.tls_required {
        eprintln!(
            "warning: {INSECURE_TLS_ENV} is set: connecting to {} WITHOUT requiring TLS; the \
             password may cross the network in clear text. Use it only for a local emulator.",
            target.describe()
        );
    }
    let mut config = tokio_postgres::Config::new();
    config
        .host(&target.host)
        .port(target.port)
        .dbname(database)
        .user(user)
        .password(password)
        .application_name("dwh")
        .connect_timeout(Duration::from_secs(30))
        .ssl_mode(if target.tls_required {
            SslMode::Require
        } else {
            SslMode::Prefer
        });
    if let Some(addr) = target.addr {
        config.hostaddr(addr);
    }
    let (client, connection) = config.connect(tls()?).await.map_err(|e| {
        anyhow::Error::new(e).context(format!(
            "cannot connect to database `{database}` as `{user}` at {} (hint: a private cluster \
             is reachable only from its VPC: open a tunnel and set cluster.sql_endpoint, or \
             `dwh open-port --cidr <your network>` for a publicly accessible one)",
            target.describe()
        ))
    })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("warning: the Redshift connection closed: {e}");
        }
    });
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_endpoint_requires_tls() {
        let t = SqlTarget::new(("c.abc.us-west-2.redshift.amazonaws.com", 5439), None).unwrap();
        assert!(t.tls_required);
        assert_eq!(t.addr, None);
        assert_eq!(t.describe(), "c.abc.us-west-2.redshift.amazonaws.com:5439");
    }

    #[test]
    fn an_override_keeps_the_cluster_name_and_requires_tls() {
        let t = SqlTarget::build(("c.example", 5439), Some("127.0.0.1:15439"), false).unwrap();
        assert_eq!(t.host, "c.example");
        assert_eq!(t.addr, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(t.port, 15439);
        assert!(
            t.tls_required,
            "a tunnel or an endpoint override still requires TLS"
        );
        let v6 = SqlTarget::build(("c.example", 5439), Some("[::1]:5439"), false).unwrap();
        assert_eq!(v6.addr, Some("::1".parse().unwrap()));
        let named = SqlTarget::build(("c.example", 5439), Some("localhost:6000"), false).unwrap();
        assert!(named.addr.is_some_and(|a| a.is_loopback()));
        assert!(SqlTarget::build(("c", 1), Some("no-port"), false).is_err());
    }

    #[test]
    fn only_the_named_option_relaxes_tls_and_only_for_loopback() {
        let t = SqlTarget::build(("c.example", 5439), Some("127.0.0.1:15439"), true).unwrap();
        assert!(!t.tls_required);
        for refused in [
            SqlTarget::build(("c.example", 5439), Some("192.0.2.7:5439"), true),
            SqlTarget::build(("c.example", 5439), None, true),
        ] {
            let message = refused.unwrap_err().to_string();
            assert!(message.contains(INSECURE_TLS_ENV), "{message}");
        }
    }

    /// A server that answers `N` to TLS and then asks for the password in
    /// clear text: what it receives after its `N`.
    async fn refusing_tls_server() -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut ssl_request = [0u8; 8];
            socket.read_exact(&mut ssl_request).await.unwrap();
            socket.write_all(b"N").await.unwrap();
            let mut received = Vec::new();
            let mut buf = [0u8; 4096];
            // Startup message, then (after the request) the password.
            for _ in 0..2 {
                let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf));
                match read.await {
                    Ok(Ok(n)) if n > 0 => received.extend_from_slice(&buf[..n]),
                    _ => break,
                }
                // AuthenticationCleartextPassword.
                let _ = socket.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).await;
            }
            received
        });
        (port, server)
    }

    #[tokio::test]
    async fn a_server_refusing_tls_never_receives_the_password() {
        const PASSWORD: &str = "temporary-iam-password";
        let (port, server) = refusing_tls_server().await;
        let over = format!("127.0.0.1:{port}");
        let target = SqlTarget::build(("c.example", 5439), Some(&over), false).unwrap();
        let error = connect(&target, "dev", "IAM:u", PASSWORD)
            .await
            .unwrap_err();
        assert!(format!("{error:#}").contains("cannot connect"), "{error:#}");
        let received = server.await.unwrap();
        assert!(
            !String::from_utf8_lossy(&received).contains(PASSWORD),
            "the password went out in clear text"
        );

        // The named option relaxes it, so the server above would see it: the
        // test can fail.
        let (port, server) = refusing_tls_server().await;
        let over = format!("127.0.0.1:{port}");
        let target = SqlTarget::build(("c.example", 5439), Some(&over), true).unwrap();
        let _ = connect(&target, "dev", "IAM:u", PASSWORD).await;
        let received = server.await.unwrap();
        assert!(String::from_utf8_lossy(&received).contains(PASSWORD));
    }
}
