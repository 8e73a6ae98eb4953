//! HTTP for the mail APIs (Gmail, Microsoft Graph): one place that attaches the bearer
//! token, refreshes it once when the API says 401, honours `Retry-After` on 429 (and
//! Gmail's 403 `rateLimitExceeded`), backs off with jitter on 5xx and network errors,
//! and spends the account's [`Budget`] so interactive work goes ahead of backfill.
//!
//! It never loops on a refused sign-in: a refresh that fails with `NeedsSignIn` ends the
//! request with [`RestError::NeedsSignIn`], and a second 401 right after a refresh ends it
//! with [`RestError::Unauthorized`].

mod budget;

pub use budget::{Admission, Budget, BudgetLimits, Priority};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use switchboard_auth::AuthError;
use switchboard_secrets::Secret;
use tokio::time::Instant;

/// A future returned by [`BearerSource`].
pub type BearerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Secret<String>, AuthError>> + Send + 'a>>;

/// Hands out access tokens for one account (`switchboard_auth::AccountTokens` in the
/// app; a fixed token in some tests).
pub trait BearerSource: Send + Sync {
    /// A token to use now (refreshed ahead of expiry by the source).
    fn bearer(&self) -> BearerFuture<'_>;
    /// The API refused `rejected` with 401: a fresh one, refreshed at most once.
    fn rejected<'a>(&'a self, rejected: &'a Secret<String>) -> BearerFuture<'a>;
}

impl BearerSource for switchboard_auth::AccountTokens {
    fn bearer(&self) -> BearerFuture<'_> {
        Box::pin(self.access_token())
    }
    fn rejected<'a>(&'a self, rejected: &'a Secret<String>) -> BearerFuture<'a> {
        Box::pin(self.after_rejection(rejected))
    }
}

/// A token that never changes (tests, and providers reached with a static key).
pub struct FixedBearer(pub Secret<String>);

impl BearerSource for FixedBearer {
    fn bearer(&self) -> BearerFuture<'_> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
    fn rejected<'a>(&'a self, _rejected: &'a Secret<String>) -> BearerFuture<'a> {
        Box::pin(async {
            Err(AuthError::NeedsSignIn {
                detail: "the fixed token was refused".into(),
            })
        })
    }
}

/// What went wrong with an API request, and whether trying later can help.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// Only a new sign-in helps (refresh token revoked, or the API refuses fresh tokens).
    #[error("the account needs to be signed in again: {0}")]
    NeedsSignIn(String),
    /// The API refused a freshly refreshed token.
    #[error("the API refused the account's credentials: {0}")]
    Unauthorized(String),
    /// Still rate limited after our retries; try after `retry_after`.
    #[error("rate limited by the provider; retry in {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// The API answered with an error (4xx other than auth and rate limits, or 5xx after
    /// our retries). `code` is the API's own (Gmail reason, Graph error code).
    #[error("HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The server could not be reached, or the connection broke.
    #[error("network error: {0}")]
    Network(String),
    /// The answer was not what the API documents.
    #[error("unexpected answer from the API: {0}")]
    Protocol(String),
    /// The token source failed for a reason other than a refused sign-in.
    #[error(transparent)]
    Auth(AuthError),
}

impl RestError {
    /// Whether the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            RestError::RateLimited { .. } | RestError::Network(_) => true,
            RestError::Api { status, .. } => *status >= 500,
            RestError::Auth(e) => e.is_retryable(),
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            RestError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's error code (Gmail `reason`, Graph `code`).
    pub fn code(&self) -> Option<&str> {
        match self {
            RestError::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

fn from_auth(e: AuthError) -> RestError {
    match e {
        AuthError::NeedsSignIn { detail } => RestError::NeedsSignIn(detail),
        other => RestError::Auth(other),
    }
}

/// How hard to try before giving up.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// 5xx and network errors.
    pub max_server_retries: u32,
    /// 429s (each waits as long as the provider asks).
    pub max_rate_limit_retries: u32,
    pub backoff_start: Duration,
    pub backoff_max: Duration,
    /// The wait for a 429 without `Retry-After`.
    pub default_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_server_retries: 4,
            max_rate_limit_retries: 8,
            backoff_start: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            default_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter: attempt n (1-based) waits a random time between
    /// half and all of `start * 2^(n-1)`, capped at `max`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_start
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)))
            .min(self.backoff_max);
        let half = exp / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// One API request.
#[derive(Debug, Clone)]
pub struct RestRequest {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// (content type, bytes)
    pub body: Option<(String, Vec<u8>)>,
    /// Cost in the account's budget units.
    pub cost: u32,
    pub priority: Priority,
}

impl RestRequest {
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(reqwest::Method::GET, url)
    }

    pub fn new(method: reqwest::Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            cost: 1,
            priority: Priority::Backfill,
        }
    }

    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.body = Some(("application/json".into(), value.to_string().into_bytes()));
        self
    }

    pub fn body(mut self, content_type: &str, bytes: Vec<u8>) -> Self {
        self.body = Some((content_type.into(), bytes));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn cost(mut self, units: u32) -> Self {
        self.cost = units;
        self
    }

    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct RestResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl RestResponse {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, RestError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            RestError::Protocol(format!(
                "{e} in {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            ))
        })
    }
}

/// Called with the wait whenever the provider rate-limits the account (for "rate
/// limited until HH:MM" in the UI).
pub type RateLimitObserver = Arc<dyn Fn(Duration) + Send + Sync>;

/// The HTTP client of one API account.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    tokens: Arc<dyn BearerSource>,
    budget: Arc<Budget>,
    retry: RetryPolicy,
    observer: Option<RateLimitObserver>,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("budget", &self.budget.limits())
            .finish_non_exhaustive()
    }
}

/// An HTTP client with rustls (ring) and the system's roots, a 60 s timeout, and no
/// redirects (an API that redirects is not talking to us as documented).
pub fn http_client() -> Result<reqwest::Client, RestError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RestError::Protocol(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(16)
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| RestError::Protocol(format!("HTTP client setup: {e}")))
}

impl RestClient {
    pub fn new(http: reqwest::Client, tokens: Arc<dyn BearerSource>, budget: Arc<Budget>) -> Self {
        Self {
            http,
            tokens,
            budget,
            retry: RetryPolicy::default(),
            observer: None,
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_rate_limit_observer(mut self, observer: RateLimitObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// Sends the request with the account's token and budget, retrying what can be
    /// retried (see the module documentation).
    pub async fn execute(&self, req: &RestRequest) -> Result<RestResponse, RestError> {
        let mut refreshed: Option<Secret<String>> = None;
        let mut server_failures = 0u32;
        let mut rate_limits = 0u32;
        let mut refreshed_after_401 = false;
        loop {
            let admission = self.budget.admit(req.cost, req.priority).await;
            let token = match refreshed.take() {
                Some(t) => t,
                None => self.tokens.bearer().await.map_err(from_auth)?,
            };
            let mut builder = self
                .http
                .request(req.method.clone(), &req.url)
                .bearer_auth(token.expose());
            for (name, value) in &req.headers {
                builder = builder.header(name, value);
            }
            if let Some((content_type, bytes)) = &req.body {
                builder = builder
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes.clone());
            }
            let result = builder.send().await;
            let response = match result {
                Ok(r) => r,
                Err(e) => {
                    drop(admission);
                    server_failures += 1;
                    if server_failures > self.retry.max_server_retries {
                        return Err(RestError::Network(describe(&e)));
                    }
                    tracing::debug!(error = %describe(&e), "API request failed; retrying");
                    tokio::time::sleep(self.retry.backoff(server_failures)).await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = match response.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => {
                    drop(admission);
                    server_failures += 1;
                    if server_failures > self.retry.max_server_retries {
                        return Err(RestError::Network(describe(&e)));
                    }
                    tokio::time::sleep(self.retry.backoff(server_failures)).await;
                    continue;
                }
            };
            drop(admission);
            if (200..300).contains(&status) {
                return Ok(RestResponse { status, body });
            }
            let error = parse_error(status, &body);
            if status == 401 {
                if refreshed_after_401 {
                    return Err(RestError::Unauthorized(error.message));
                }
                refreshed_after_401 = true;
                refreshed = Some(self.tokens.rejected(&token).await.map_err(from_auth)?);
                continue;
            }
            if is_rate_limit(status, &error) {
                rate_limits += 1;
                let wait = retry_after.unwrap_or(self.retry.default_retry_after);
                self.budget.pause_until(Instant::now() + wait).await;
                if let Some(observer) = &self.observer {
                    observer(wait);
                }
                if rate_limits > self.retry.max_rate_limit_retries {
                    return Err(RestError::RateLimited { retry_after: wait });
                }
                tracing::debug!(status, wait_s = wait.as_secs(), "rate limited; waiting");
                continue;
            }
            if status >= 500 {
                server_failures += 1;
                if server_failures > self.retry.max_server_retries {
                    return Err(error.into_rest(status));
                }
                let wait = retry_after.unwrap_or_else(|| self.retry.backoff(server_failures));
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(error.into_rest(status));
        }
    }

    /// [`execute`](Self::execute) and parse the JSON answer.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        req: &RestRequest,
    ) -> Result<T, RestError> {
        self.execute(req).await?.json()
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// An API error body, read leniently: Google's `{"error":{"code":429,"message":…,
/// "errors":[{"reason":…}],"status":…}}` and Graph's `{"error":{"code":"…","message":…}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErrorBody {
    pub code: Option<String>,
    pub message: String,
}

impl ApiErrorBody {
    fn into_rest(self, status: u16) -> RestError {
        RestError::Api {
            status,
            code: self.code,
            message: self.message,
        }
    }
}

pub fn parse_error(status: u16, body: &[u8]) -> ApiErrorBody {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = &value["error"];
    let reason = error["errors"][0]["reason"].as_str();
    let code = reason
        .or_else(|| error["code"].as_str())
        .or_else(|| error["status"].as_str())
        .or_else(|| error.as_str())
        .map(str::to_owned);
    let message = error["message"]
        .as_str()
        .or_else(|| value["error_description"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            if text.trim().is_empty() {
                format!("HTTP {status} without a body")
            } else {
                text
            }
        });
    ApiErrorBody { code, message }
}

/// 429 always; 403 when Gmail says the user's rate or quota was exceeded; 503 with a
/// throttling code (Graph may say so).
fn is_rate_limit(status: u16, error: &ApiErrorBody) -> bool {
    let code = error.code.as_deref().unwrap_or("");
    match status {
        429 => true,
        403 => matches!(code, "rateLimitExceeded" | "userRateLimitExceeded"),
        503 => matches!(code, "ApplicationThrottled" | "TooManyRequests"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn error_bodies_of_both_apis_are_read() {
        let google = br#"{"error":{"code":429,"message":"User-rate limit exceeded.","errors":[{"message":"x","domain":"usageLimits","reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}}"#;
        assert_eq!(
            parse_error(429, google),
            ApiErrorBody {
                code: Some("rateLimitExceeded".into()),
                message: "User-rate limit exceeded.".into()
            }
        );
        let graph =
            br#"{"error":{"code":"SyncStateNotFound","message":"The sync state is gone."}}"#;
        assert_eq!(
            parse_error(410, graph).code.as_deref(),
            Some("SyncStateNotFound")
        );
        assert_eq!(parse_error(502, b"").message, "HTTP 502 without a body");
        let oauth = br#"{"error":"invalid_grant","error_description":"revoked"}"#;
        assert_eq!(
            parse_error(400, oauth).code.as_deref(),
            Some("invalid_grant")
        );
    }

    #[test]
    fn which_answers_are_rate_limits() {
        let body = |code: &str| ApiErrorBody {
            code: Some(code.into()),
            message: String::new(),
        };
        assert!(is_rate_limit(429, &body("anything")));
        assert!(is_rate_limit(403, &body("userRateLimitExceeded")));
        assert!(!is_rate_limit(403, &body("insufficientPermissions")));
        assert!(is_rate_limit(503, &body("ApplicationThrottled")));
        assert!(!is_rate_limit(500, &body("backendError")));
    }

    #[test]
    fn backoff_grows_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let full = policy
                .backoff_start
                .saturating_mul(2u32.pow(attempt - 1))
                .min(policy.backoff_max);
            let wait = policy.backoff(attempt);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?}"
            );
        }
    }
}
