use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use switchboard_secrets::Secret;

use crate::{AuthError, ProviderConfig};

/// What a token endpoint granted. Holds secrets, so it prints `<redacted>` for them and
/// refuses to serialise; the caller stores the refresh token through a `SecretStore`.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret<String>,
    /// The token to renew with. Providers may rotate it on every refresh; see
    /// [`TokenClient::refresh`].
    pub refresh_token: Option<Secret<String>>,
    /// Absolute expiry computed from `expires_in` and the caller's clock; `None` when the
    /// provider did not say.
    pub expires_at: Option<DateTime<Utc>>,
    pub scope: Option<String>,
    pub token_type: String,
}

/// Whether to refresh now: the token expires within `margin` of `now`. A token with no
/// known expiry is used until the API rejects it.
pub fn needs_refresh(
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    margin: chrono::Duration,
) -> bool {
    expires_at.is_some_and(|at| at - margin <= now)
}

/// Talks to token endpoints (RFC 6749 §4.1.3 code exchange, §6 refresh).
#[derive(Debug, Clone)]
pub struct TokenClient {
    http: reqwest::Client,
}

impl TokenClient {
    /// An HTTP client with rustls (ring) and the system's root certificates, a 30 s
    /// timeout, and no redirects: a token endpoint that redirects is misconfigured, and
    /// following it would resend the code and verifier elsewhere.
    pub fn new() -> Result<Self, AuthError> {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        if !found.errors.is_empty() {
            tracing::warn!(errors = ?found.errors, "some system CA certificates could not be read");
        }
        roots.add_parsable_certificates(found.certs);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| AuthError::Config(format!("TLS setup: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AuthError::Config(format!("HTTP client setup: {e}")))?;
        Ok(Self { http })
    }

    /// Redeems an authorization code with its PKCE verifier. `redirect_uri` must be the
    /// one sent in the authorization URL.
    pub async fn exchange_code(
        &self,
        provider: &ProviderConfig,
        code: &Secret<String>,
        code_verifier: &Secret<String>,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, AuthError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose().as_str()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier.expose().as_str()),
        ];
        let (status, body) = self.post(provider, &form).await?;
        parse_token_response(status, &body, now, None)
    }

    /// Renews the access token. When the provider rotates the refresh token the new one
    /// is returned (store it, the old one is now dead); otherwise the old one is kept.
    /// `invalid_grant` means the refresh token is revoked or reused: [`AuthError::NeedsSignIn`].
    pub async fn refresh(
        &self,
        provider: &ProviderConfig,
        refresh_token: &Secret<String>,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, AuthError> {
        let scope = provider.scope_param();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose().as_str()),
            ("scope", scope.as_str()),
        ];
        let (status, body) = self.post(provider, &form).await?;
        parse_token_response(status, &body, now, Some(refresh_token))
    }

    async fn post(
        &self,
        provider: &ProviderConfig,
        form: &[(&str, &str)],
    ) -> Result<(u16, Vec<u8>), AuthError> {
        check_token_url(&provider.token_url)?;
        // The serializer is not `Send`; it must be gone before the first `.await` so the
        // future can run on a multi-thread runtime (`tokio::spawn`).
        let body = {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            body.extend_pairs(form.iter().copied());
            body.append_pair("client_id", &provider.client_id);
            if let Some(secret) = &provider.client_secret {
                body.append_pair("client_secret", secret.expose());
            }
            Secret::new(body.finish())
        };
        let response = self
            .http
            .post(&provider.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body.expose().clone())
            .send()
            .await
            .map_err(|e| AuthError::Unavailable {
                detail: describe_reqwest(&e),
            })?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| AuthError::Unavailable {
            detail: describe_reqwest(&e),
        })?;
        Ok((status, bytes.to_vec()))
    }
}

/// Codes, verifiers and refresh tokens go only over TLS; plain HTTP only to this machine
/// (test servers, RFC 8252 §8.3 loopback).
fn check_token_url(token_url: &str) -> Result<(), AuthError> {
    let url =
        url::Url::parse(token_url).map_err(|e| AuthError::Config(format!("bad token URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(AuthError::Config(format!(
            "token URL must use https: {token_url}"
        ))),
    }
}

/// The request URL may carry nothing secret, but reqwest's messages are kept short anyway.
fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut detail = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        detail = format!("{detail}: {inner}");
        source = inner.source();
    }
    detail
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

const NEEDS_SIGN_IN: &[&str] = &[
    "invalid_grant",
    "interaction_required",
    "consent_required",
    "login_required",
];

/// Maps a token endpoint answer to a [`TokenSet`] or an [`AuthError`] (RFC 6749 §5.1,
/// §5.2). `previous_refresh` is kept when a refresh response carries no new one.
pub fn parse_token_response(
    status: u16,
    body: &[u8],
    now: DateTime<Utc>,
    previous_refresh: Option<&Secret<String>>,
) -> Result<TokenSet, AuthError> {
    if status == 429 || status >= 500 {
        return Err(AuthError::Unavailable {
            detail: format!("token endpoint answered HTTP {status}"),
        });
    }
    if !(200..300).contains(&status) {
        return Err(match serde_json::from_slice::<ErrorResponse>(body) {
            // invalid_grant (RFC 6749 §5.2); Microsoft also answers a refresh with
            // interaction_required / consent_required when MFA or new consent is due, which
            // likewise only an interactive sign-in can satisfy.
            Ok(err) if NEEDS_SIGN_IN.contains(&err.error.as_str()) => AuthError::NeedsSignIn {
                detail: err
                    .error_description
                    .unwrap_or_else(|| "the grant was revoked or has expired".to_owned()),
            },
            Ok(err) => AuthError::Provider {
                code: err.error,
                description: err.error_description,
            },
            Err(_) => {
                AuthError::InvalidResponse(format!("HTTP {status} without an OAuth error body"))
            }
        });
    }
    let parsed: TokenResponse = serde_json::from_slice(body)
        .map_err(|e| AuthError::InvalidResponse(format!("token response: {e}")))?;
    if parsed.access_token.is_empty() {
        return Err(AuthError::InvalidResponse(
            "token response has an empty access_token".to_owned(),
        ));
    }
    // Some providers send expires_in as a string ("3599").
    let expires_in = match parsed.expires_in {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    let expires_at = expires_in
        .filter(|s| *s >= 0)
        .and_then(chrono::Duration::try_seconds)
        .and_then(|d| now.checked_add_signed(d));
    let refresh_token = parsed
        .refresh_token
        .filter(|t| !t.is_empty())
        .map(Secret::new)
        .or_else(|| previous_refresh.cloned());
    Ok(TokenSet {
        access_token: Secret::new(parsed.access_token),
        refresh_token,
        expires_at,
        scope: parsed.scope,
        token_type: parsed.token_type.unwrap_or_else(|| "Bearer".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 4, 0, 0).unwrap()
    }

    #[derive(Debug, PartialEq)]
    enum Kind {
        Ok,
        NeedsSignIn,
        Provider(&'static str),
        Unavailable,
        Invalid,
    }

    fn kind(result: &Result<TokenSet, AuthError>) -> Kind {
        match result {
            Ok(_) => Kind::Ok,
            Err(AuthError::NeedsSignIn { .. }) => Kind::NeedsSignIn,
            Err(AuthError::Provider { code, .. }) => Kind::Provider(match code.as_str() {
                "invalid_client" => "invalid_client",
                "invalid_scope" => "invalid_scope",
                "unauthorized_client" => "unauthorized_client",
                _ => "other",
            }),
            Err(AuthError::Unavailable { .. }) => Kind::Unavailable,
            Err(_) => Kind::Invalid,
        }
    }

    #[test]
    fn responses_map_to_results() {
        let rows: &[(u16, &str, Kind, bool)] = &[
            (
                200,
                r#"{"access_token":"a","expires_in":3600,"token_type":"Bearer"}"#,
                Kind::Ok,
                false,
            ),
            (
                200,
                r#"{"access_token":"a","expires_in":"3599"}"#,
                Kind::Ok,
                false,
            ),
            (200, r#"{"access_token":""}"#, Kind::Invalid, false),
            (200, "not json", Kind::Invalid, false),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#,
                Kind::NeedsSignIn,
                false,
            ),
            (
                400,
                r#"{"error":"invalid_client"}"#,
                Kind::Provider("invalid_client"),
                false,
            ),
            (
                401,
                r#"{"error":"unauthorized_client"}"#,
                Kind::Provider("unauthorized_client"),
                false,
            ),
            (
                400,
                r#"{"error":"invalid_scope","error_description":"AADSTS70011"}"#,
                Kind::Provider("invalid_scope"),
                false,
            ),
            (400, "<html>", Kind::Invalid, false),
            (429, "", Kind::Unavailable, true),
            (500, r#"{"error":"server_error"}"#, Kind::Unavailable, true),
            (503, "", Kind::Unavailable, true),
        ];
        for (status, body, expected, retryable) in rows {
            let result = parse_token_response(*status, body.as_bytes(), now(), None);
            assert_eq!(&kind(&result), expected, "{status} {body}");
            assert_eq!(
                result.as_ref().err().is_some_and(AuthError::is_retryable),
                *retryable,
                "{status} {body}"
            );
        }
    }

    #[test]
    fn expiry_is_absolute_and_refresh_token_rotates_or_stays() {
        let old = Secret::from("old-refresh");
        let kept = parse_token_response(
            200,
            br#"{"access_token":"a1","expires_in":3600}"#,
            now(),
            Some(&old),
        )
        .unwrap();
        assert_eq!(kept.expires_at, Some(now() + chrono::Duration::hours(1)));
        assert_eq!(kept.refresh_token.unwrap().expose(), "old-refresh");
        assert_eq!(kept.token_type, "Bearer");

        let rotated = parse_token_response(
            200,
            br#"{"access_token":"a2","refresh_token":"new-refresh","scope":"email"}"#,
            now(),
            Some(&old),
        )
        .unwrap();
        assert_eq!(rotated.refresh_token.unwrap().expose(), "new-refresh");
        assert_eq!(rotated.expires_at, None);
        assert_eq!(rotated.scope.as_deref(), Some("email"));
    }

    #[test]
    fn token_set_debug_is_redacted() {
        let set = parse_token_response(
            200,
            br#"{"access_token":"ya29.secret","refresh_token":"1//secret"}"#,
            now(),
            None,
        )
        .unwrap();
        let rendered = format!("{set:?}");
        assert!(!rendered.contains("secret"), "{rendered}");
    }

    #[test]
    fn token_url_must_be_https_unless_loopback() {
        let rows = [
            ("https://oauth2.googleapis.com/token", true),
            ("http://127.0.0.1:8080/token", true),
            ("http://[::1]:8080/token", true),
            ("http://localhost/token", true),
            ("http://oauth2.googleapis.com/token", false),
            ("ftp://127.0.0.1/token", false),
            ("not a url", false),
        ];
        for (url, ok) in rows {
            assert_eq!(check_token_url(url).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn needs_refresh_table() {
        let margin = chrono::Duration::minutes(5);
        let at = |mins: i64| Some(now() + chrono::Duration::minutes(mins));
        let rows = [
            (None, false),
            (at(60), false),
            (at(6), false),
            (at(5), true),
            (at(1), true),
            (at(-10), true),
        ];
        for (expires_at, expected) in rows {
            assert_eq!(
                needs_refresh(expires_at, now(), margin),
                expected,
                "{expires_at:?}"
            );
        }
    }
}
