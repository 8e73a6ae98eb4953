//! Connecting to a mail server: TCP with a timeout, implicit TLS or a later STARTTLS
//! upgrade, and errors a person can act on (host not found, refused, TLS, timeout).
//!
//! IMAP and SMTP share this so a connection test says the same thing for both. Plain text
//! is refused unless the host is this machine: a password must never cross a network
//! unencrypted, and a local bridge (or a test server) is the only honest exception.

use rustls::pki_types::{CertificateDer, ServerName};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;
use switchboard_core::ErrorCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Tls,
    /// Plain text first, then STARTTLS before anything secret is sent (IMAP 143, SMTP 587).
    StartTls,
    /// No encryption at all: only accepted for a server on this machine.
    None,
}

impl Security {
    pub fn parse(s: &str) -> Option<Security> {
        match s.to_ascii_lowercase().as_str() {
            "tls" | "ssl" => Some(Security::Tls),
            "starttls" => Some(Security::StartTls),
            "none" | "plain" => Some(Security::None),
            _ => None,
        }
    }
}

/// Where a server is and how to talk to it securely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Extra CA certificate (PEM) to trust for this server, for self-hosted servers with
    /// a private CA. The system's roots are always trusted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

impl Endpoint {
    /// The warning shown beside a plaintext endpoint, if any.
    pub fn warning(&self) -> Option<String> {
        (self.security == Security::None).then(|| {
            format!(
                "{}:{} is used without encryption; this is only allowed because the server is on this machine",
                self.host, self.port
            )
        })
    }
}

/// Whether `host` names this machine (plain text is allowed only there).
pub fn is_local_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("host not found: {host}")]
    HostNotFound { host: String },
    #[error("connection refused by {host}:{port} (is the port right, is the server running?)")]
    ConnectionRefused { host: String, port: u16 },
    #[error("timed out after {seconds}s while {during}")]
    Timeout { during: String, seconds: u64 },
    #[error("TLS failed with {host}: {detail}")]
    Tls { host: String, detail: String },
    #[error("refusing to send a password without encryption to {host}: plain text is only allowed to this machine")]
    PlaintextNotAllowed { host: String },
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    #[error("the server does not offer {0}")]
    Unsupported(String),
    #[error("unexpected reply from the server: {0}")]
    Protocol(String),
    #[error("the server rejected the command: {0}")]
    Rejected(String),
    #[error("connection closed by the server")]
    Closed,
    #[error("network error: {0}")]
    Io(#[from] io::Error),
}

impl NetError {
    /// Whether trying again later can help (a network hiccup), as opposed to something
    /// the user has to fix (a wrong password, a wrong host).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            NetError::ConnectionRefused { .. }
                | NetError::Timeout { .. }
                | NetError::Closed
                | NetError::Io(_)
        )
    }

    /// The short machine-readable kind used by connection tests and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            NetError::HostNotFound { .. } => "host_not_found",
            NetError::ConnectionRefused { .. } => "connection_refused",
            NetError::Timeout { .. } => "timeout",
            NetError::Tls { .. } => "tls",
            NetError::PlaintextNotAllowed { .. } => "plaintext_not_allowed",
            NetError::AuthFailed(_) => "auth_failed",
            NetError::Unsupported(_) => "unsupported",
            NetError::Protocol(_) | NetError::Rejected(_) => "protocol",
            NetError::Closed | NetError::Io(_) => "network",
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            NetError::AuthFailed(_) => ErrorCode::AuthExpired,
            NetError::HostNotFound { .. }
            | NetError::PlaintextNotAllowed { .. }
            | NetError::Tls { .. }
            | NetError::Unsupported(_) => ErrorCode::InvalidInput,
            NetError::Rejected(_) | NetError::Protocol(_) => ErrorCode::Internal,
            NetError::ConnectionRefused { .. }
            | NetError::Timeout { .. }
            | NetError::Closed
            | NetError::Io(_) => ErrorCode::Offline,
        }
    }
}

pub type NetResult<T> = std::result::Result<T, NetError>;

/// A connection that may or may not be encrypted yet.
pub enum MailStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl MailStream {
    pub fn is_tls(&self) -> bool {
        matches!(self, MailStream::Tls(_))
    }
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Runs `fut`, turning a timeout into [`NetError::Timeout`].
pub async fn within<T>(
    limit: Duration,
    during: &str,
    fut: impl std::future::Future<Output = NetResult<T>>,
) -> NetResult<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(NetError::Timeout {
            during: during.to_owned(),
            seconds: limit.as_secs().max(1),
        }),
    }
}

/// Opens the TCP connection (and TLS, for [`Security::Tls`]). For STARTTLS the caller
/// speaks the protocol's upgrade command and then calls [`start_tls`].
pub async fn connect(endpoint: &Endpoint, limit: Duration) -> NetResult<MailStream> {
    if endpoint.security == Security::None && !is_local_host(&endpoint.host) {
        return Err(NetError::PlaintextNotAllowed {
            host: endpoint.host.clone(),
        });
    }
    let tcp = within(
        limit,
        "connecting",
        connect_tcp(&endpoint.host, endpoint.port),
    )
    .await?;
    let _ = tcp.set_nodelay(true);
    let stream = MailStream::Plain(tcp);
    match endpoint.security {
        Security::Tls => within(limit, "negotiating TLS", start_tls(stream, endpoint)).await,
        Security::StartTls | Security::None => Ok(stream),
    }
}

async fn connect_tcp(host: &str, port: u16) -> NetResult<TcpStream> {
    let addrs: Vec<std::net::SocketAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(a) => a.collect(),
        Err(_) => {
            return Err(NetError::HostNotFound {
                host: host.to_owned(),
            })
        }
    };
    if addrs.is_empty() {
        return Err(NetError::HostNotFound {
            host: host.to_owned(),
        });
    }
    let mut last: Option<io::Error> = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            Err(NetError::ConnectionRefused {
                host: host.to_owned(),
                port,
            })
        }
        Some(e) => Err(NetError::Io(e)),
        None => Err(NetError::HostNotFound {
            host: host.to_owned(),
        }),
    }
}

/// Wraps a plain connection in TLS, verifying the certificate against the system roots
/// plus the endpoint's own CA file.
pub async fn start_tls(stream: MailStream, endpoint: &Endpoint) -> NetResult<MailStream> {
    let tcp = match stream {
        MailStream::Plain(tcp) => tcp,
        tls @ MailStream::Tls(_) => return Ok(tls),
    };
    let tls_err = |detail: String| NetError::Tls {
        host: endpoint.host.clone(),
        detail,
    };
    let config = client_config(endpoint.ca_file.as_deref()).map_err(tls_err)?;
    let host = endpoint.host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| tls_err(format!("{host} is not a valid TLS server name")))?;
    match TlsConnector::from(config).connect(name, tcp).await {
        Ok(s) => Ok(MailStream::Tls(Box::new(s))),
        Err(e) => {
            let detail = match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                Some(rustls_error) => rustls_error.to_string(),
                None if e.kind() == io::ErrorKind::UnexpectedEof => {
                    "the server closed the connection during the handshake (is this port plain text?)".to_owned()
                }
                None => e.to_string(),
            };
            Err(tls_err(detail))
        }
    }
}

fn system_roots() -> &'static Vec<CertificateDer<'static>> {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        if !found.errors.is_empty() {
            tracing::warn!(errors = ?found.errors, "some system CA certificates could not be read");
        }
        found.certs
    })
}

fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(system_roots().iter().cloned());
    if let Some(path) = ca_file {
        use rustls::pki_types::pem::PemObject;
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("bad CA file {}: {e}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("bad CA certificate in {}: {e}", path.display()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str, port: u16, security: Security) -> Endpoint {
        Endpoint {
            host: host.into(),
            port,
            security,
            ca_file: None,
        }
    }

    #[test]
    fn local_hosts() {
        for (host, local) in [
            ("localhost", true),
            ("127.0.0.1", true),
            ("::1", true),
            ("[::1]", true),
            ("127.0.0.2", true),
            ("imap.example.com", false),
            ("10.0.0.1", false),
        ] {
            assert_eq!(is_local_host(host), local, "{host}");
        }
    }

    #[tokio::test]
    async fn plaintext_to_a_remote_host_is_refused_before_connecting() {
        let err = connect(
            &endpoint("imap.example.com", 143, Security::None),
            Duration::from_secs(1),
        )
        .await
        .err()
        .map(|e| e.kind());
        assert_eq!(err, Some("plaintext_not_allowed"));
    }

    #[tokio::test]
    async fn refused_and_unknown_hosts_are_told_apart() {
        // A port we just freed: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let refused = connect(
            &endpoint("127.0.0.1", port, Security::StartTls),
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(refused.err().map(|e| e.kind()), Some("connection_refused"));
        let unknown = connect(
            &endpoint("no-such-host.invalid", 993, Security::Tls),
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(unknown.err().map(|e| e.kind()), Some("host_not_found"));
    }

    #[tokio::test]
    async fn tls_to_a_plain_server_is_a_tls_error_and_silence_is_a_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.ok();
        let Some(listener) = listener else { return };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            // First client: a plain-text greeting, then close.
            if let Ok((mut s, _)) = listener.accept().await {
                let _ = s.write_all(b"* OK plain IMAP here\r\n").await;
                let _ = s.shutdown().await;
            }
            // Second client: accept and say nothing.
            let held = listener.accept().await;
            let _ = done_rx.await;
            drop(held);
        });
        let tls = connect(
            &endpoint("127.0.0.1", port, Security::Tls),
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(tls.err().map(|e| e.kind()), Some("tls"));
        let silent = connect(
            &endpoint("127.0.0.1", port, Security::Tls),
            Duration::from_millis(300),
        )
        .await;
        assert_eq!(silent.err().map(|e| e.kind()), Some("timeout"));
        let _ = done_tx.send(());
        let _ = server.await;
    }
}
