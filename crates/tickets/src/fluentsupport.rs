//! FluentSupport REST `GET /tickets` list responses mapped into [`Ticket`]s.
//!
//! Field facts (see `shared/specs/fluentsupport/api.md` and the contract notes):
//! - the body is `{"tickets": <paginator>}` with rows in `data`; ids and counts may come
//!   back as strings;
//! - `created_at`/`updated_at` are ISO-8601 with an offset on current builds but naive
//!   `Y-m-d H:i:s` site-local time on older installs, so both are accepted and a naive
//!   value is read in the site's zone;
//! - statuses are `new`, `active`, `closed` (sites can add more); priorities are
//!   `normal`, `medium`, `critical` (extendable), with `priority` set by agents and
//!   `client_priority` by the customer.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::html::html_to_text;
use crate::model::{Problem, Status, Ticket, Urgency};

/// Why a whole response could not be read (single bad tickets become [`Problem`]s).
#[derive(Debug, thiserror::Error)]
pub enum TicketsError {
    #[error("FluentSupport response is not JSON: {0}")]
    InvalidJson(String),
    #[error("FluentSupport response has no ticket list: {0}")]
    UnexpectedShape(String),
}

impl TicketsError {
    /// A malformed body will be malformed again: retrying does not help.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Maps a FluentSupport status to ours. `new` stays new; `active` and other open work
/// states are active; on-hold style states are waiting; resolved states are closed.
/// A status a site added that we do not know is treated as active, so it stays visible.
pub fn fluentsupport_status(status: &str) -> Status {
    let s = status.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    match s.as_str() {
        "new" | "unassigned" => Status::New,
        "waiting"
        | "on-hold"
        | "onhold"
        | "hold"
        | "pending"
        | "awaiting"
        | "awaiting-reply"
        | "waiting-for-customer" => Status::Waiting,
        "closed" | "resolved" | "solved" | "completed" | "done" | "archived" | "spam" => {
            Status::Closed
        }
        _ => Status::Active,
    }
}

/// Maps a FluentSupport priority to our urgency: `low` is low, `normal` and `medium` are
/// normal, `high` is high, `critical`/`urgent` critical; unknown values are normal.
pub fn fluentsupport_urgency(priority: &str) -> Urgency {
    match priority.trim().to_ascii_lowercase().as_str() {
        "low" | "lowest" => Urgency::Low,
        "high" | "important" => Urgency::High,
        "critical" | "urgent" | "highest" | "emergency" => Urgency::Critical,
        _ => Urgency::Normal,
    }
}

/// Reads one page of `GET /wp-json/fluent-support/v2/tickets`. Also accepts a bare array
/// of tickets, `{"tickets": [...]}` and `{"data": [...]}`. Naive timestamps are read in
/// `site_tz` (the WordPress `timezone_string`).
pub fn parse_fluentsupport_tickets(
    json: &str,
    site_tz: Tz,
) -> Result<(Vec<Ticket>, Vec<Problem>), TicketsError> {
    let root: Value =
        serde_json::from_str(json).map_err(|e| TicketsError::InvalidJson(e.to_string()))?;
    let rows = ticket_rows(&root).ok_or_else(|| {
        TicketsError::UnexpectedShape(match &root {
            Value::Object(map) => format!(
                "object with keys {:?}",
                map.keys().take(8).collect::<Vec<_>>()
            ),
            other => format!("top-level {}", kind(other)),
        })
    })?;
    let mut tickets = Vec::new();
    let mut problems = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match ticket_from_row(row, site_tz) {
            Ok(ticket) => tickets.push(ticket),
            Err(reason) => {
                let position = match row.get("id").and_then(id_string) {
                    Some(id) => format!("index {index} (id {id})"),
                    None => format!("index {index}"),
                };
                problems.push(Problem { position, reason });
            }
        }
    }
    Ok((tickets, problems))
}

fn ticket_rows(root: &Value) -> Option<&Vec<Value>> {
    match root {
        Value::Array(rows) => Some(rows),
        Value::Object(map) => match map.get("tickets") {
            Some(Value::Array(rows)) => Some(rows),
            Some(Value::Object(page)) => page.get("data").and_then(Value::as_array),
            _ => map.get("data").and_then(Value::as_array),
        },
        _ => None,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Ids arrive as numbers or numeric strings.
fn id_string(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        Value::String(s)
            if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(s.trim().to_string())
        }
        _ => None,
    }
}

/// A string field; `null` and absent are `None`, any other type is an error.
fn opt_str<'a>(row: &'a Value, field: &str) -> Result<Option<&'a str>, String> {
    match row.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(format!("{field} is a {}, expected a string", kind(other))),
    }
}

fn timestamp(value: &str, site_tz: Tz) -> Option<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(v) {
        return Some(dt.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    // Site-local wall time; in a DST fold take the earlier reading.
    naive
        .and_local_timezone(site_tz)
        .earliest()
        .or_else(|| {
            (naive + chrono::Duration::hours(1))
                .and_local_timezone(site_tz)
                .earliest()
        })
        .map(|dt| dt.with_timezone(&Utc))
}

fn ticket_from_row(row: &Value, site_tz: Tz) -> Result<Ticket, String> {
    if !row.is_object() {
        return Err(format!("ticket is a {}, expected an object", kind(row)));
    }
    let id = match row.get("id") {
        None | Some(Value::Null) => return Err("missing id".to_string()),
        Some(v) => id_string(v).ok_or_else(|| format!("bad id {v}"))?,
    };
    let created_raw = opt_str(row, "created_at")?.ok_or("missing created_at")?;
    let created_at = timestamp(created_raw, site_tz)
        .ok_or_else(|| format!("unparseable created_at {created_raw:?}"))?;
    let updated_at = match opt_str(row, "updated_at")? {
        None => created_at,
        Some(raw) => {
            timestamp(raw, site_tz).ok_or_else(|| format!("unparseable updated_at {raw:?}"))?
        }
    };
    let title = opt_str(row, "title")?
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("(no title)")
        .to_string();
    let content_text = opt_str(row, "content")?
        .map(html_to_text)
        .filter(|t| !t.is_empty());
    let status = opt_str(row, "status")?.map_or(Status::New, fluentsupport_status);
    // The agent's triage wins over what the customer picked.
    let urgency = match (opt_str(row, "priority")?, opt_str(row, "client_priority")?) {
        (Some(p), _) if !p.trim().is_empty() => fluentsupport_urgency(p),
        (_, Some(c)) if !c.trim().is_empty() => fluentsupport_urgency(c),
        _ => Urgency::Normal,
    };
    let (customer_email, customer_name) = match row.get("customer") {
        None | Some(Value::Null) => (None, None),
        Some(customer @ Value::Object(_)) => {
            let email = opt_str(customer, "email")?
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty());
            let full = opt_str(customer, "full_name")?
                .map(str::trim)
                .filter(|n| !n.is_empty());
            let name = match full {
                Some(full) => Some(full.to_string()),
                None => {
                    let first = opt_str(customer, "first_name")?.unwrap_or("").trim();
                    let last = opt_str(customer, "last_name")?.unwrap_or("").trim();
                    Some(format!("{first} {last}").trim().to_string()).filter(|n| !n.is_empty())
                }
            };
            (email, name)
        }
        Some(other) => return Err(format!("customer is a {}, expected an object", kind(other))),
    };
    let message_id = opt_str(row, "message_id")?
        .map(|m| {
            m.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|m| !m.is_empty());
    Ok(Ticket {
        external_id: id,
        title,
        content_text,
        status,
        urgency,
        customer_email,
        customer_name,
        created_at,
        updated_at,
        message_id,
    })
}
