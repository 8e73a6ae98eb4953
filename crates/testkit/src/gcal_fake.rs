//! The Google Calendar API contract fake (`tests/fakes/gcal/server.mjs`, see
//! `tests/fakes/README.md`): started on a free port, driven through its control API.
//!
//! The fake checks every request against Google's discovery document (unknown path → 404,
//! unknown query parameter or body field → 400), wants a Bearer token from its `/token`
//! endpoint, limits requests per user in a sliding window (429 or 403 `rateLimitExceeded` +
//! `Retry-After`), keeps a change log behind sync tokens that can be expired (410
//! `fullSyncRequired`), and honours `If-Match` (412 `conditionNotMet`). "Another client"
//! (a colleague, the user's phone) changes events through the control API with the same
//! rules as the API.

use std::io;

use serde_json::{json, Value};

use crate::node::NodeServer;

const SCRIPT: &str = "fakes/gcal/server.mjs";

/// How to start the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcalFakeOptions {
    /// The account owner: the primary calendar's id.
    pub user: String,
    /// The primary calendar's IANA zone.
    pub time_zone: String,
    /// Delay added to every API response (benchmarks), in ms.
    pub latency_ms: u64,
    /// Requests one user may make per window (Calendar API: 600 per minute).
    pub requests_per_window: u64,
    /// The quota's sliding window, in ms.
    pub window_ms: u64,
}

impl Default for GcalFakeOptions {
    fn default() -> Self {
        GcalFakeOptions {
            user: "rep@example.test".to_owned(),
            time_zone: "America/New_York".to_owned(),
            latency_ms: 0,
            requests_per_window: 600,
            window_ms: 60_000,
        }
    }
}

/// Settings changed while the fake runs; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcalFakeConfig {
    pub latency_ms: Option<u64>,
    pub requests_per_window: Option<u64>,
    pub window_ms: Option<u64>,
    /// 429 (default) or 403 when the rate is exceeded (both reason `rateLimitExceeded`).
    pub rate_limit_status: Option<u16>,
    /// Lifetime of access tokens issued from now on, in seconds (default 3600).
    pub token_ttl_s: Option<u64>,
}

/// What a completed sign-in gives: the tokens the client would store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcalGrant {
    pub refresh_token: String,
    pub access_token: String,
    pub expires_in: u64,
}

/// An invitation Google would have mailed (`sendUpdates=all` / `externalOnly`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcalNotification {
    pub calendar_id: String,
    pub event_id: String,
    /// `REQUEST` (created or changed) or `CANCEL`.
    pub method: String,
    pub to: Vec<String>,
}

/// A running Calendar fake; dropping it stops the server.
pub struct GcalFake {
    server: NodeServer,
    user: String,
}

impl GcalFake {
    /// Starts the fake with `options`; returns once it listens.
    pub fn start(options: GcalFakeOptions) -> io::Result<GcalFake> {
        let numbers = [
            ("--latency-ms", options.latency_ms),
            ("--requests-per-window", options.requests_per_window),
            ("--window-ms", options.window_ms),
        ]
        .map(|(flag, value)| (flag, value.to_string()));
        let mut args = vec![
            "--user",
            options.user.as_str(),
            "--time-zone",
            options.time_zone.as_str(),
        ];
        for (flag, value) in &numbers {
            args.extend([*flag, value.as_str()]);
        }
        let server = NodeServer::start(SCRIPT, &args)?;
        Ok(GcalFake {
            server,
            user: options.user,
        })
    }

    /// `http://127.0.0.1:<port>/calendar/v3/`: the client appends `users/me/calendarList`,
    /// `calendars/{id}/events`, `freeBusy`, … as it would to `https://www.googleapis.com/calendar/v3/`.
    pub fn api_root(&self) -> String {
        format!("{}/calendar/v3/", self.server.base_url())
    }

    /// The OAuth token endpoint (`grant_type=refresh_token`).
    pub fn token_url(&self) -> String {
        format!("{}/token", self.server.base_url())
    }

    /// The account owner (the primary calendar's id).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The Node server (port, log).
    pub fn server(&self) -> &NodeServer {
        &self.server
    }

    /// A fresh grant for the user, as if they had just signed in.
    pub fn grant(&self) -> io::Result<GcalGrant> {
        let v = self.control("POST", "/__control/grant", Some(&json!({})))?;
        Ok(GcalGrant {
            refresh_token: text(&v, "refresh_token")?,
            access_token: text(&v, "access_token")?,
            expires_in: v["expires_in"].as_u64().unwrap_or_default(),
        })
    }

    /// Adds a calendar: `{id, summary?, timeZone?, backgroundColor?, accessRole?
    /// ("owner" | "writer" | "reader"), inList? (false: only reachable by freeBusy, like a
    /// colleague's calendar), defaultReminders?}`.
    pub fn create_calendar(&self, spec: &Value) -> io::Result<()> {
        self.control("POST", "/__control/calendars", Some(spec))
            .map(drop)
    }

    /// Removes a calendar from the account (it leaves the calendar list).
    pub fn delete_calendar(&self, id: &str) -> io::Result<()> {
        let path = format!("/__control/calendars/{}", encode_segment(id));
        self.control("DELETE", &path, None).map(drop)
    }

    /// Another client creates an event (Event JSON as the API takes it; `conferenceData`
    /// create requests are honoured). Answers the stored event.
    pub fn insert_event(&self, calendar_id: &str, event: &Value) -> io::Result<Value> {
        let body = json!({ "calendarId": calendar_id, "event": event });
        self.control("POST", "/__control/events", Some(&body))
    }

    /// Another client patches an event; an occurrence id (`{seriesId}_{20261124T150000Z}`)
    /// creates an exception to the series. Answers the stored event.
    pub fn patch_event(
        &self,
        calendar_id: &str,
        event_id: &str,
        patch: &Value,
    ) -> io::Result<Value> {
        let body = json!({ "calendarId": calendar_id, "eventId": event_id, "patch": patch });
        self.control("PATCH", "/__control/events", Some(&body))
    }

    /// Another client deletes an event (an occurrence id cancels that occurrence only).
    pub fn delete_event(&self, calendar_id: &str, event_id: &str) -> io::Result<()> {
        let body = json!({ "calendarId": calendar_id, "eventId": event_id });
        self.control("DELETE", "/__control/events", Some(&body))
            .map(drop)
    }

    /// An attendee answers: `response` is `accepted`, `declined`, `tentative` or `needsAction`.
    pub fn respond(
        &self,
        calendar_id: &str,
        event_id: &str,
        email: &str,
        response: &str,
    ) -> io::Result<Value> {
        let body = json!({
            "calendarId": calendar_id,
            "eventId": event_id,
            "email": email,
            "responseStatus": response,
        });
        self.control("POST", "/__control/respond", Some(&body))
    }

    /// Every sync token issued for `calendar_id` (all calendars when `None`) answers 410
    /// `fullSyncRequired` from now on, and deleted events are forgotten.
    pub fn expire_sync_tokens(&self, calendar_id: Option<&str>) -> io::Result<()> {
        let body = json!({ "calendarId": calendar_id });
        self.control("POST", "/__control/expire-sync-tokens", Some(&body))
            .map(drop)
    }

    /// Every access token issued so far stops working (next API call: 401).
    pub fn expire_tokens(&self) -> io::Result<()> {
        self.control("POST", "/__control/expire-tokens", None)
            .map(drop)
    }

    /// Every refresh token stops working (`/token` answers `invalid_grant`).
    pub fn revoke(&self) -> io::Result<()> {
        self.control("POST", "/__control/revoke", None).map(drop)
    }

    /// The next `count` API requests whose path contains `path_contains` (any, when `None`)
    /// fail with `status` in Google's error format, with `Retry-After` and the error
    /// `reason` (e.g. `rateLimitExceeded` for a 403) when given.
    pub fn fail_next(
        &self,
        status: u16,
        count: u32,
        path_contains: Option<&str>,
        retry_after: Option<u64>,
        reason: Option<&str>,
    ) -> io::Result<()> {
        let body = json!({
            "status": status,
            "count": count,
            "path_contains": path_contains,
            "retry_after": retry_after,
            "reason": reason,
        });
        self.control("POST", "/__control/fail", Some(&body))
            .map(drop)
    }

    /// Lets `after` API requests whose path contains `path_contains` through, then fails
    /// the next `count` of them with `status`: a pass cut off part-way.
    pub fn fail_after(
        &self,
        after: u32,
        status: u16,
        count: u32,
        path_contains: Option<&str>,
    ) -> io::Result<()> {
        let body = json!({
            "status": status,
            "count": count,
            "path_contains": path_contains,
            "after": after,
        });
        self.control("POST", "/__control/fail", Some(&body))
            .map(drop)
    }

    /// Changes settings of the running fake.
    pub fn set_config(&self, config: &GcalFakeConfig) -> io::Result<()> {
        let mut body = json!({});
        let fields = [
            ("latency_ms", config.latency_ms),
            ("requests_per_window", config.requests_per_window),
            ("window_ms", config.window_ms),
            ("rate_limit_status", config.rate_limit_status.map(u64::from)),
            ("token_ttl_s", config.token_ttl_s),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                body[name] = json!(value);
            }
        }
        self.control("POST", "/__control/config", Some(&body))
            .map(drop)
    }

    /// `{calendars: [{id, summary, timeZone, inList, generation, events: [Event JSON, deleted
    /// ones with status "cancelled"]}], notifications}`.
    pub fn state(&self) -> io::Result<Value> {
        self.control("GET", "/__control/state", None)
    }

    /// Every event the server holds in `calendar_id` (cancelled ones included), by id.
    pub fn events(&self, calendar_id: &str) -> io::Result<Vec<Value>> {
        let state = self.state()?;
        let calendars = state["calendars"].as_array().cloned().unwrap_or_default();
        let calendar = calendars
            .into_iter()
            .find(|c| c["id"] == calendar_id)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no calendar {calendar_id}"),
                )
            })?;
        Ok(calendar["events"].as_array().cloned().unwrap_or_default())
    }

    /// The invitations the server would have mailed, oldest first.
    pub fn notifications(&self) -> io::Result<Vec<GcalNotification>> {
        let state = self.state()?;
        let list = state["notifications"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        list.iter()
            .map(|n| {
                Ok(GcalNotification {
                    calendar_id: text(n, "calendarId")?,
                    event_id: text(n, "eventId")?,
                    method: text(n, "method")?,
                    to: n["to"]
                        .as_array()
                        .map(|to| {
                            to.iter()
                                .filter_map(|e| e.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Every API request so far: `[{method, path, params, if_match, status, t_ms, method_id}]`.
    pub fn requests(&self) -> io::Result<Value> {
        self.control("GET", "/__control/requests", None)
    }

    /// Forgets the logged requests (and so their contract violations).
    pub fn clear_requests(&self) -> io::Result<()> {
        self.control("DELETE", "/__control/requests", None)
            .map(drop)
    }

    /// Each logged request re-checked against calendar.v3.json: undocumented methods, paths,
    /// parameters or body fields and missing required parameters. Empty is the goal.
    pub fn contract_violations(&self) -> io::Result<Vec<String>> {
        let v = self.control("GET", "/__control/contract", None)?;
        Ok(v["violations"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn control(&self, method: &str, path: &str, body: Option<&Value>) -> io::Result<Value> {
        self.server.control(method, path, body)
    }
}

fn text(v: &Value, field: &str) -> io::Result<String> {
    v[field].as_str().map(str::to_owned).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the Calendar fake's answer has no string {field}: {v}"),
        )
    })
}

/// A path segment with everything but unreserved characters percent-encoded.
pub fn encode_segment(s: &str) -> String {
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
