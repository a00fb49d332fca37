//! The SQL connection to a Redshift cluster: the PostgreSQL wire protocol
//! over TLS (rustls with the Mozilla roots, which include Amazon's), to the
//! cluster endpoint or through an override such as an SSH/SSM tunnel.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
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
    /// Required for the cluster itself; preferred through an override, where
    /// the far end may be a tunnel or a local engine without TLS.
    pub tls_required: bool,
}

impl SqlTarget {
    /// The cluster endpoint, or `sql_endpoint` (`host:port`) in its place.
    /// An override keeps the cluster's name for TLS, so a tunnel to a real
    /// cluster still verifies its certificate.
    pub fn new(endpoint: (&str, u16), sql_endpoint: Option<&str>) -> anyhow::Result<SqlTarget> {
        let Some(over) = sql_endpoint else {
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
        Ok(SqlTarget {
            host: endpoint.0.to_owned(),
            addr: Some(addr),
            port,
            tls_required: false,
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
    fn an_override_keeps_the_cluster_name_for_tls() {
        let t = SqlTarget::new(("c.example", 5439), Some("127.0.0.1:15439")).unwrap();
        assert_eq!(t.host, "c.example");
        assert_eq!(t.addr, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(t.port, 15439);
        assert!(!t.tls_required);
        let v6 = SqlTarget::new(("c.example", 5439), Some("[::1]:5439")).unwrap();
        assert_eq!(v6.addr, Some("::1".parse().unwrap()));
        let named = SqlTarget::new(("c.example", 5439), Some("localhost:6000")).unwrap();
        assert!(named.addr.is_some_and(|a| a.is_loopback()));
        assert!(SqlTarget::new(("c", 1), Some("no-port")).is_err());
    }
}
