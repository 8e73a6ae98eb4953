//! The HTTP side of CalDAV: the requests, their bodies, and status handling.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE, ETAG, LOCATION};
use reqwest::{Method, StatusCode};
use switchboard_secrets::Secret;
use url::Url;

use super::multistatus;
use super::xml::escape;
use super::{CalDavError, CalendarInfo, CalendarObject, RemoteResource, SyncChanges};

const XML: &str = "application/xml; charset=utf-8";
/// RFC 6764 §5: at most this many redirects from the well-known URI.
const MAX_REDIRECTS: usize = 5;

const PROPFIND_PRINCIPAL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>"#;

const PROPFIND_HOME_SET: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-home-set/></D:prop></D:propfind>"#;

const PROPFIND_CALENDARS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:A="http://apple.com/ns/ical/">
  <D:prop>
    <D:resourcetype/><D:displayname/><A:calendar-color/>
    <C:supported-calendar-component-set/><CS:getctag/><D:sync-token/>
  </D:prop>
</D:propfind>"#;

const PROPFIND_ETAGS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getetag/></D:prop></D:propfind>"#;

/// An HTTP client with rustls (ring) and the system's roots, a 60 s timeout and no
/// automatic redirects: discovery follows the well-known redirect itself, and nothing
/// else should be redirected with the user's credentials attached.
pub fn http_client() -> Result<reqwest::Client, CalDavError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CalDavError::Protocol(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CalDavError::Protocol(format!("HTTP client setup: {e}")))
}

/// Where discovery ended: the principal, its calendar home and the calendars in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub principal: Url,
    pub home: Url,
    pub calendars: Vec<CalendarInfo>,
}

/// A CalDAV account: a server URL, a user and a password sent with HTTP Basic auth.
pub struct CalDavClient {
    http: reqwest::Client,
    base: Url,
    user: String,
    password: Secret<String>,
}

impl std::fmt::Debug for CalDavClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalDavClient")
            .field("base", &self.base.as_str())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

pub(super) struct Answer {
    pub(super) status: StatusCode,
    location: Option<String>,
    pub(super) etag: Option<String>,
    pub(super) body: String,
}

impl CalDavClient {
    /// A client for the server at `base_url` (the server root or any URL on it; discovery
    /// starts from its `/.well-known/caldav`).
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        user: &str,
        password: Secret<String>,
    ) -> Result<Self, CalDavError> {
        let base = Url::parse(base_url)
            .map_err(|e| CalDavError::Protocol(format!("server URL {base_url:?}: {e}")))?;
        Ok(Self {
            http,
            base,
            user: user.to_owned(),
            password,
        })
    }

    /// Finds the user's calendars: `/.well-known/caldav` (its redirect followed, or the
    /// given URL when there is none), then `current-user-principal`, `calendar-home-set`
    /// and a Depth 1 listing of the home.
    pub async fn discover(&self) -> Result<Discovery, CalDavError> {
        let context = self.context_path().await?;
        let answer = self
            .send("PROPFIND", &context, "0", Some(PROPFIND_PRINCIPAL))
            .await?;
        let answer = expect_multistatus("PROPFIND", &context, answer)?;
        let principal = match multistatus::current_user_principal(&answer)? {
            Some(href) => self.resolve(&context, &href)?,
            // A server without RFC 5397 lets the context path stand in for the principal.
            None => context,
        };

        let answer = self
            .send("PROPFIND", &principal, "0", Some(PROPFIND_HOME_SET))
            .await?;
        let answer = expect_multistatus("PROPFIND", &principal, answer)?;
        let home = multistatus::calendar_home_set(&answer)?.ok_or_else(|| {
            CalDavError::Protocol(format!("{principal} has no calendar-home-set"))
        })?;
        let home = self.resolve(&principal, &home)?;

        let answer = self
            .send("PROPFIND", &home, "1", Some(PROPFIND_CALENDARS))
            .await?;
        let answer = expect_multistatus("PROPFIND", &home, answer)?;
        Ok(Discovery {
            calendars: multistatus::calendars(&answer)?,
            principal,
            home,
        })
    }

    /// What changed in the calendar at `calendar_href` since `sync_token` (everything when
    /// `None`). A token the server no longer accepts gives
    /// [`CalDavError::InvalidSyncToken`].
    pub async fn sync_collection(
        &self,
        calendar_href: &str,
        sync_token: Option<&str>,
    ) -> Result<SyncChanges, CalDavError> {
        let url = self.resolve(&self.base, calendar_href)?;
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<D:sync-collection xmlns:D="DAV:">
  <D:sync-token>{}</D:sync-token>
  <D:sync-level>1</D:sync-level>
  <D:prop><D:getetag/></D:prop>
</D:sync-collection>"#,
            escape(sync_token.unwrap_or_default())
        );
        let answer = self.send("REPORT", &url, "0", Some(&body)).await?;
        if matches!(answer.status.as_u16(), 403 | 409 | 412)
            && multistatus::is_invalid_sync_token(&answer.body)
        {
            return Err(CalDavError::InvalidSyncToken);
        }
        let answer = expect_multistatus("REPORT", &url, answer)?;
        multistatus::sync_changes(&answer, &multistatus::decode_href(url.path()))
    }

    /// Every object in the calendar with its ETag (PROPFIND Depth 1): the listing for a
    /// full resync when sync-collection is not available or its token was refused.
    pub async fn list_etags(
        &self,
        calendar_href: &str,
    ) -> Result<Vec<RemoteResource>, CalDavError> {
        let url = self.resolve(&self.base, calendar_href)?;
        let answer = self
            .send("PROPFIND", &url, "1", Some(PROPFIND_ETAGS))
            .await?;
        let answer = expect_multistatus("PROPFIND", &url, answer)?;
        multistatus::member_etags(&answer, &multistatus::decode_href(url.path()))
    }

    /// The iCalendar data of `hrefs` in the calendar at `calendar_href` in one
    /// `calendar-multiget` REPORT. Objects deleted meanwhile are missing from the result.
    pub async fn multiget(
        &self,
        calendar_href: &str,
        hrefs: &[String],
    ) -> Result<Vec<CalendarObject>, CalDavError> {
        if hrefs.is_empty() {
            return Ok(Vec::new());
        }
        let url = self.resolve(&self.base, calendar_href)?;
        let mut body = String::from(
            r#"<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
"#,
        );
        for href in hrefs {
            body.push_str(&format!("  <D:href>{}</D:href>\n", escape(href)));
        }
        body.push_str("</C:calendar-multiget>");
        let answer = self.send("REPORT", &url, "1", Some(&body)).await?;
        let answer = expect_multistatus("REPORT", &url, answer)?;
        multistatus::multiget_objects(&answer)
    }

    /// The well-known redirect's target (RFC 6764 §5), or the given URL when the server
    /// does not redirect.
    async fn context_path(&self) -> Result<Url, CalDavError> {
        let mut url = self.resolve(&self.base, "/.well-known/caldav")?;
        for _ in 0..MAX_REDIRECTS {
            let answer = self
                .send("PROPFIND", &url, "0", Some(PROPFIND_PRINCIPAL))
                .await?;
            match (answer.status.is_redirection(), answer.location) {
                (true, Some(location)) => url = self.resolve(&url, &location)?,
                _ => break,
            }
        }
        if url.path().starts_with("/.well-known/") {
            return Ok(self.base.clone());
        }
        Ok(url)
    }

    /// `href` resolved against the server URL (on the same origin only).
    pub(super) fn url(&self, href: &str) -> Result<Url, CalDavError> {
        self.resolve(&self.base, href)
    }

    pub(super) fn resolve(&self, against: &Url, href: &str) -> Result<Url, CalDavError> {
        let url = against
            .join(href)
            .map_err(|e| CalDavError::Protocol(format!("href {href:?}: {e}")))?;
        // Credentials go only to the server the user named.
        if url.origin() != self.base.origin() {
            return Err(CalDavError::Protocol(format!(
                "{url} is on another server than {}",
                self.base
            )));
        }
        Ok(url)
    }

    async fn send(
        &self,
        method: &str,
        url: &Url,
        depth: &str,
        body: Option<&str>,
    ) -> Result<Answer, CalDavError> {
        let body = body.map(|b| (XML, b));
        self.request(method, url, &[("Depth", depth)], body).await
    }

    /// One request with Basic auth and the given headers and body (content type, text).
    pub(super) async fn request(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<(&str, &str)>,
    ) -> Result<Answer, CalDavError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| CalDavError::Protocol(format!("method {method}: {e}")))?;
        let mut request = self
            .http
            .request(method, url.clone())
            .basic_auth(&self.user, Some(self.password.expose()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some((content_type, body)) = body {
            let content_type = HeaderValue::from_str(content_type)
                .map_err(|e| CalDavError::Protocol(format!("content type: {e}")))?;
            request = request
                .header(CONTENT_TYPE, content_type)
                .body(body.to_owned());
        }
        let response = request
            .send()
            .await
            .map_err(|e| CalDavError::Network(e.without_url().to_string()))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(CalDavError::Unauthorized);
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(LOCATION);
        let etag = header(ETAG);
        let body = response
            .text()
            .await
            .map_err(|e| CalDavError::Network(e.without_url().to_string()))?;
        Ok(Answer {
            status,
            location,
            etag,
            body,
        })
    }
}

/// The body of a 207 Multi-Status answer, or the error its status stands for.
pub(super) fn expect_multistatus(
    method: &str,
    url: &Url,
    answer: Answer,
) -> Result<String, CalDavError> {
    match answer.status.as_u16() {
        207 => Ok(answer.body),
        status => Err(CalDavError::Status {
            method: method.to_owned(),
            url: url.to_string(),
            status,
        }),
    }
}
