//! Writing calendar objects (RFC 4791 §5.3.2): PUT with `If-Match` / `If-None-Match`,
//! DELETE with `If-Match`, GET to refetch after a refusal, and the `calendar-query`
//! time-range REPORT (§7.8) that lists what overlaps a window.

use chrono::{DateTime, Utc};

use super::client::expect_multistatus;
use super::xml::escape;
use super::{multistatus, CalDavClient, CalDavError, CalendarObject};

const ICS: &str = "text/calendar; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";

/// The condition a write is made on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Create only: the href must not exist yet (`If-None-Match: *`).
    Absent,
    /// Replace only the version we read (`If-Match: <etag>`).
    Matches(String),
}

/// What the server holds after a successful PUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub href: String,
    /// The new ETag when the server sent one (RFC 4791 allows it to leave it out when it
    /// changed the data; then refetch to learn both).
    pub etag: Option<String>,
}

impl CalDavClient {
    /// Stores `ics` at `href` under `precondition`. A 412 is
    /// [`CalDavError::PreconditionFailed`]: someone else changed (or created) it.
    pub async fn put(
        &self,
        href: &str,
        ics: &str,
        precondition: &Precondition,
    ) -> Result<Written, CalDavError> {
        let url = self.url(href)?;
        let header = match precondition {
            Precondition::Absent => ("If-None-Match", "*"),
            Precondition::Matches(etag) => ("If-Match", etag.as_str()),
        };
        let answer = self
            .request("PUT", &url, &[header], Some((ICS, ics)))
            .await?;
        match answer.status.as_u16() {
            200 | 201 | 204 => Ok(Written {
                href: multistatus::decode_href(url.path()),
                etag: answer.etag,
            }),
            412 => Err(CalDavError::PreconditionFailed),
            status => Err(CalDavError::Status {
                method: "PUT".into(),
                url: url.to_string(),
                status,
            }),
        }
    }

    /// Deletes the object at `href` if it is still the version `etag` names (any version
    /// when `None`). An object that is already gone counts as deleted.
    pub async fn delete(&self, href: &str, etag: Option<&str>) -> Result<(), CalDavError> {
        let url = self.url(href)?;
        let headers: Vec<(&str, &str)> = etag.map(|e| ("If-Match", e)).into_iter().collect();
        let answer = self.request("DELETE", &url, &headers, None).await?;
        match answer.status.as_u16() {
            200 | 202 | 204 | 404 | 410 => Ok(()),
            412 => Err(CalDavError::PreconditionFailed),
            status => Err(CalDavError::Status {
                method: "DELETE".into(),
                url: url.to_string(),
                status,
            }),
        }
    }

    /// The object at `href` with its ETag, or `None` when it no longer exists.
    pub async fn get(&self, href: &str) -> Result<Option<CalendarObject>, CalDavError> {
        let url = self.url(href)?;
        let answer = self.request("GET", &url, &[], None).await?;
        match answer.status.as_u16() {
            200 => Ok(Some(CalendarObject {
                href: multistatus::decode_href(url.path()),
                etag: answer.etag,
                data: answer.body,
            })),
            404 | 410 => Ok(None),
            status => Err(CalDavError::Status {
                method: "GET".into(),
                url: url.to_string(),
                status,
            }),
        }
    }

    /// Every event object with an instance overlapping [from, to), recurring ones
    /// included (the server expands their rules to decide), with their data.
    pub async fn time_range(
        &self,
        calendar_href: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CalendarObject>, CalDavError> {
        let url = self.url(calendar_href)?;
        let fmt = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{}" end="{}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"#,
            escape(&fmt(from)),
            escape(&fmt(to))
        );
        let answer = self
            .request("REPORT", &url, &[("Depth", "1")], Some((XML, &body)))
            .await?;
        let answer = expect_multistatus("REPORT", &url, answer)?;
        multistatus::multiget_objects(&answer)
    }
}
