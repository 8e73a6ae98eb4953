//! Reaching SMTP for the outbox: the two-halves contract and the real submission client.

use std::future::Future;
use std::time::Duration;

use switchboard_mail::net::{Endpoint, NetError};
use switchboard_mail::smtp::{Envelope, SmtpClient, SmtpError, DEFAULT_HELO};
use switchboard_secrets::Secret;

/// How SMTP is reached: in two halves, because between them the outbox records that the
/// message is about to become the server's.
pub trait MailTransport {
    /// Connects, logs in, and sends everything but the end-of-data mark. Nothing is
    /// delivered if this fails or if the process stops after it.
    fn begin(
        &mut self,
        envelope: &Envelope,
        raw: &[u8],
    ) -> impl Future<Output = Result<(), SmtpError>> + Send;
    /// Sends the end-of-data mark and returns the server's acceptance.
    fn finish(&mut self) -> impl Future<Output = Result<String, SmtpError>> + Send;
}

/// SMTP submission with a password (which the caller read from the keychain).
pub struct SmtpTransport {
    endpoint: Endpoint,
    user: String,
    password: Secret<String>,
    timeout: Duration,
    session: Option<SmtpClient>,
}

impl SmtpTransport {
    /// An empty `user` sends without logging in (a relay on this machine).
    pub fn new(
        endpoint: Endpoint,
        user: impl Into<String>,
        password: Secret<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            endpoint,
            user: user.into(),
            password,
            timeout,
            session: None,
        }
    }
}

impl MailTransport for SmtpTransport {
    async fn begin(&mut self, envelope: &Envelope, raw: &[u8]) -> Result<(), SmtpError> {
        self.session = None;
        let mut client = SmtpClient::connect(&self.endpoint, DEFAULT_HELO, self.timeout).await?;
        if !self.user.is_empty() {
            client.login(&self.user, self.password.expose()).await?;
        }
        client.begin_message(envelope, raw).await?;
        self.session = Some(client);
        Ok(())
    }

    async fn finish(&mut self) -> Result<String, SmtpError> {
        let mut client = self.session.take().ok_or(NetError::Closed)?;
        let accepted = client.finish_message().await?;
        client.quit().await;
        Ok(accepted)
    }
}
