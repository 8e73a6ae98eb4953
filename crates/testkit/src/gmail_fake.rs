//! The Gmail API contract fake (`tests/fakes/gmail/server.mjs`, see `tests/fakes/README.md`):
//! started on a free port, driven through its control API.
//!
//! The fake checks every request against Google's discovery document (unknown path → 404,
//! unknown query parameter or body field → 400), wants a Bearer token from its `/token`
//! endpoint, charges Gmail's documented quota units in a sliding window (429 + `Retry-After`)
//! and keeps a history log that can be expired (404). The methods here are thin wrappers over
//! `/__control/…`; the client under test talks to [`GmailFake::api_root`] and
//! [`GmailFake::token_url`] like it would to Google.

use std::io;

use serde_json::{json, Value};

use crate::node::NodeServer;

const SCRIPT: &str = "fakes/gmail/server.mjs";

/// How to start the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailFakeOptions {
    /// The mailbox owner: the address `users/{userId}` accepts besides `me`.
    pub user: String,
    /// Delay added to every API response (benchmarks), in ms.
    pub latency_ms: u64,
    /// Quota units one user may spend per window (Gmail: 15,000 per minute).
    pub quota_units: u64,
    /// The quota's sliding window, in ms.
    pub window_ms: u64,
}

impl Default for GmailFakeOptions {
    fn default() -> Self {
        GmailFakeOptions {
            user: "rep@example.test".to_owned(),
            latency_ms: 0,
            quota_units: 15_000,
            window_ms: 60_000,
        }
    }
}

/// Settings changed while the fake runs; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GmailFakeConfig {
    pub latency_ms: Option<u64>,
    pub quota_units: Option<u64>,
    pub window_ms: Option<u64>,
    /// 429 (today's answer, reason `rateLimitExceeded`) or 403 (the older
    /// `userRateLimitExceeded`) when the quota runs out.
    pub rate_limit_status: Option<u16>,
    /// Lifetime of access tokens issued from now on, in seconds (default 3600).
    pub token_ttl_s: Option<u64>,
}

/// What a completed sign-in gives: the tokens the client would store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailGrant {
    pub refresh_token: String,
    pub access_token: String,
    pub expires_in: u64,
}

/// A message put into the mailbox by "another client".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailInserted {
    pub id: String,
    pub thread_id: String,
    /// The mailbox's history id right after the insert.
    pub history_id: u64,
}

/// One message the client sent (messages.send or drafts.send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GmailSend {
    pub id: String,
    pub thread_id: String,
    /// The Message-ID of what was sent, without angle brackets.
    pub raw_message_id: Option<String>,
}

/// A running Gmail fake; dropping it stops the server.
pub struct GmailFake {
    server: NodeServer,
    user: String,
}

impl GmailFake {
    /// Starts the fake with `options`; returns once it listens.
    pub fn start(options: GmailFakeOptions) -> io::Result<GmailFake> {
        let numbers = [
            ("--latency-ms", options.latency_ms),
            ("--quota-units", options.quota_units),
            ("--window-ms", options.window_ms),
        ]
        .map(|(flag, value)| (flag, value.to_string()));
        let mut args = vec!["--user", options.user.as_str()];
        for (flag, value) in &numbers {
            args.extend([*flag, value.as_str()]);
        }
        let server = NodeServer::start(SCRIPT, &args)?;
        Ok(GmailFake {
            server,
            user: options.user,
        })
    }

    /// `http://127.0.0.1:<port>/`: the client appends `gmail/v1/users/…`.
    pub fn api_root(&self) -> String {
        format!("{}/", self.server.base_url())
    }

    /// The OAuth token endpoint (`grant_type=refresh_token`).
    pub fn token_url(&self) -> String {
        format!("{}/token", self.server.base_url())
    }

    /// The mailbox owner's address.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The Node server (port, log).
    pub fn server(&self) -> &NodeServer {
        &self.server
    }

    /// A fresh grant for the user, as if they had just signed in.
    pub fn grant(&self) -> io::Result<GmailGrant> {
        let v = self.control("POST", "/__control/grant", Some(&json!({})))?;
        Ok(GmailGrant {
            refresh_token: text(&v, "refresh_token")?,
            access_token: text(&v, "access_token")?,
            expires_in: v["expires_in"].as_u64().unwrap_or_default(),
        })
    }

    /// Delivers `raw` (RFC 822) with `labels`; it joins the thread of a message its
    /// In-Reply-To/References name, else starts one. internalDate comes from its Date header.
    pub fn insert(&self, raw: &[u8], labels: &[&str]) -> io::Result<GmailInserted> {
        self.insert_with(raw, labels, None, None)
    }

    /// [`insert`](Self::insert) into a given thread and/or with a given internalDate (ms).
    pub fn insert_with(
        &self,
        raw: &[u8],
        labels: &[&str],
        thread_id: Option<&str>,
        internal_date_ms: Option<i64>,
    ) -> io::Result<GmailInserted> {
        let mut body = json!({ "raw_base64": base64(raw), "labelIds": labels });
        if let Some(thread_id) = thread_id {
            body["threadId"] = json!(thread_id);
        }
        if let Some(ms) = internal_date_ms {
            body["internalDate"] = json!(ms);
        }
        let v = self.control("POST", "/__control/messages", Some(&body))?;
        Ok(GmailInserted {
            id: text(&v, "id")?,
            thread_id: text(&v, "threadId")?,
            history_id: history_id(&v)?,
        })
    }

    /// Generates `count` varied messages (threads, distinct Message-IDs, months of dates;
    /// deterministic); returns the history id after them.
    pub fn bulk(&self, count: usize) -> io::Result<u64> {
        let v = self.control("POST", "/__control/bulk", Some(&json!({ "count": count })))?;
        history_id(&v)
    }

    /// Creates a user label (`a/b` nests); returns its id.
    pub fn create_label(&self, name: &str) -> io::Result<String> {
        let v = self.control("POST", "/__control/labels", Some(&json!({ "name": name })))?;
        text(&v, "id")
    }

    /// Another client adds and removes labels on a message.
    pub fn modify(&self, id: &str, add: &[&str], remove: &[&str]) -> io::Result<()> {
        let body = json!({ "id": id, "add": add, "remove": remove });
        self.control("POST", "/__control/modify", Some(&body))
            .map(drop)
    }

    /// Another client deletes a message for good.
    pub fn delete(&self, id: &str) -> io::Result<()> {
        self.control("DELETE", &format!("/__control/messages/{id}"), None)
            .map(drop)
    }

    /// From now on every startHistoryId below the current history id answers 404.
    pub fn expire_history(&self) -> io::Result<()> {
        self.control("POST", "/__control/expire-history", None)
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
    /// fail with `status` in Google's error format, with `Retry-After` when given.
    pub fn fail_next(
        &self,
        status: u16,
        count: u32,
        path_contains: Option<&str>,
        retry_after: Option<u64>,
    ) -> io::Result<()> {
        let body = json!({
            "status": status,
            "count": count,
            "path_contains": path_contains,
            "retry_after": retry_after,
        });
        self.control("POST", "/__control/fail", Some(&body))
            .map(drop)
    }

    /// Changes settings of the running fake.
    pub fn set_config(&self, config: &GmailFakeConfig) -> io::Result<()> {
        let mut body = json!({});
        let fields = [
            ("latency_ms", config.latency_ms),
            ("quota_units", config.quota_units),
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

    /// `{historyId, messages:[{id,threadId,labelIds,message_id_header,internalDate}],
    /// drafts, sends}`, messages newest first.
    pub fn state(&self) -> io::Result<Value> {
        self.control("GET", "/__control/state", None)
    }

    /// Every API request so far: `[{method, path, params, status, units, t_ms, method_id}]`.
    pub fn requests(&self) -> io::Result<Value> {
        self.control("GET", "/__control/requests", None)
    }

    /// Forgets the logged requests (and so their contract violations).
    pub fn clear_requests(&self) -> io::Result<()> {
        self.control("DELETE", "/__control/requests", None)
            .map(drop)
    }

    /// Each logged request re-checked against gmail.v1.json: undocumented methods, paths,
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

    /// What the client sent, oldest first.
    pub fn sends(&self) -> io::Result<Vec<GmailSend>> {
        let state = self.state()?;
        let sends = state["sends"].as_array().cloned().unwrap_or_default();
        sends
            .iter()
            .map(|s| {
                Ok(GmailSend {
                    id: text(s, "id")?,
                    thread_id: text(s, "threadId")?,
                    raw_message_id: s["raw_message_id"].as_str().map(str::to_owned),
                })
            })
            .collect()
    }

    fn control(&self, method: &str, path: &str, body: Option<&Value>) -> io::Result<Value> {
        self.server.control(method, path, body)
    }
}

fn text(v: &Value, field: &str) -> io::Result<String> {
    v[field].as_str().map(str::to_owned).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the Gmail fake's answer has no string {field}: {v}"),
        )
    })
}

fn history_id(v: &Value) -> io::Result<u64> {
    text(v, "historyId")?.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the Gmail fake's historyId is not a number: {v}"),
        )
    })
}

/// Standard base64 with padding (the control API's `raw_base64`; raw may not be UTF-8).
fn base64(bytes: &[u8]) -> String {
    encode(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        true,
    )
}

/// `raw` as Gmail's `Message.raw` carries it: base64url without padding.
pub fn gmail_raw(raw: &[u8]) -> String {
    encode(
        raw,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        false,
    )
}

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[(n >> (18 - 6 * i)) as usize & 63]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{base64, gmail_raw};

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
        assert_eq!(gmail_raw(&[0xff, 0xfe]), "__4");
        assert_eq!(gmail_raw(b"foobar"), "Zm9vYmFy");
    }
}
