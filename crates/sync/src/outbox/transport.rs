//! Reaching SMTP for the outbox: the two-halves contract and the real submission client.

use std::future::Future;
use std::time::Duration;

use std::sync::Arc;

use switchboard_auth::AccountTokens;
use switchboard_mail::imap::account::Credential;
use switchboard_mail::net::{Endpoint, NetError};
use switchboard_mail::smtp::{Envelope, SmtpClient, SmtpError, DEFAULT_HELO};
use switchboard_secrets::Secret;

use crate::imap::with_bearer;

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

/// SMTP submission with a password (which the caller read from the keychain) or OAuth2
/// bearer tokens (AUTH XOAUTH2).
pub struct SmtpTransport {
    endpoint: Endpoint,
    user: String,
    login: SmtpLogin,
    timeout: Duration,
    session: Option<SmtpClient>,
}

enum SmtpLogin {
    Password(Secret<String>),
    OAuth(Arc<AccountTokens>),
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
            login: SmtpLogin::Password(password),
            timeout,
            session: None,
        }
    }

    /// Submission with AUTH XOAUTH2 as `user`; a refused token is renewed once
    /// (see [`with_bearer`]).
    pub fn with_oauth(
        endpoint: Endpoint,
        user: impl Into<String>,
        tokens: Arc<AccountTokens>,
        timeout: Duration,
    ) -> Self {
        Self {
            endpoint,
            user: user.into(),
            login: SmtpLogin::OAuth(tokens),
            timeout,
            session: None,
        }
    }

    async fn connect(&self, credential: Option<Credential<'_>>) -> Result<SmtpClient, SmtpError> {
        let mut client = SmtpClient::connect(&self.endpoint, DEFAULT_HELO, self.timeout).await?;
        if let Some(credential) = credential {
            client.login_as(&self.user, credential).await?;
        }
        Ok(client)
    }
}

impl MailTransport for SmtpTransport {
    async fn begin(&mut self, envelope: &Envelope, raw: &[u8]) -> Result<(), SmtpError> {
        self.session = None;
        let this = &*self;
        let mut client = match &this.login {
            SmtpLogin::Password(_) if this.user.is_empty() => this.connect(None).await?,
            SmtpLogin::Password(password) => {
                this.connect(Some(Credential::Password(password.expose())))
                    .await?
            }
            SmtpLogin::OAuth(tokens) => with_bearer(
                tokens,
                |e| matches!(e, SmtpError::Net(NetError::AuthFailed(_))),
                |token| async move { this.connect(Some(Credential::Bearer(token.expose()))).await },
            )
            .await?,
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_auth::{MicrosoftApi, ProviderConfig, TokenClient, TokenSet};
    use switchboard_mail::net::Security;
    use switchboard_secrets::MemoryStore;
    use switchboard_testkit::SmtpSink;

    const LIMIT: Duration = Duration::from_secs(20);

    fn tokens(access: Option<&str>) -> Arc<AccountTokens> {
        let provider = ProviderConfig::microsoft("client", MicrosoftApi::ImapSmtp);
        let tokens = AccountTokens::new(
            provider,
            Arc::new(MemoryStore::new()),
            "account/9/oauth",
            TokenClient::new().unwrap(),
        );
        if let Some(access) = access {
            let set = TokenSet {
                access_token: Secret::from(access),
                refresh_token: None,
                expires_at: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
                scope: None,
                token_type: "Bearer".to_owned(),
            };
            tokens.save(&set).unwrap();
        }
        Arc::new(tokens)
    }

    fn envelope() -> Envelope {
        Envelope {
            from: "rep@example.test".into(),
            recipients: vec!["dana@acme.test".into()],
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn oauth_submission_uses_the_account_token() {
        let sink = tokio::task::spawn_blocking(|| SmtpSink::start_with_bearer("good-token"))
            .await
            .unwrap()
            .unwrap();
        let endpoint = Endpoint {
            host: sink.host().into(),
            port: sink.port(),
            security: Security::None,
            ca_file: None,
        };
        let raw = b"From: rep@example.test\r\nTo: dana@acme.test\r\nSubject: hi\r\n\r\nhi\r\n";

        let mut transport = SmtpTransport::with_oauth(
            endpoint.clone(),
            sink.user(),
            tokens(Some("good-token")),
            LIMIT,
        );
        transport.begin(&envelope(), raw).await.unwrap();
        transport.finish().await.unwrap();
        let received = sink.wait_for(1, LIMIT).unwrap();
        assert_eq!(received[0].auth_user.as_deref(), Some(sink.user()));

        // A refused token without a refresh token: renewing is impossible, so the account
        // needs a new sign-in; a permanent error, and nothing was sent.
        let signed_out = tokens(Some("stale-token"));
        let mut transport =
            SmtpTransport::with_oauth(endpoint.clone(), sink.user(), signed_out.clone(), LIMIT);
        let err = transport.begin(&envelope(), raw).await.unwrap_err();
        assert!(
            matches!(err, SmtpError::Net(NetError::AuthFailed(_))),
            "{err:?}"
        );
        assert!(!err.is_retryable());
        assert!(signed_out.needs_sign_in());

        // No tokens at all: refused before connecting.
        let mut transport = SmtpTransport::with_oauth(endpoint, sink.user(), tokens(None), LIMIT);
        let err = transport.begin(&envelope(), raw).await.unwrap_err();
        assert!(
            matches!(err, SmtpError::Net(NetError::AuthFailed(_))),
            "{err:?}"
        );
        assert_eq!(sink.received().unwrap().len(), 1);
    }
}
