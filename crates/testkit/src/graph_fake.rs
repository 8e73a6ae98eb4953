//! The Microsoft Graph v1.0 mail contract fake (`tests/fakes/graph/server.mjs`, see
//! `tests/fakes/README.md`): started on a free port, driven through its control API.
//!
//! The fake resolves every request against Microsoft's CSDL schema (unknown segment, query
//! option, `$select` property or body property → 400, as Graph answers), wants a Bearer token
//! from its identity-platform token endpoint (refresh tokens rotate on every use), applies
//! Outlook's documented per-mailbox limits (requests per window and requests in flight → 429 +
//! `Retry-After`) and serves folder-scoped `messages/delta` rounds whose tokens can be expired
//! (410 `syncStateNotFound`). The methods here are thin wrappers over `/__control/…`; the
//! client under test talks to [`GraphFake::api_root`] and [`GraphFake::token_url`] as it would
//! to Microsoft.

use std::io;

use serde_json::{json, Value};

use crate::node::NodeServer;

const SCRIPT: &str = "fakes/graph/server.mjs";

/// How to start the fake. The limits default to Outlook's documented service limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphFakeOptions {
    /// The signed-in user: `me`, and `users/{address}` for its own mailbox.
    pub user: String,
    /// Delay added to every API response (benchmarks), in ms.
    pub latency_ms: u64,
    /// Requests one app may make to one mailbox per window (Outlook: 10,000 per 10 minutes).
    pub requests_per_window: u64,
    /// The rate limit's sliding window, in ms.
    pub window_ms: u64,
    /// Requests one app may have in flight against one mailbox (Outlook: 4).
    pub concurrency: u64,
}

impl Default for GraphFakeOptions {
    fn default() -> Self {
        GraphFakeOptions {
            user: "rep@example.test".to_owned(),
            latency_ms: 0,
            requests_per_window: 10_000,
            window_ms: 600_000,
            concurrency: 4,
        }
    }
}

/// Settings changed while the fake runs; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphFakeConfig {
    pub latency_ms: Option<u64>,
    pub requests_per_window: Option<u64>,
    pub window_ms: Option<u64>,
    pub concurrency: Option<u64>,
    /// While true, admitted API requests wait in flight until it is set false again, so a
    /// test can fill the concurrency limit without racing a timer.
    pub hold: Option<bool>,
}

/// What a completed sign-in gives: the tokens the client would store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphGrant {
    pub refresh_token: String,
    pub access_token: String,
    pub expires_in: u64,
}

/// A message put into a mailbox by "another client" (or delivered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphInserted {
    /// The default (REST) id: it changes when the message moves.
    pub id: String,
    /// The id `Prefer: IdType="ImmutableId"` returns: it survives moves.
    pub immutable_id: String,
    pub conversation_id: String,
    /// With angle brackets, as Graph returns it.
    pub internet_message_id: String,
}

/// The next `count` requests whose path contains `path_contains` fail with `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphFailure {
    pub status: u16,
    pub count: u32,
    pub path_contains: Option<String>,
    /// Sent as the `Retry-After` header, in seconds.
    pub retry_after: Option<u64>,
    /// The error code in the body (default: Graph's usual code for the status).
    pub code: Option<String>,
}

/// One message the client sent (sendMail, a draft's send, a reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSend {
    /// The sending mailbox's address.
    pub mailbox: String,
    /// `sendMail`, `send` or `reply`.
    pub via: String,
    /// Whether a copy was saved in Sent Items.
    pub saved: bool,
    pub to: Vec<String>,
    pub subject: String,
    pub internet_message_id: String,
    pub in_reply_to: Option<String>,
    pub conversation_id: Option<String>,
    /// The RFC 5322 message as sent.
    pub raw: String,
}

/// One API request the fake answered (control requests are not logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphRequest {
    pub method: String,
    pub path: String,
    /// The query parameter names, in order.
    pub query: Vec<String>,
    pub status: u16,
    /// Milliseconds since the fake started.
    pub t_ms: u64,
}

/// A running Graph fake; dropping it stops the server.
pub struct GraphFake {
    server: NodeServer,
    user: String,
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

fn invalid(what: &str, value: &Value) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {value}"))
}

impl GraphFake {
    pub fn start(options: GraphFakeOptions) -> io::Result<GraphFake> {
        let latency = options.latency_ms.to_string();
        let server =
            NodeServer::start(SCRIPT, &["--user", &options.user, "--latency-ms", &latency])?;
        let fake = GraphFake {
            server,
            user: options.user,
        };
        fake.set_config(&GraphFakeConfig {
            requests_per_window: Some(options.requests_per_window),
            window_ms: Some(options.window_ms),
            concurrency: Some(options.concurrency),
            ..GraphFakeConfig::default()
        })?;
        Ok(fake)
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `http://127.0.0.1:<port>/v1.0`: what `https://graph.microsoft.com/v1.0` is in production.
    pub fn api_root(&self) -> String {
        format!("{}/v1.0", self.server.base_url())
    }

    /// The identity platform's token endpoint (tenant `common`).
    pub fn token_url(&self) -> String {
        format!("{}/common/oauth2/v2.0/token", self.server.base_url())
    }

    /// The signed-in user's address.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The server's stderr so far (for failure messages).
    pub fn log(&self) -> String {
        self.server.log()
    }

    fn post(&self, path: &str, body: Value) -> io::Result<Value> {
        self.server
            .control("POST", &format!("/__control/{path}"), Some(&body))
    }

    /// Tokens for the signed-in user, as if they had just signed in.
    pub fn grant(&self) -> io::Result<GraphGrant> {
        self.grant_for(&self.user.clone())
    }

    /// Tokens for another user (whose mailbox is created if it does not exist yet).
    pub fn grant_for(&self, user: &str) -> io::Result<GraphGrant> {
        let v = self.post("grant", json!({ "user": user }))?;
        Ok(GraphGrant {
            refresh_token: text(&v, "refresh_token"),
            access_token: text(&v, "access_token"),
            expires_in: v["expires_in"]
                .as_u64()
                .ok_or_else(|| invalid("grant", &v))?,
        })
    }

    /// A shared mailbox the `delegates` (user addresses) may open; returns its id.
    pub fn add_shared_mailbox(&self, address: &str, delegates: &[&str]) -> io::Result<String> {
        let v = self.post(
            "mailboxes",
            json!({ "address": address, "delegates": delegates }),
        )?;
        Ok(text(&v, "id"))
    }

    /// Delivers a raw RFC 5322 message into a folder (id or well-known name) of the user's
    /// mailbox.
    pub fn insert(&self, folder: &str, raw: &str, is_read: bool) -> io::Result<GraphInserted> {
        self.insert_message(&json!({ "folder": folder, "raw": raw, "isRead": is_read }))
    }

    /// [`insert`](Self::insert) with every control option: `mailbox`, `folder`, `raw` or
    /// `raw_base64`, `isRead`, `flagged`, `isDraft`, `receivedDateTime`.
    pub fn insert_message(&self, body: &Value) -> io::Result<GraphInserted> {
        let v = self.post("messages", body.clone())?;
        Ok(GraphInserted {
            id: text(&v, "id"),
            immutable_id: text(&v, "immutableId"),
            conversation_id: text(&v, "conversationId"),
            internet_message_id: text(&v, "internetMessageId"),
        })
    }

    /// `count` generated messages (a third of them replies, so conversations form) in a
    /// folder of the user's mailbox; the same `seed` gives the same messages.
    pub fn bulk(&self, folder: &str, count: u64, seed: u64) -> io::Result<()> {
        self.post(
            "bulk",
            json!({ "folder": folder, "count": count, "seed": seed }),
        )?;
        Ok(())
    }

    /// A new folder under `parent` (default: the top of the mailbox); returns its id.
    pub fn create_folder(&self, parent: Option<&str>, display_name: &str) -> io::Result<String> {
        let v = self.post(
            "folders",
            json!({ "parent": parent, "displayName": display_name }),
        )?;
        Ok(text(&v, "id"))
    }

    /// Another client marks a message read/unread or flags it.
    pub fn update(&self, id: &str, is_read: Option<bool>, flagged: Option<bool>) -> io::Result<()> {
        self.post(
            "update",
            json!({ "id": id, "isRead": is_read, "flagged": flagged }),
        )?;
        Ok(())
    }

    /// Another client moves a message; returns its new (REST) id.
    pub fn move_message(&self, id: &str, folder: &str) -> io::Result<String> {
        let v = self.post("move", json!({ "id": id, "folder": folder }))?;
        Ok(text(&v, "id"))
    }

    /// Another client deletes a message for good.
    pub fn delete(&self, id: &str) -> io::Result<()> {
        self.server
            .control("DELETE", &format!("/__control/messages/{id}"), None)?;
        Ok(())
    }

    /// Every delta and skip token issued so far gives 410 `syncStateNotFound` next time.
    pub fn expire_delta(&self) -> io::Result<()> {
        self.post("expire-delta", json!({})).map(drop)
    }

    /// Every access token issued so far is expired (refresh tokens still work).
    pub fn expire_tokens(&self) -> io::Result<()> {
        self.post("expire-tokens", json!({})).map(drop)
    }

    /// Every access and refresh token is revoked (the user must sign in again).
    pub fn revoke(&self) -> io::Result<()> {
        self.post("revoke", json!({})).map(drop)
    }

    pub fn fail_next(&self, failure: &GraphFailure) -> io::Result<()> {
        self.post(
            "fail",
            json!({
                "status": failure.status,
                "count": failure.count,
                "path_contains": failure.path_contains,
                "retry_after": failure.retry_after,
                "code": failure.code,
            }),
        )
        .map(drop)
    }

    pub fn set_config(&self, config: &GraphFakeConfig) -> io::Result<()> {
        self.post(
            "config",
            json!({
                "latency_ms": config.latency_ms,
                "requests_per_window": config.requests_per_window,
                "window_ms": config.window_ms,
                "concurrency": config.concurrency,
                "hold": config.hold,
            }),
        )
        .map(drop)
    }

    /// Mailboxes (folders, messages with both ids), sends and requests in flight per
    /// mailbox id, as JSON (see tests/fakes/README.md).
    pub fn state(&self) -> io::Result<Value> {
        self.server.control("GET", "/__control/state", None)
    }

    pub fn sends(&self) -> io::Result<Vec<GraphSend>> {
        let state = self.state()?;
        let list = state["sends"].as_array().cloned().unwrap_or_default();
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(list
            .iter()
            .map(|s| GraphSend {
                mailbox: text(s, "mailbox"),
                via: text(s, "via"),
                saved: s["saved"].as_bool().unwrap_or(false),
                to: strings(&s["to"]),
                subject: text(s, "subject"),
                internet_message_id: text(s, "internetMessageId"),
                in_reply_to: s["inReplyTo"].as_str().map(str::to_owned),
                conversation_id: s["conversationId"].as_str().map(str::to_owned),
                raw: text(s, "raw"),
            })
            .collect())
    }

    pub fn requests(&self) -> io::Result<Vec<GraphRequest>> {
        let v = self.server.control("GET", "/__control/requests", None)?;
        let list = v.as_array().ok_or_else(|| invalid("requests", &v))?;
        Ok(list
            .iter()
            .map(|r| GraphRequest {
                method: text(r, "method"),
                path: text(r, "path"),
                query: r["query"]
                    .as_array()
                    .map(|q| {
                        q.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                status: r["status"].as_u64().unwrap_or(0) as u16,
                t_ms: r["t_ms"].as_u64().unwrap_or(0),
            })
            .collect())
    }

    pub fn clear_requests(&self) -> io::Result<()> {
        self.server
            .control("DELETE", "/__control/requests", None)
            .map(drop)
    }

    /// Every logged request re-checked against the CSDL; empty when the client used only
    /// what the schema has.
    pub fn contract_violations(&self) -> io::Result<Vec<String>> {
        let v = self.server.control("GET", "/__control/contract", None)?;
        Ok(v["violations"]
            .as_array()
            .ok_or_else(|| invalid("contract", &v))?
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect())
    }
}

/// An event a test put into a calendar (as another client, or an organizer inviting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphCalEvent {
    pub id: String,
    pub ical_uid: String,
    pub change_key: String,
}

/// Calendars (`tests/fakes/graph/calendar-*.mjs`, control under `/__control/calendar/`):
/// each mailbox starts with its default calendar "Calendar"; events are Graph event JSON
/// (`subject`, `start`/`end` `{dateTime, timeZone}`, `isAllDay`, `recurrence`,
/// `attendees`, `showAs`, `isOnlineMeeting`, …).
impl GraphFake {
    fn calendar_post(&self, path: &str, body: Value) -> io::Result<Value> {
        self.server
            .control("POST", &format!("/__control/calendar/{path}"), Some(&body))
    }

    /// A new calendar of the signed-in user; returns its id.
    pub fn add_calendar(&self, name: &str, hex_color: &str) -> io::Result<String> {
        let v = self.calendar_post("calendars", json!({ "name": name, "hexColor": hex_color }))?;
        Ok(text(&v, "id"))
    }

    /// A new calendar in any mailbox (`can_edit` false: shared with us read-only).
    pub fn add_calendar_for(
        &self,
        mailbox: &str,
        name: &str,
        can_edit: bool,
    ) -> io::Result<String> {
        let v = self.calendar_post(
            "calendars",
            json!({ "mailbox": mailbox, "name": name, "canEdit": can_edit }),
        )?;
        Ok(text(&v, "id"))
    }

    /// Another client creates an event in the user's calendar (`None`: the default one).
    pub fn put_event(&self, calendar: Option<&str>, event: &Value) -> io::Result<GraphCalEvent> {
        self.put_event_with(&json!({ "calendar": calendar, "event": event }))
    }

    /// [`put_event`](Self::put_event) with every control option: `mailbox` (whose
    /// calendar), `calendar`, `event`, and `organizer` `{name, address}` (someone else's
    /// meeting the mailbox is invited to).
    pub fn put_event_with(&self, body: &Value) -> io::Result<GraphCalEvent> {
        let v = self.calendar_post("events", body.clone())?;
        Ok(GraphCalEvent {
            id: text(&v, "id"),
            ical_uid: text(&v, "iCalUId"),
            change_key: text(&v, "changeKey"),
        })
    }

    /// Another client changes an event, or one occurrence (which becomes an exception).
    pub fn edit_event(&self, id: &str, changes: &Value) -> io::Result<GraphCalEvent> {
        let v = self.calendar_post("events/update", json!({ "id": id, "changes": changes }))?;
        Ok(GraphCalEvent {
            id: text(&v, "id"),
            ical_uid: String::new(),
            change_key: text(&v, "changeKey"),
        })
    }

    /// Another client deletes an event (a series, or one occurrence of it).
    pub fn delete_event(&self, id: &str) -> io::Result<()> {
        self.calendar_post("events/delete", json!({ "id": id }))
            .map(drop)
    }

    /// The instances of a calendar of the user (`None`: the default) overlapping
    /// `[from, to)` (RFC 3339), as calendarView returns them with times in UTC.
    pub fn calendar_instances(
        &self,
        calendar: Option<&str>,
        from: &str,
        to: &str,
    ) -> io::Result<Vec<Value>> {
        let v = self.calendar_post(
            "instances",
            json!({ "calendar": calendar, "from": from, "to": to }),
        )?;
        Ok(v["value"].as_array().cloned().unwrap_or_default())
    }

    /// Every calendarView delta and skip token issued so far gives 410
    /// `syncStateNotFound` next time.
    pub fn expire_calendar_delta(&self) -> io::Result<()> {
        self.calendar_post("expire-delta", json!({})).map(drop)
    }

    /// [`expire_calendar_delta`](Self::expire_calendar_delta) answering with another 410
    /// code Graph documents (`resyncRequired`).
    pub fn expire_calendar_delta_with(&self, code: &str) -> io::Result<()> {
        self.calendar_post("expire-delta", json!({ "code": code }))
            .map(drop)
    }

    /// Every mailbox's calendars and stored events (series with their exceptions and
    /// cancelled occurrences), and the invitations Exchange would have sent.
    pub fn calendar_state(&self) -> io::Result<Value> {
        self.server
            .control("GET", "/__control/calendar/state", None)
    }

    /// Invitations, updates, cancellations (from the user's meetings) and responses (to
    /// someone else's), oldest first, each `{kind, from, to, subject, eventId, …}`.
    pub fn invitations(&self) -> io::Result<Vec<Value>> {
        Ok(self.calendar_state()?["invitations"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// The id of the user's default calendar.
    pub fn default_calendar_id(&self) -> io::Result<String> {
        let state = self.calendar_state()?;
        let mbx = state["mailboxes"]
            .as_array()
            .and_then(|list| list.iter().find(|m| m["address"] == self.user.as_str()))
            .cloned()
            .unwrap_or(Value::Null);
        mbx["calendars"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["isDefaultCalendar"] == true))
            .map(|c| text(c, "id"))
            .ok_or_else(|| invalid("calendar state", &state))
    }

    /// [`contract_violations`](Self::contract_violations) plus what the calendar endpoints
    /// found wrong in bodies (enum values the CSDL does not have, unknown time zones).
    pub fn calendar_contract_violations(&self) -> io::Result<Vec<String>> {
        let mut all = self.contract_violations()?;
        let v = self
            .server
            .control("GET", "/__control/calendar/contract", None)?;
        all.extend(
            v["violations"]
                .as_array()
                .ok_or_else(|| invalid("calendar contract", &v))?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned)),
        );
        Ok(all)
    }
}
