//! The Google Calendar v3 calls Switchboard makes, as the discovery document names them:
//! `calendarList.list`, `events.list` (full or from a sync token), `events.get`,
//! `events.insert` / `patch` / `delete` (with `If-Match`, `sendUpdates=all` so Google mails
//! the invitations, `conferenceDataVersion=1` so Meet requests are honoured) and
//! `freebusy.query`.
//!
//! Requests go through the account's [`RestClient`] (bearer token refreshed once on 401,
//! `Retry-After` on 429 and on 403 `rateLimitExceeded`, backoff on 5xx, the account's
//! budget).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::json;
use switchboard_calendar::google::{
    busy_intervals, BusyInterval, EventWrite, FreeBusyCalendar, GoogleEvent, Reminder,
};
use switchboard_mail::rest::{BudgetLimits, Priority, RestClient, RestError, RestRequest};

use super::GcalError;

/// The Calendar API's per-user limit: 600 requests per minute per user per project
/// (developers.google.com/workspace/calendar/api/guides/quota).
pub const GCAL_LIMITS: BudgetLimits = BudgetLimits {
    units: 600,
    window: Duration::from_secs(60),
    concurrency: 8,
    reserve: 30,
};

/// events.list's largest page.
pub const MAX_PAGE: u32 = 2500;

/// A `calendarList` entry (the fields we use).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarListEntry {
    pub id: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub summary_override: Option<String>,
    #[serde(default)]
    pub background_color: Option<String>,
    /// `freeBusyReader`, `reader`, `writer`, `owner`.
    #[serde(default)]
    pub access_role: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub primary: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub default_reminders: Vec<Reminder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalendarListPage {
    #[serde(default)]
    items: Vec<CalendarListEntry>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// One page of events.list: `next_page_token` to continue, or on the last page the
/// `next_sync_token` for the next incremental listing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsPage {
    #[serde(default)]
    pub items: Vec<GoogleEvent>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub next_sync_token: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub default_reminders: Vec<Reminder>,
}

#[derive(Debug, Default, Deserialize)]
struct FreeBusyAnswer {
    #[serde(default)]
    calendars: BTreeMap<String, FreeBusyCalendar>,
}

/// A Google Calendar account's API.
#[derive(Debug, Clone)]
pub struct GcalClient {
    rest: RestClient,
    /// `https://www.googleapis.com/calendar/v3` (no trailing slash).
    base: String,
    page_size: u32,
}

/// Percent-encodes everything but RFC 3986 unreserved characters (calendar ids hold `@`
/// and `#`, tokens may hold anything).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl GcalClient {
    /// `api_root` is `https://www.googleapis.com/calendar/v3/` (or a fake's).
    pub fn new(rest: RestClient, api_root: &str) -> Self {
        Self {
            rest,
            base: api_root.trim_end_matches('/').to_owned(),
            page_size: 250,
        }
    }

    /// Events per events.list page (1..=2500; Google's default is 250).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE);
        self
    }

    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    /// `method` is an HTTP method name (this crate names no HTTP library; the request's
    /// own type parses it).
    fn request(&self, method: &str, url: String, priority: Priority) -> RestRequest {
        let mut req = RestRequest::get(url).priority(priority);
        if let Ok(m) = method.parse() {
            req.method = m;
        }
        req
    }

    fn events_url(&self, calendar_id: &str) -> String {
        format!("{}/calendars/{}/events", self.base, encode(calendar_id))
    }

    fn event_url(&self, calendar_id: &str, event_id: &str) -> String {
        format!("{}/{}", self.events_url(calendar_id), encode(event_id))
    }

    /// Every calendar in the user's list.
    pub async fn calendars(&self) -> Result<Vec<CalendarListEntry>, GcalError> {
        let mut out = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut url = format!("{}/users/me/calendarList?maxResults=250", self.base);
            if let Some(t) = &page_token {
                url.push_str(&format!("&pageToken={}", encode(t)));
            }
            let page: CalendarListPage = self
                .rest
                .json(&self.request("GET", url, Priority::Backfill))
                .await?;
            out.extend(page.items.into_iter().filter(|c| !c.deleted));
            match page.next_page_token {
                Some(t) => page_token = Some(t),
                None => return Ok(out),
            }
        }
    }

    /// One page of a calendar's events, series unexpanded (exceptions come as their own
    /// events). With `sync_token`, only what changed since (deleted events included); an
    /// expired token is [`GcalError::SyncTokenExpired`].
    pub async fn list_events(
        &self,
        calendar_id: &str,
        sync_token: Option<&str>,
        page_token: Option<&str>,
    ) -> Result<EventsPage, GcalError> {
        let mut url = format!(
            "{}?maxResults={}&singleEvents=false",
            self.events_url(calendar_id),
            self.page_size
        );
        if let Some(t) = sync_token {
            url.push_str(&format!("&syncToken={}", encode(t)));
        }
        if let Some(t) = page_token {
            url.push_str(&format!("&pageToken={}", encode(t)));
        }
        match self
            .rest
            .json(&self.request("GET", url, Priority::Backfill))
            .await
        {
            Err(RestError::Api { status: 410, .. }) => Err(GcalError::SyncTokenExpired),
            other => Ok(other?),
        }
    }

    /// An event (also a cancelled one, or an occurrence by its instance id); `None` when
    /// Google has no such id.
    pub async fn event(
        &self,
        calendar_id: &str,
        event_id: &str,
    ) -> Result<Option<GoogleEvent>, GcalError> {
        let url = self.event_url(calendar_id, event_id);
        match self
            .rest
            .json(&self.request("GET", url, Priority::Interactive))
            .await
        {
            Err(RestError::Api { status: 404, .. }) => Ok(None),
            other => Ok(Some(other?)),
        }
    }

    fn write_query(&self) -> &'static str {
        "sendUpdates=all&conferenceDataVersion=1"
    }

    /// events.insert; Google mails the attendees. A taken id is
    /// [`GcalError::Duplicate`].
    pub async fn insert(
        &self,
        calendar_id: &str,
        body: &EventWrite,
    ) -> Result<GoogleEvent, GcalError> {
        let url = format!("{}?{}", self.events_url(calendar_id), self.write_query());
        let req = self
            .request("POST", url, Priority::Interactive)
            .json(&serde_json::to_value(body).map_err(|e| GcalError::Protocol(e.to_string()))?);
        match self.rest.json(&req).await {
            Err(RestError::Api { status: 409, .. }) => Err(GcalError::Duplicate),
            other => Ok(other?),
        }
    }

    /// events.patch of an event or occurrence, only if its ETag is still `if_match`;
    /// otherwise [`GcalError::PreconditionFailed`].
    pub async fn patch(
        &self,
        calendar_id: &str,
        event_id: &str,
        body: &EventWrite,
        if_match: Option<&str>,
    ) -> Result<GoogleEvent, GcalError> {
        let url = format!(
            "{}?{}",
            self.event_url(calendar_id, event_id),
            self.write_query()
        );
        let mut value =
            serde_json::to_value(body).map_err(|e| GcalError::Protocol(e.to_string()))?;
        // Fields we cleared must be sent empty: a patch leaves absent fields as they were.
        for field in ["description", "location"] {
            if value.get(field).is_none() {
                value[field] = json!("");
            }
        }
        let mut req = self
            .request("PATCH", url, Priority::Interactive)
            .json(&value);
        if let Some(etag) = if_match {
            req = req.header("If-Match", etag);
        }
        match self.rest.json(&req).await {
            Err(RestError::Api { status: 412, .. }) => Err(GcalError::PreconditionFailed),
            other => Ok(other?),
        }
    }

    /// Answers an invitation: sets `email`'s `responseStatus` (`accepted`, `declined`,
    /// `tentative`) on the event and patches only the attendee list, with the ETag just
    /// read (read again once if someone changed the event in between); Google tells the
    /// organizer. An address not invited is [`GcalError::Protocol`].
    pub async fn respond(
        &self,
        calendar_id: &str,
        event_id: &str,
        email: &str,
        response_status: &str,
    ) -> Result<GoogleEvent, GcalError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let ev = self
                .event(calendar_id, event_id)
                .await?
                .ok_or_else(|| GcalError::Protocol(format!("no event {event_id}")))?;
            let mut attendees = ev.attendees.clone();
            let me = attendees
                .iter_mut()
                .find(|a| a.email.eq_ignore_ascii_case(email))
                .ok_or_else(|| {
                    GcalError::Protocol(format!("{email} is not invited to {event_id}"))
                })?;
            me.response_status = Some(response_status.to_owned());
            let url = format!("{}?sendUpdates=all", self.event_url(calendar_id, event_id));
            let mut req = self
                .request("PATCH", url, Priority::Interactive)
                .json(&json!({ "attendees": attendees }));
            if let Some(etag) = &ev.etag {
                req = req.header("If-Match", etag);
            }
            match self.rest.json(&req).await {
                Err(RestError::Api { status: 412, .. }) if attempts < 2 => continue,
                Err(RestError::Api { status: 412, .. }) => {
                    return Err(GcalError::PreconditionFailed)
                }
                other => return Ok(other?),
            }
        }
    }

    /// events.delete (only if the ETag is still `if_match`); an event already gone is
    /// success.
    pub async fn delete(
        &self,
        calendar_id: &str,
        event_id: &str,
        if_match: Option<&str>,
    ) -> Result<(), GcalError> {
        let url = format!("{}?sendUpdates=all", self.event_url(calendar_id, event_id));
        let mut req = self.request("DELETE", url, Priority::Interactive);
        if let Some(etag) = if_match {
            req = req.header("If-Match", etag);
        }
        match self.rest.execute(&req).await {
            Ok(_)
            | Err(RestError::Api {
                status: 404 | 410, ..
            }) => Ok(()),
            Err(RestError::Api { status: 412, .. }) => Err(GcalError::PreconditionFailed),
            Err(e) => Err(e.into()),
        }
    }

    /// freebusy.query: the busy periods of each calendar (a user's address is their primary
    /// calendar) between `from` and `to`. A calendar Google could not read gives its error
    /// reason instead.
    pub async fn free_busy(
        &self,
        calendar_ids: &[&str],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, Result<Vec<BusyInterval>, String>)>, GcalError> {
        let mut out = Vec::with_capacity(calendar_ids.len());
        // Google takes at most 50 calendars per query.
        for chunk in calendar_ids.chunks(50) {
            let body = json!({
                "timeMin": rfc3339(from),
                "timeMax": rfc3339(to),
                "items": chunk.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
            });
            let url = format!("{}/freeBusy", self.base);
            let answer: FreeBusyAnswer = self
                .rest
                .json(&self.request("POST", url, Priority::Interactive).json(&body))
                .await?;
            for id in chunk {
                let result = match answer.calendars.get(*id) {
                    None => Err("not in Google's answer".to_owned()),
                    Some(cal) if !cal.errors.is_empty() => Err(cal
                        .errors
                        .iter()
                        .filter_map(|e| e.reason.clone())
                        .collect::<Vec<_>>()
                        .join(", ")),
                    Some(cal) => busy_intervals(cal),
                };
                out.push(((*id).to_owned(), result));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn ids_and_tokens_are_encoded_for_urls() {
        assert_eq!(
            encode("team@group.calendar.google.com"),
            "team%40group.calendar.google.com"
        );
        assert_eq!(encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
        assert_eq!(encode("en.usa#holiday"), "en.usa%23holiday");
    }
}
