//! SMTP submission (RFC 5321 + RFC 6409): greeting, EHLO (HELO for old servers),
//! STARTTLS, AUTH PLAIN / LOGIN / XOAUTH2, one envelope per message, QUIT.
//!
//! Built on [`crate::net`] so a connection test reads the same for IMAP and SMTP. Every
//! step has a time limit. Replies are sorted into what the outbox needs to decide:
//! a 4xx is [`SmtpError::Deferred`] (try again later), a 5xx is [`SmtpError::Refused`]
//! (someone has to change something), 530/535 is a wrong password. Sending is split into
//! [`SmtpClient::begin_message`] and [`SmtpClient::finish_message`] because the moment
//! the end-of-data dot leaves is the moment the server may own the message: the outbox
//! records that it is about to send it before it does.
//!
//! The password is only ever written to the socket: commands carrying it are logged as
//! `AUTH <redacted>`.

mod wire;

pub use wire::{prepare_data, Reply};

use crate::imap::account::{xoauth2_initial_response, Credential};
use crate::net::{connect, start_tls, within, Endpoint, MailStream, NetError, NetResult, Security};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use switchboard_core::ErrorCode;
use tokio::io::{AsyncWriteExt, BufReader};
use wire::{parse_capabilities, read_reply, Capabilities};

/// The EHLO name when the caller has none: an address literal, which says nothing about
/// the machine (a hostname would leak it into every message's Received header).
pub const DEFAULT_HELO: &str = "[127.0.0.1]";

/// The slowest upload we wait for, on top of the step time limit, when sending DATA.
const MIN_UPLOAD_BYTES_PER_SEC: u64 = 16 * 1024;

/// Who the message is from and to, as SMTP sees it (the Bcc recipients included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: String,
    pub recipients: Vec<String>,
}

/// What the server said about itself, for the account connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpInfo {
    /// The 220 greeting's text.
    pub greeting: String,
    /// AUTH mechanisms offered (upper case), after STARTTLS when it was used.
    pub auth_mechanisms: Vec<String>,
    /// The SIZE limit in bytes, if the server states one.
    pub max_size: Option<u64>,
    /// Whether the session is encrypted.
    pub tls: bool,
    pub pipelining: bool,
    pub eight_bit_mime: bool,
    pub smtputf8: bool,
    /// Set when the connection is unencrypted (allowed to this machine only).
    pub warning: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// Connecting, TLS, timeouts, a dropped connection, a wrong password.
    #[error(transparent)]
    Net(#[from] NetError),
    /// A 4xx reply: the server cannot take it now (greylisting, a full queue, a limit).
    #[error("the server could not take {during} for now ({reply}); it will be tried again")]
    Deferred { during: String, reply: String },
    /// A 5xx reply: the server will not take it as it is.
    #[error("the server refused {during}: {reply}")]
    Refused { during: String, reply: String },
    /// The message or an address cannot be sent as given (checked before the server).
    #[error("{0}")]
    Invalid(String),
}

impl SmtpError {
    /// Whether sending again later can succeed without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            SmtpError::Net(e) => e.is_retryable(),
            SmtpError::Deferred { .. } => true,
            SmtpError::Refused { .. } | SmtpError::Invalid(_) => false,
        }
    }

    /// The short machine-readable kind, like [`NetError::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            SmtpError::Net(e) => e.kind(),
            SmtpError::Deferred { .. } => "deferred",
            SmtpError::Refused { .. } => "rejected",
            SmtpError::Invalid(_) => "invalid_input",
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            SmtpError::Net(e) => e.code(),
            SmtpError::Deferred { .. } => ErrorCode::RateLimited,
            SmtpError::Refused { .. } | SmtpError::Invalid(_) => ErrorCode::InvalidInput,
        }
    }

    /// The same error in connection-test terms (a test is not retried by itself, so
    /// "deferred" and "refused" both become the server's rejection).
    pub fn into_net(self) -> NetError {
        match self {
            SmtpError::Net(e) => e,
            SmtpError::Deferred { during, reply } | SmtpError::Refused { during, reply } => {
                NetError::Rejected(format!("{during}: {reply}"))
            }
            SmtpError::Invalid(m) => NetError::Protocol(m),
        }
    }
}

/// A 4xx/5xx (or unexpected) reply to something, as an error.
fn reply_error(during: &str, reply: &Reply) -> SmtpError {
    let during = during.to_owned();
    let text = reply.text();
    match reply.code {
        400..=499 => SmtpError::Deferred {
            during,
            reply: text,
        },
        500..=599 => SmtpError::Refused {
            during,
            reply: text,
        },
        _ => SmtpError::Net(NetError::Protocol(format!(
            "unexpected reply to {during}: {text}"
        ))),
    }
}

/// An address as it can appear between SMTP's angle brackets.
fn check_envelope_address(addr: &str, what: &str) -> Result<(), SmtpError> {
    let ok = addr.contains('@')
        && addr.len() <= 254
        && !addr
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
    if ok {
        Ok(())
    } else {
        Err(SmtpError::Invalid(format!(
            "{what} {addr:?} is not an address that can be sent to"
        )))
    }
}

/// The password mechanisms this client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMechanism {
    Plain,
    Login,
}

impl AuthMechanism {
    fn name(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
        }
    }
}

/// A submission session, after the greeting, EHLO and (if configured) STARTTLS.
pub struct SmtpClient {
    reader: Option<BufReader<MailStream>>,
    endpoint: Endpoint,
    limit: Duration,
    greeting: String,
    caps: Capabilities,
    tls: bool,
}

impl SmtpClient {
    /// Connects, reads the greeting, says EHLO (HELO if the server does not know EHLO)
    /// and upgrades with STARTTLS when the endpoint asks for it. A STARTTLS endpoint
    /// whose server does not offer STARTTLS is refused ([`NetError::Unsupported`]) rather
    /// than continued in plain text.
    pub async fn connect(
        endpoint: &Endpoint,
        helo_name: &str,
        limit: Duration,
    ) -> Result<SmtpClient, SmtpError> {
        if helo_name.is_empty()
            || helo_name
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(SmtpError::Invalid(format!(
                "{helo_name:?} is not a name to greet the server with"
            )));
        }
        let stream = connect(endpoint, limit).await?;
        let tls = stream.is_tls();
        let mut client = SmtpClient {
            reader: Some(BufReader::new(stream)),
            endpoint: endpoint.clone(),
            limit,
            greeting: String::new(),
            caps: Capabilities::default(),
            tls,
        };
        let greeting = client.read("waiting for the server's greeting").await?;
        if greeting.code != 220 {
            return Err(reply_error("the connection", &greeting));
        }
        client.greeting = greeting.lines.join(" ");
        client.hello(helo_name).await?;
        if endpoint.security == Security::StartTls && !client.tls {
            if !client.caps.starttls {
                return Err(NetError::Unsupported(format!(
                    "STARTTLS, which this account requires ({}:{} offers no encryption)",
                    endpoint.host, endpoint.port
                ))
                .into());
            }
            let reply = client.command("STARTTLS", "STARTTLS").await?;
            if reply.code != 220 {
                return Err(reply_error("STARTTLS", &reply));
            }
            let reader = client.reader.take().ok_or(NetError::Closed)?;
            // Anything already buffered was sent before encryption and could have been
            // injected by someone on the path: refuse it (CVE-2011-0411 and kin).
            if !reader.buffer().is_empty() {
                return Err(NetError::Protocol(
                    "the server sent data before the TLS handshake".into(),
                )
                .into());
            }
            let stream = within(
                limit,
                "negotiating TLS",
                start_tls(reader.into_inner(), endpoint),
            )
            .await?;
            client.tls = stream.is_tls();
            client.reader = Some(BufReader::new(stream));
            // What was offered before TLS is forgotten (RFC 3207 §4.2).
            client.hello(helo_name).await?;
        }
        Ok(client)
    }

    /// What the server offers, for the connection test.
    pub fn info(&self) -> SmtpInfo {
        SmtpInfo {
            greeting: self.greeting.clone(),
            auth_mechanisms: self.caps.auth.clone(),
            max_size: self.caps.size.filter(|&s| s > 0),
            tls: self.tls,
            pipelining: self.caps.pipelining,
            eight_bit_mime: self.caps.eight_bit_mime,
            smtputf8: self.caps.smtputf8,
            warning: self.endpoint.warning(),
        }
    }

    async fn hello(&mut self, name: &str) -> Result<(), SmtpError> {
        let reply = self.command(&format!("EHLO {name}"), "EHLO").await?;
        if reply.is_ok() {
            self.caps = parse_capabilities(&reply);
            return Ok(());
        }
        if (400..500).contains(&reply.code) {
            return Err(reply_error("EHLO", &reply));
        }
        // A server from before ESMTP: HELO, and no extensions at all.
        let reply = self.command(&format!("HELO {name}"), "HELO").await?;
        if !reply.is_ok() {
            return Err(reply_error("HELO", &reply));
        }
        self.caps = Capabilities::default();
        Ok(())
    }

    /// Logs in with AUTH PLAIN, or AUTH LOGIN when only that is offered. A wrong user or
    /// password is [`NetError::AuthFailed`] with the server's words.
    pub async fn login(&mut self, user: &str, password: &str) -> Result<(), SmtpError> {
        self.login_as(user, Credential::Password(password)).await
    }

    /// Logs in with a password ([`login`](Self::login)) or an OAuth2 bearer token
    /// (AUTH XOAUTH2). A refused token is [`NetError::AuthFailed`], like a wrong password.
    pub async fn login_as(
        &mut self,
        user: &str,
        credential: Credential<'_>,
    ) -> Result<(), SmtpError> {
        match credential {
            Credential::Password(password) => self.login_with(None, user, password).await,
            Credential::Bearer(token) => {
                credential.check(user).map_err(SmtpError::Invalid)?;
                if !self.caps.auth.iter().any(|a| a == "XOAUTH2") {
                    return Err(NetError::Unsupported(format!(
                        "OAuth2 login (AUTH XOAUTH2; it offers {})",
                        self.caps.auth.join(", ")
                    ))
                    .into());
                }
                let initial = xoauth2_initial_response(user, token);
                let mut reply = self
                    .secret_command(&format!("AUTH XOAUTH2 {initial}"))
                    .await?;
                if reply.code == 334 {
                    // The error challenge (base64 JSON with the token's status): an empty
                    // line acknowledges it and the server answers with the final 535.
                    let status = reply.text();
                    tracing::debug!(challenge = %status, "smtp xoauth2 refused");
                    reply = self.command("", "logging in").await?;
                }
                if reply.code == 235 {
                    Ok(())
                } else {
                    Err(auth_error(&reply))
                }
            }
        }
    }

    /// [`login`](Self::login) with a chosen mechanism (for a server that offers PLAIN
    /// but only gets LOGIN right); the server must offer it.
    pub async fn login_with(
        &mut self,
        mechanism: Option<AuthMechanism>,
        user: &str,
        password: &str,
    ) -> Result<(), SmtpError> {
        if user.chars().any(|c| c == '\0' || c == '\r' || c == '\n') || password.contains('\0') {
            return Err(SmtpError::Invalid(
                "the user name or password contains characters that cannot be sent".into(),
            ));
        }
        let offered = |m: AuthMechanism| self.caps.auth.iter().any(|a| a == m.name());
        let mechanism = if let Some(m) = mechanism {
            if !offered(m) {
                return Err(NetError::Unsupported(format!("AUTH {}", m.name())).into());
            }
            m
        } else if offered(AuthMechanism::Plain) {
            AuthMechanism::Plain
        } else if offered(AuthMechanism::Login) {
            AuthMechanism::Login
        } else if self.caps.auth.is_empty() {
            return Err(NetError::Unsupported(
                "login (AUTH) on this connection; check the port and security settings".into(),
            )
            .into());
        } else {
            return Err(NetError::Unsupported(format!(
                "AUTH PLAIN or LOGIN (it offers {})",
                self.caps.auth.join(", ")
            ))
            .into());
        };
        let reply = match mechanism {
            AuthMechanism::Plain => {
                let token = B64.encode(format!("\0{user}\0{password}"));
                self.secret_command(&format!("AUTH PLAIN {token}")).await?
            }
            AuthMechanism::Login => {
                let reply = self.command("AUTH LOGIN", "AUTH LOGIN").await?;
                if reply.code != 334 {
                    return Err(auth_error(&reply));
                }
                let reply = self.secret_command(&B64.encode(user)).await?;
                if reply.code != 334 {
                    return Err(auth_error(&reply));
                }
                self.secret_command(&B64.encode(password)).await?
            }
        };
        if reply.code == 235 {
            Ok(())
        } else {
            Err(auth_error(&reply))
        }
    }

    /// Sends one message: [`begin_message`](Self::begin_message) then
    /// [`finish_message`](Self::finish_message). Returns the server's acceptance text
    /// (often with its queue id).
    pub async fn send(&mut self, envelope: &Envelope, raw: &[u8]) -> Result<String, SmtpError> {
        self.begin_message(envelope, raw).await?;
        self.finish_message().await
    }

    /// Everything up to the end-of-data mark: MAIL FROM (with SIZE when the server takes
    /// it), RCPT TO for every recipient, DATA, the message. Until
    /// [`finish_message`](Self::finish_message) the server holds no message: a
    /// connection lost now sends nothing. Any refused recipient refuses the whole message
    /// (with every refused address named), so nobody gets a copy the others did not.
    pub async fn begin_message(
        &mut self,
        envelope: &Envelope,
        raw: &[u8],
    ) -> Result<(), SmtpError> {
        if raw.is_empty() {
            return Err(SmtpError::Invalid("the message is empty".into()));
        }
        if envelope.recipients.is_empty() {
            return Err(SmtpError::Invalid("the message has no recipients".into()));
        }
        check_envelope_address(&envelope.from, "the sender")?;
        for r in &envelope.recipients {
            check_envelope_address(r, "the recipient")?;
        }
        let data = prepare_data(raw);
        if let Some(max) = self.caps.size.filter(|&m| m > 0) {
            if data.len() as u64 > max {
                return Err(SmtpError::Invalid(format!(
                    "the message is {} KB; this server accepts at most {} KB (remove or shrink attachments)",
                    data.len().div_ceil(1024),
                    max / 1024
                )));
            }
        }
        let needs_utf8 =
            !envelope.from.is_ascii() || envelope.recipients.iter().any(|r| !r.is_ascii());
        if needs_utf8 && !self.caps.smtputf8 {
            return Err(NetError::Unsupported(
                "SMTPUTF8, needed for an address with non-ASCII characters".into(),
            )
            .into());
        }

        let mut mail = format!("MAIL FROM:<{}>", envelope.from);
        if self.caps.size.is_some() {
            mail.push_str(&format!(" SIZE={}", data.len()));
        }
        if self.caps.eight_bit_mime && !data.is_ascii() {
            mail.push_str(" BODY=8BITMIME");
        }
        if needs_utf8 {
            mail.push_str(" SMTPUTF8");
        }
        let reply = self.command(&mail, "MAIL FROM").await?;
        if !reply.is_ok() {
            return Err(reply_error(
                &format!("the sender {}", envelope.from),
                &reply,
            ));
        }

        let mut refused: Vec<(String, Reply)> = Vec::new();
        for r in &envelope.recipients {
            let reply = self.command(&format!("RCPT TO:<{r}>"), "RCPT TO").await?;
            if !reply.is_ok() {
                refused.push((r.clone(), reply));
            }
        }
        if !refused.is_empty() {
            self.reset().await;
            let names = refused
                .iter()
                .map(|(r, reply)| format!("{r} ({})", reply.text()))
                .collect::<Vec<_>>()
                .join(", ");
            let during = if refused.len() == 1 {
                "a recipient".to_owned()
            } else {
                format!("{} recipients", refused.len())
            };
            // Only when every refusal is temporary can waiting help; one refused for good
            // means someone has to edit the message.
            let temporary = refused.iter().all(|(_, r)| (400..500).contains(&r.code));
            return Err(if temporary {
                SmtpError::Deferred {
                    during,
                    reply: names,
                }
            } else {
                SmtpError::Refused {
                    during,
                    reply: names,
                }
            });
        }

        let reply = self.command("DATA", "DATA").await?;
        if reply.code != 354 {
            return Err(reply_error("the message (DATA)", &reply));
        }
        let upload = self.limit + Duration::from_secs(data.len() as u64 / MIN_UPLOAD_BYTES_PER_SEC);
        let writer = self.reader.as_mut().ok_or(NetError::Closed)?;
        within(upload, "sending the message", async {
            writer.get_mut().write_all(&data).await?;
            writer.get_mut().flush().await?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Sends the end-of-data mark and waits for the verdict. From the moment this is
    /// called the server may have the message, even if the answer never arrives.
    pub async fn finish_message(&mut self) -> Result<String, SmtpError> {
        let reply = self
            .command(".", "waiting for the server to accept the message")
            .await?;
        if reply.is_ok() {
            Ok(reply.text())
        } else {
            Err(reply_error("the message", &reply))
        }
    }

    /// Says goodbye; errors are ignored (the message, if any, is already accepted).
    pub async fn quit(mut self) {
        let _ = self.command("QUIT", "QUIT").await;
        if let Some(mut reader) = self.reader.take() {
            let _ = reader.get_mut().shutdown().await;
        }
    }

    /// Abandons a refused transaction so the session can be reused; best effort.
    async fn reset(&mut self) {
        let _ = self.command("RSET", "RSET").await;
    }

    async fn read(&mut self, during: &str) -> Result<Reply, SmtpError> {
        let reader = self.reader.as_mut().ok_or(NetError::Closed)?;
        match tokio::time::timeout(self.limit, read_reply(reader)).await {
            Ok(r) => r,
            Err(_) => Err(timeout(during, self.limit)),
        }
    }

    async fn command(&mut self, line: &str, during: &str) -> Result<Reply, SmtpError> {
        tracing::trace!(command = line, "smtp");
        self.exchange(line, during).await
    }

    /// A command carrying a credential: never logged.
    async fn secret_command(&mut self, line: &str) -> Result<Reply, SmtpError> {
        tracing::trace!(command = "AUTH <redacted>", "smtp");
        self.exchange(line, "logging in").await
    }

    async fn exchange(&mut self, line: &str, during: &str) -> Result<Reply, SmtpError> {
        let limit = self.limit;
        let reader = self.reader.as_mut().ok_or(NetError::Closed)?;
        let step = async {
            let stream = reader.get_mut();
            stream
                .write_all(line.as_bytes())
                .await
                .map_err(NetError::Io)?;
            stream.write_all(b"\r\n").await.map_err(NetError::Io)?;
            stream.flush().await.map_err(NetError::Io)?;
            read_reply(reader).await
        };
        match tokio::time::timeout(limit, step).await {
            Ok(r) => r,
            Err(_) => Err(timeout(during, limit)),
        }
    }
}

fn timeout(during: &str, limit: Duration) -> SmtpError {
    SmtpError::Net(NetError::Timeout {
        during: during.to_owned(),
        seconds: limit.as_secs().max(1),
    })
}

fn auth_error(reply: &Reply) -> SmtpError {
    match reply.code {
        // 535 bad credentials, 534 mechanism too weak / web login required (Gmail),
        // 530 authentication required, 538 encryption required.
        530 | 534 | 535 | 538 => SmtpError::Net(NetError::AuthFailed(reply.text())),
        _ => reply_error("the login", reply),
    }
}

/// Connects, logs in (unless `user` is empty) and says goodbye: the account dialog's
/// "Test connection" for outgoing mail.
pub async fn test_smtp_connection(
    endpoint: &Endpoint,
    user: &str,
    password: &str,
    timeout: Duration,
) -> NetResult<SmtpInfo> {
    let attempt = async {
        let mut client = SmtpClient::connect(endpoint, DEFAULT_HELO, timeout).await?;
        if !user.is_empty() {
            client.login(user, password).await?;
        }
        let info = client.info();
        client.quit().await;
        Ok::<_, SmtpError>(info)
    };
    attempt.await.map_err(SmtpError::into_net)
}

/// Connects, logs in when credentials are given, sends one message and quits.
pub async fn send_message(
    endpoint: &Endpoint,
    credentials: Option<(&str, &str)>,
    envelope: &Envelope,
    raw: &[u8],
    timeout: Duration,
) -> Result<String, SmtpError> {
    let mut client = SmtpClient::connect(endpoint, DEFAULT_HELO, timeout).await?;
    if let Some((user, password)) = credentials {
        client.login(user, password).await?;
    }
    let accepted = client.send(envelope, raw).await?;
    client.quit().await;
    Ok(accepted)
}
