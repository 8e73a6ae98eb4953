//! The Microsoft Graph v1.0 calendar calls Switchboard makes, as the CSDL names them:
//! `calendars`, `calendars/{id}/calendarView/delta` (times asked for in UTC),
//! `calendars/{id}/events` (create), `events/{id}` (get, PATCH and DELETE with `If-Match`),
//! `events/{id}/accept|decline|tentativelyAccept` and `calendar/getSchedule`.
//!
//! Requests go through the account's [`RestClient`] (bearer token refreshed once on 401,
//! `Retry-After` on 429, backoff on 5xx, the account's Graph budget).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use switchboard_calendar::graph::{
    instant, DateTimeTimeZone, EventWrite, GraphCalendar, GraphEvent,
};
use switchboard_mail::graph::Mailbox;
use switchboard_mail::rest::{Priority, RestClient, RestError, RestRequest};

use super::GraphCalError;

/// Times in every answer are in UTC; the event's own zone is `originalStartTimeZone`.
const PREFER_UTC: &str = "outlook.timezone=\"UTC\"";

/// The largest delta page the client asks for.
pub const MAX_PAGE: u32 = 1000;

/// One page of a calendarView delta round: a `next_link` to follow, or at the end of the
/// round the `delta_link` that asks for what changes next.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventPage {
    #[serde(default)]
    pub value: Vec<GraphEvent>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    pub delta_link: Option<String>,
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
}

/// The user's answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    Accept,
    Tentative,
    Decline,
}

impl Response {
    fn action(self) -> &'static str {
        match self {
            Response::Accept => "accept",
            Response::Tentative => "tentativelyAccept",
            Response::Decline => "decline",
        }
    }

    /// From an iCalendar PARTSTAT (`ACCEPTED`, `TENTATIVE`, `DECLINED`).
    pub fn from_partstat(partstat: &str) -> Option<Response> {
        match partstat.to_ascii_uppercase().as_str() {
            "ACCEPTED" => Some(Response::Accept),
            "TENTATIVE" => Some(Response::Tentative),
            "DECLINED" => Some(Response::Decline),
            _ => None,
        }
    }
}

/// One busy (or tentative, out-of-office, working-elsewhere) stretch from getSchedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusyInterval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// busy, tentative, oof, workingElsewhere.
    pub status: String,
}

/// What getSchedule says about one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub address: String,
    pub busy: Vec<BusyInterval>,
    /// Why Graph could not tell (unknown address, no permission).
    pub error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleInformation {
    #[serde(default)]
    schedule_id: String,
    #[serde(default)]
    schedule_items: Vec<ScheduleItem>,
    #[serde(default)]
    error: Option<FreeBusyError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleItem {
    start: DateTimeTimeZone,
    end: DateTimeTimeZone,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FreeBusyError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    response_code: Option<String>,
}

/// An id as one URL path segment (Graph ids hold `=`, `-`, `_`, `/` and `+`).
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The calendars of one mailbox over Graph.
#[derive(Debug, Clone)]
pub struct GraphCalendarClient {
    rest: RestClient,
    base: String,
    page_size: u32,
}

impl GraphCalendarClient {
    /// `api_root` is `https://graph.microsoft.com/v1.0` (or a fake's root).
    pub fn new(rest: RestClient, api_root: &str, mailbox: Mailbox) -> Self {
        let root = api_root.trim_end_matches('/');
        let base = match &mailbox {
            Mailbox::Me => format!("{root}/me"),
            Mailbox::User(id) => format!("{root}/users/{}", segment(id)),
        };
        Self {
            rest,
            base,
            page_size: 100,
        }
    }

    /// Instances per delta page (`Prefer: odata.maxpagesize`), 1 to [`MAX_PAGE`].
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE);
        self
    }

    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    /// A request with `Prefer: outlook.timezone="UTC"`. `method` is an HTTP method name
    /// (this crate names no HTTP library; the request's own type parses it).
    fn request(&self, method: &str, url: String, priority: Priority) -> RestRequest {
        let mut req = RestRequest::get(url)
            .header("Prefer", PREFER_UTC)
            .priority(priority);
        if let Ok(m) = method.parse() {
            req.method = m;
        }
        req
    }

    fn event_url(&self, id: &str) -> String {
        format!("{}/events/{}", self.base, segment(id))
    }

    /// Every calendar of the mailbox.
    pub async fn calendars(&self) -> Result<Vec<GraphCalendar>, GraphCalError> {
        let mut out = Vec::new();
        let mut url = Some(format!(
            "{}/calendars?$select=id,name,color,hexColor,canEdit,isDefaultCalendar&$top=100",
            self.base
        ));
        while let Some(u) = url.take() {
            let page: Page<GraphCalendar> = self
                .rest
                .json(&self.request("GET", u, Priority::Backfill))
                .await?;
            out.extend(page.value);
            url = page.next_link;
        }
        Ok(out)
    }

    /// The URL that starts a calendar's delta round over `[from, to)`.
    pub fn delta_start(&self, calendar_id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        format!(
            "{}/calendars/{}/calendarView/delta?startDateTime={}&endDateTime={}",
            self.base,
            segment(calendar_id),
            rfc3339(from),
            rfc3339(to)
        )
    }

    /// One delta page, from [`delta_start`](Self::delta_start) or a next/delta link
    /// followed verbatim. 410 is [`GraphCalError::SyncStateNotFound`].
    pub async fn delta(&self, url: &str) -> Result<EventPage, GraphCalError> {
        let req = RestRequest::get(url).header(
            "Prefer",
            &format!("{PREFER_UTC}, odata.maxpagesize={}", self.page_size),
        );
        match self.rest.json(&req).await {
            Err(e)
                if e.status() == Some(410)
                    || e.code()
                        .is_some_and(|c| c.eq_ignore_ascii_case("syncStateNotFound")) =>
            {
                Err(GraphCalError::SyncStateNotFound)
            }
            other => Ok(other?),
        }
    }

    /// One event or instance; [`GraphCalError::NotFound`] when it is gone.
    pub async fn event(&self, id: &str) -> Result<GraphEvent, GraphCalError> {
        let req = self.request("GET", self.event_url(id), Priority::Interactive);
        self.rest.json(&req).await.map_err(|e| classify(e, id))
    }

    /// Creates an event in a calendar; Graph sends the invitations itself.
    pub async fn create(
        &self,
        calendar_id: &str,
        body: &EventWrite,
    ) -> Result<GraphEvent, GraphCalError> {
        let url = format!("{}/calendars/{}/events", self.base, segment(calendar_id));
        let req = self
            .request("POST", url, Priority::Interactive)
            .json(&serde_json::to_value(body).map_err(|e| GraphCalError::Protocol(e.to_string()))?);
        Ok(self.rest.json(&req).await?)
    }

    /// Changes an event (an occurrence becomes an exception). `if_match` is the etag we
    /// hold: a stale one is [`GraphCalError::Conflict`].
    pub async fn update(
        &self,
        id: &str,
        body: &serde_json::Value,
        if_match: Option<&str>,
    ) -> Result<GraphEvent, GraphCalError> {
        let mut req = self
            .request("PATCH", self.event_url(id), Priority::Interactive)
            .json(body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        self.rest.json(&req).await.map_err(|e| classify(e, id))
    }

    /// Deletes an event (an occurrence: that occurrence), with `If-Match` as for update.
    pub async fn delete(&self, id: &str, if_match: Option<&str>) -> Result<(), GraphCalError> {
        let mut req = self.request("DELETE", self.event_url(id), Priority::Interactive);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        self.rest.execute(&req).await.map_err(|e| classify(e, id))?;
        Ok(())
    }

    /// Answers an invitation; Graph mails the organizer unless `send_response` is false.
    pub async fn respond(
        &self,
        id: &str,
        response: Response,
        comment: &str,
        send_response: bool,
    ) -> Result<(), GraphCalError> {
        let url = format!("{}/{}", self.event_url(id), response.action());
        let req = self
            .request("POST", url, Priority::Interactive)
            .json(&json!({ "comment": comment, "sendResponse": send_response }));
        self.rest.execute(&req).await.map_err(|e| classify(e, id))?;
        Ok(())
    }

    /// Free/busy of `addresses` over `[from, to)`: their busy stretches in UTC.
    pub async fn schedule(
        &self,
        addresses: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        interval_minutes: u32,
    ) -> Result<Vec<Schedule>, GraphCalError> {
        let at = |t: DateTime<Utc>| json!({ "dateTime": t.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC" });
        let body = json!({
            "schedules": addresses,
            "startTime": at(from),
            "endTime": at(to),
            "availabilityViewInterval": interval_minutes.clamp(5, 1440),
        });
        let url = format!("{}/calendar/getSchedule", self.base);
        let req = self.request("POST", url, Priority::Interactive).json(&body);
        let page: Page<ScheduleInformation> = self.rest.json(&req).await?;
        page.value
            .into_iter()
            .map(|info| {
                let busy = info
                    .schedule_items
                    .iter()
                    .filter(|i| i.status.as_deref() != Some("free"))
                    .map(|i| {
                        Ok(BusyInterval {
                            start: instant(&i.start)?,
                            end: instant(&i.end)?,
                            status: i.status.clone().unwrap_or_else(|| "busy".into()),
                        })
                    })
                    .collect::<Result<Vec<_>, GraphCalError>>()?;
                let error = info.error.map(|e| {
                    let code = e.response_code.unwrap_or_default();
                    let message = e.message.unwrap_or_default();
                    format!("{code}: {message}")
                        .trim_matches([':', ' '])
                        .to_owned()
                });
                Ok(Schedule {
                    address: info.schedule_id,
                    busy,
                    error,
                })
            })
            .collect()
    }
}

/// 404 and 412 as their own errors.
fn classify(e: RestError, id: &str) -> GraphCalError {
    match e.status() {
        Some(404) => GraphCalError::NotFound(id.to_owned()),
        Some(412) => GraphCalError::Conflict,
        _ => GraphCalError::Rest(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_segment() {
        assert_eq!(segment("AAMk-_x="), "AAMk-_x%3D");
        assert_eq!(segment("a/b+c"), "a%2Fb%2Bc");
    }

    #[test]
    fn partstats_become_responses() {
        assert_eq!(Response::from_partstat("accepted"), Some(Response::Accept));
        assert_eq!(
            Response::from_partstat("TENTATIVE"),
            Some(Response::Tentative)
        );
        assert_eq!(Response::from_partstat("DECLINED"), Some(Response::Decline));
        assert_eq!(Response::from_partstat("NEEDS-ACTION"), None);
    }
}
