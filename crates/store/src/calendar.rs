//! Calendars and events. Recurring events are stored once (master + overrides) with
//! their raw iCalendar text; instances are expanded on read by the calendar crate.

use crate::contacts::ensure_contact;
use crate::{Result, Store};
use sqlx::{Sqlite, Transaction};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAttendee {
    pub email: String,
    pub name: Option<String>,
    pub partstat: Option<String>,
    pub is_organizer: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEvent {
    pub uid: String,
    /// Empty for a master or single event; the instance's UTC start (ms) for an override.
    pub recurrence_id: String,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub start_at: i64,
    pub end_at: i64,
    pub all_day: bool,
    pub tzid: Option<String>,
    pub recurring: bool,
    /// End of the last instance, None when the rule never ends.
    pub until_at: Option<i64>,
    pub broken: Option<String>,
    pub raw: String,
    pub attendees: Vec<NewAttendee>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub calendar_id: i64,
    pub calendar_name: String,
    pub color: String,
    pub uid: String,
    pub recurrence_id: String,
    pub summary: String,
    pub location: Option<String>,
    pub start_at: i64,
    pub end_at: i64,
    pub all_day: bool,
    pub tzid: Option<String>,
    pub recurring: bool,
    pub broken: Option<String>,
    pub raw: String,
    /// A local change not yet accepted by the server: create, update or delete.
    pub pending: Option<String>,
    /// The server refused our change because its copy changed (412).
    pub conflict: bool,
    /// The calendar's account's address (whose PARTSTAT is "mine").
    pub account_email: Option<String>,
    pub read_only: bool,
}

const EVENT_SELECT: &str = "SELECT e.id, e.calendar_id, c.name AS calendar_name, c.color, e.uid,
    e.recurrence_id, e.summary, e.location, e.start_at, e.end_at, e.all_day, e.tzid, e.recurring,
    e.broken, e.raw, r.pending, r.conflict_ics IS NOT NULL AS conflict,
    a.email AS account_email, c.read_only
    FROM events e JOIN calendars c ON c.id = e.calendar_id
    JOIN accounts a ON a.id = c.account_id
    LEFT JOIN calendar_resources r ON r.id = e.resource_id";

impl Store {
    pub async fn ensure_calendar(&self, account_id: i64, name: &str, color: &str) -> Result<i64> {
        sqlx::query!(
            "INSERT INTO calendars (account_id, name, color) VALUES (?, ?, ?)
             ON CONFLICT (account_id, name) DO NOTHING",
            account_id,
            name,
            color
        )
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar!(
            "SELECT id AS \"id!\" FROM calendars WHERE account_id = ? AND name = ?",
            account_id,
            name
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Inserts or replaces events by (calendar, UID, RECURRENCE-ID) in one transaction,
    /// so importing the same file twice changes nothing.
    pub async fn upsert_events(
        &self,
        calendar_id: i64,
        events: &[NewEvent],
        now_ms: i64,
    ) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        for ev in events {
            insert_event_tx(&mut tx, calendar_id, None, ev, now_ms).await?;
        }
        tx.commit().await?;
        Ok(events.len())
    }

    /// Events that may have an instance in [from, to): singles overlapping it, and
    /// recurring masters and overrides whose span reaches into it.
    pub async fn events_in_window(&self, from: i64, to: i64) -> Result<Vec<EventRow>> {
        Ok(sqlx::query_as::<_, EventRow>(&format!(
            "{EVENT_SELECT} WHERE c.visible = 1 AND e.start_at < ?2 AND
                (CASE WHEN e.recurring = 1 THEN coalesce(e.until_at, 9223372036854775807) ELSE e.end_at END) > ?1
                OR (e.recurrence_id != '' AND c.visible = 1)
             ORDER BY e.start_at, e.id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The rows of one UID in a calendar (master first, then overrides).
    pub async fn events_of_uid(&self, calendar_id: i64, uid: &str) -> Result<Vec<EventRow>> {
        Ok(sqlx::query_as::<_, EventRow>(&format!(
            "{EVENT_SELECT} WHERE e.calendar_id = ? AND e.uid = ? ORDER BY e.recurrence_id, e.id"
        ))
        .bind(calendar_id)
        .bind(uid)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Events with any of the addresses as attendee or organizer.
    pub async fn events_for_addresses(&self, emails: &[String]) -> Result<Vec<EventRow>> {
        let json = serde_json::to_string(emails).unwrap_or_else(|_| "[]".into());
        Ok(sqlx::query_as::<_, EventRow>(&format!(
            "{EVENT_SELECT} WHERE e.id IN (SELECT event_id FROM event_attendees
                WHERE email IN (SELECT value FROM json_each(?)))
             ORDER BY e.start_at DESC"
        ))
        .bind(json)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Inserts or replaces one event row by (calendar, UID, RECURRENCE-ID) with its attendees
/// (each also becoming a contact), inside the caller's transaction.
pub(crate) async fn insert_event_tx(
    tx: &mut Transaction<'_, Sqlite>,
    calendar_id: i64,
    resource_id: Option<i64>,
    ev: &NewEvent,
    now_ms: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (calendar_id, uid, recurrence_id, summary, location, description,
            start_at, end_at, all_day, tzid, recurring, until_at, broken, raw, resource_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (calendar_id, uid, recurrence_id) DO UPDATE SET
            summary = excluded.summary, location = excluded.location,
            description = excluded.description, start_at = excluded.start_at,
            end_at = excluded.end_at, all_day = excluded.all_day, tzid = excluded.tzid,
            recurring = excluded.recurring, until_at = excluded.until_at,
            broken = excluded.broken, raw = excluded.raw, resource_id = excluded.resource_id
         RETURNING id",
    )
    .bind(calendar_id)
    .bind(&ev.uid)
    .bind(&ev.recurrence_id)
    .bind(&ev.summary)
    .bind(&ev.location)
    .bind(&ev.description)
    .bind(ev.start_at)
    .bind(ev.end_at)
    .bind(ev.all_day)
    .bind(&ev.tzid)
    .bind(ev.recurring)
    .bind(ev.until_at)
    .bind(&ev.broken)
    .bind(&ev.raw)
    .bind(resource_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM event_attendees WHERE event_id = ?")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for a in &ev.attendees {
        sqlx::query(
            "INSERT OR REPLACE INTO event_attendees (event_id, email, name, partstat, is_organizer)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&a.email)
        .bind(&a.name)
        .bind(&a.partstat)
        .bind(a.is_organizer)
        .execute(&mut **tx)
        .await?;
        ensure_contact(tx, &a.email, a.name.as_deref(), now_ms).await?;
    }
    Ok(id)
}
