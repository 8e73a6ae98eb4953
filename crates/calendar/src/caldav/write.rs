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

    /// The calendar's busy periods in [from, to) as the server computes them (RFC 4791
    /// §7.10 `free-busy-query`, recurrence expanded by the server): `(start, end,
    /// tentative)`. Free and transparent time is left out.
    pub async fn free_busy(
        &self,
        calendar_href: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, bool)>, CalDavError> {
        let url = self.url(calendar_href)?;
        let fmt = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
  <C:time-range start="{}" end="{}"/>
</C:free-busy-query>"#,
            escape(&fmt(from)),
            escape(&fmt(to))
        );
        let answer = self
            .request("REPORT", &url, &[("Depth", "1")], Some((XML, &body)))
            .await?;
        match answer.status.as_u16() {
            200 => Ok(freebusy_periods(&answer.body)),
            status => Err(CalDavError::Status {
                method: "REPORT".into(),
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

/// The busy periods of a VFREEBUSY text: every `FREEBUSY` line except `FBTYPE=FREE`, each
/// value a comma list of `start/end` or `start/duration` in UTC (RFC 5545 §3.8.2.6).
/// Unreadable periods are skipped.
pub fn freebusy_periods(text: &str) -> Vec<(DateTime<Utc>, DateTime<Utc>, bool)> {
    let mut out = Vec::new();
    // Unfold first: long FREEBUSY lines are folded at 75 octets.
    let unfolded = text
        .replace("\r\n ", "")
        .replace("\n ", "")
        .replace("\r\n\t", "");
    for line in unfolded.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let mut params = name.split(';');
        if !params
            .next()
            .is_some_and(|n| n.eq_ignore_ascii_case("FREEBUSY"))
        {
            continue;
        }
        let fbtype = params
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case("FBTYPE"))
            .map(|(_, v)| v.to_ascii_uppercase())
            .unwrap_or_else(|| "BUSY".into());
        if fbtype == "FREE" {
            continue;
        }
        let tentative = fbtype == "BUSY-TENTATIVE";
        for period in value.trim().split(',') {
            let Some((start, end)) = period.split_once('/') else {
                continue;
            };
            let Some(start) = utc_basic(start) else {
                continue;
            };
            let end = utc_basic(end).or_else(|| {
                crate::values::parse_duration(end).and_then(|d| start.checked_add_signed(d))
            });
            if let Some(end) = end.filter(|e| *e > start) {
                out.push((start, end, tentative));
            }
        }
    }
    out
}

fn utc_basic(s: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::freebusy_periods;

    #[test]
    fn busy_periods_are_read_and_free_ones_skipped() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VFREEBUSY\r\n\
FREEBUSY;FBTYPE=BUSY:20260309T130000Z/20260309T140000Z,20260310T090000Z/PT30M\r\n\
FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260311T090000Z/20260311T100000Z\r\n\
FREEBUSY;FBTYPE=FREE:20260312T090000Z/20260312T100000Z\r\n\
FREEBUSY:20260313T090000Z/garbage,nonsense\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
        let got: Vec<(String, String, bool)> = freebusy_periods(text)
            .into_iter()
            .map(|(s, e, t)| (s.to_rfc3339(), e.to_rfc3339(), t))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "2026-03-09T13:00:00+00:00".into(),
                    "2026-03-09T14:00:00+00:00".into(),
                    false
                ),
                (
                    "2026-03-10T09:00:00+00:00".into(),
                    "2026-03-10T09:30:00+00:00".into(),
                    false
                ),
                (
                    "2026-03-11T09:00:00+00:00".into(),
                    "2026-03-11T10:00:00+00:00".into(),
                    true
                ),
            ]
        );
    }
}
