//! Calendars kept in step with a server (CalDAV, Google Calendar, Microsoft Graph).
//!
//! A server calendar holds RESOURCES keyed by `href` (a CalDAV resource path, a Google or
//! Graph event id). A resource's text is one iCalendar object; the `events` rows the views
//! and the availability engine read are derived from it by the caller (the store does not
//! parse iCalendar) and replaced whenever the resource is. Every page of changes is applied
//! with its sync token in one transaction, and re-applying a page changes nothing, so a
//! sync killed at any point and run again ends with the server's state and no duplicates.
//!
//! A resource with a local change the server has not accepted yet (`pending`) is not
//! overwritten by incoming changes: the write decides (it succeeds, or the server's 412
//! makes it a conflict the user resolves).

use crate::calendar::{insert_event_tx, NewEvent};
use crate::{Result, Store};
use sqlx::{Sqlite, Transaction};

/// A calendar as a server lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteCalendar {
    /// CalDAV collection href, Google calendarId or Graph calendar id.
    pub remote_id: String,
    pub name: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    pub read_only: bool,
    /// IANA zone.
    pub time_zone: Option<String>,
}

/// A calendar held for a server account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedCalendar {
    pub id: i64,
    pub remote_id: String,
    pub sync_token: Option<String>,
}

/// One change from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceChange {
    Upsert {
        href: String,
        etag: Option<String>,
        ics: String,
        /// The rows derived from `ics` (see `switchboard_sync::calendar_store`).
        events: Vec<NewEvent>,
    },
    Delete {
        href: String,
    },
}

/// What a local edit left for the server.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingResource {
    pub id: i64,
    pub calendar_id: i64,
    pub href: String,
    pub etag: Option<String>,
    pub ics: String,
    /// `create`, `update` or `delete`.
    pub pending: String,
}

/// A resource as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResourceRow {
    pub id: i64,
    pub calendar_id: i64,
    pub href: String,
    pub etag: Option<String>,
    pub ics: String,
    pub pending: Option<String>,
    pub conflict_ics: Option<String>,
    pub conflict_etag: Option<String>,
}

/// A calendar with its account, for lists and settings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarRow {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub account_kind: String,
    pub name: String,
    pub color: String,
    pub visible: bool,
    pub read_only: bool,
    pub remote_id: Option<String>,
    pub time_zone: Option<String>,
}

impl Store {
    /// Makes the account's calendars match the server's list: new ones are created, known
    /// ones renamed/recoloured (unless the user chose a colour), and calendars the server
    /// no longer lists are removed with their events. Returns the calendars in `cals`
    /// order with their stored sync tokens.
    pub async fn sync_remote_calendars(
        &self,
        account_id: i64,
        cals: &[RemoteCalendar],
        _now_ms: i64,
    ) -> Result<Vec<SyncedCalendar>> {
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(cals.len());
        for cal in cals {
            let existing: Option<(i64, Option<String>)> = sqlx::query_as(
                "SELECT id, sync_token FROM calendars WHERE account_id = ? AND remote_id = ?",
            )
            .bind(account_id)
            .bind(&cal.remote_id)
            .fetch_optional(&mut *tx)
            .await?;
            let name = free_name(
                &mut tx,
                account_id,
                &cal.name,
                existing.as_ref().map(|e| e.0),
            )
            .await?;
            let color = cal.color.clone().unwrap_or_else(|| "#3b82f6".into());
            let (id, token) = match existing {
                Some((id, token)) => {
                    sqlx::query(
                        "UPDATE calendars SET name = ?, read_only = ?, time_zone = ?,
                            color = CASE WHEN color_chosen = 1 THEN color ELSE ? END
                         WHERE id = ?",
                    )
                    .bind(&name)
                    .bind(cal.read_only)
                    .bind(&cal.time_zone)
                    .bind(&color)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    (id, token)
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO calendars (account_id, name, color, remote_id, read_only, time_zone)
                         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    )
                    .bind(account_id)
                    .bind(&name)
                    .bind(&color)
                    .bind(&cal.remote_id)
                    .bind(cal.read_only)
                    .bind(&cal.time_zone)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, None)
                }
            };
            out.push(SyncedCalendar {
                id,
                remote_id: cal.remote_id.clone(),
                sync_token: token,
            });
        }
        let keep = serde_json::to_string(&out.iter().map(|c| c.id).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "DELETE FROM calendars WHERE account_id = ? AND remote_id IS NOT NULL
               AND id NOT IN (SELECT value FROM json_each(?))",
        )
        .bind(account_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Applies one page of server changes and, when given, the token that follows it, in
    /// one transaction. Upserts replace the resource (and its events) by href; deletes
    /// remove it. A resource with a pending local change is left for the write to settle.
    pub async fn apply_calendar_changes(
        &self,
        calendar_id: i64,
        changes: &[ResourceChange],
        sync_token: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for change in changes {
            match change {
                ResourceChange::Upsert {
                    href,
                    etag,
                    ics,
                    events,
                } => {
                    let pending: Option<Option<String>> = sqlx::query_scalar(
                        "SELECT pending FROM calendar_resources WHERE calendar_id = ? AND href = ?",
                    )
                    .bind(calendar_id)
                    .bind(href)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if matches!(pending, Some(Some(_))) {
                        continue;
                    }
                    store_resource(
                        &mut tx,
                        calendar_id,
                        href,
                        etag.as_deref(),
                        ics,
                        None,
                        events,
                        now_ms,
                    )
                    .await?;
                }
                ResourceChange::Delete { href } => {
                    sqlx::query(
                        "DELETE FROM calendar_resources
                         WHERE calendar_id = ? AND href = ? AND pending IS NULL",
                    )
                    .bind(calendar_id)
                    .bind(href)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        if let Some(token) = sync_token {
            sqlx::query("UPDATE calendars SET sync_token = ? WHERE id = ?")
                .bind(token)
                .bind(calendar_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every (href, etag) the calendar holds, for reconciling a full listing.
    pub async fn calendar_resource_etags(
        &self,
        calendar_id: i64,
    ) -> Result<Vec<(String, Option<String>)>> {
        Ok(sqlx::query_as(
            "SELECT href, etag FROM calendar_resources WHERE calendar_id = ? ORDER BY href",
        )
        .bind(calendar_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Forgets the calendar's sync token, so the next pass lists everything. Rows stay
    /// until that listing reconciles them.
    pub async fn reset_calendar_token(&self, calendar_id: i64) -> Result<()> {
        sqlx::query("UPDATE calendars SET sync_token = NULL WHERE id = ?")
            .bind(calendar_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The calendar's stored token.
    pub async fn calendar_token(&self, calendar_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT sync_token FROM calendars WHERE id = ?")
                .bind(calendar_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    /// Every calendar with its account, ordered by account then name.
    pub async fn list_calendars(&self) -> Result<Vec<CalendarRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.account_id, a.name AS account_name, a.kind AS account_kind, c.name,
                c.color, c.visible, c.read_only, c.remote_id, c.time_zone
             FROM calendars c JOIN accounts a ON a.id = c.account_id
             ORDER BY a.name, c.name",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Shows or hides a calendar and/or sets its colour (then kept over the server's).
    pub async fn update_calendar(
        &self,
        id: i64,
        visible: Option<bool>,
        color: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE calendars SET visible = coalesce(?, visible),
                color = coalesce(?, color),
                color_chosen = CASE WHEN ? IS NULL THEN color_chosen ELSE 1 END
             WHERE id = ?",
        )
        .bind(visible)
        .bind(color)
        .bind(color)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The resource holding `uid` in the calendar (the master's when there are several).
    pub async fn resource_for_uid(
        &self,
        calendar_id: i64,
        uid: &str,
    ) -> Result<Option<ResourceRow>> {
        Ok(sqlx::query_as(
            "SELECT r.id, r.calendar_id, r.href, r.etag, r.ics, r.pending, r.conflict_ics,
                r.conflict_etag
             FROM calendar_resources r JOIN events e ON e.resource_id = r.id
             WHERE e.calendar_id = ? AND e.uid = ?
             ORDER BY e.recurrence_id = '' DESC, r.id LIMIT 1",
        )
        .bind(calendar_id)
        .bind(uid)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The resource at `href`.
    pub async fn resource(&self, calendar_id: i64, href: &str) -> Result<Option<ResourceRow>> {
        Ok(sqlx::query_as(
            "SELECT id, calendar_id, href, etag, ics, pending, conflict_ics, conflict_etag
             FROM calendar_resources WHERE calendar_id = ? AND href = ?",
        )
        .bind(calendar_id)
        .bind(href)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records a local change to a resource (created, edited or deleted here) with its
    /// derived events, marking it pending for the server. A deletion removes the events at
    /// once and keeps the resource row until the server confirms.
    pub async fn stage_local_resource(
        &self,
        calendar_id: i64,
        href: &str,
        ics: &str,
        events: &[NewEvent],
        delete: bool,
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let existing: Option<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT etag, pending FROM calendar_resources WHERE calendar_id = ? AND href = ?",
        )
        .bind(calendar_id)
        .bind(href)
        .fetch_optional(&mut *tx)
        .await?;
        let pending = match (&existing, delete) {
            // Deleting something the server never saw: nothing to tell it.
            (Some((None, Some(p))), true) if p == "create" => {
                sqlx::query("DELETE FROM calendar_resources WHERE calendar_id = ? AND href = ?")
                    .bind(calendar_id)
                    .bind(href)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(());
            }
            (_, true) => "delete",
            (None, false) | (Some((None, _)), false) => "create",
            (Some(_), false) => "update",
        };
        let etag = existing.and_then(|e| e.0);
        let events: &[NewEvent] = if delete { &[] } else { events };
        store_resource(
            &mut tx,
            calendar_id,
            href,
            etag.as_deref(),
            ics,
            Some(pending),
            events,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops the rows of `uid` that no resource holds (events imported before resources
    /// existed), before a resource takes them over.
    pub async fn forget_unsourced_events(&self, calendar_id: i64, uid: &str) -> Result<()> {
        sqlx::query("DELETE FROM events WHERE calendar_id = ? AND uid = ? AND resource_id IS NULL")
            .bind(calendar_id)
            .bind(uid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Local changes waiting for the server, oldest first.
    pub async fn pending_resources(&self, calendar_id: i64) -> Result<Vec<PendingResource>> {
        Ok(sqlx::query_as(
            "SELECT id, calendar_id, href, etag, ics, pending FROM calendar_resources
             WHERE calendar_id = ? AND pending IS NOT NULL AND conflict_ics IS NULL
             ORDER BY updated_at, id",
        )
        .bind(calendar_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The server accepted a pending change: store what it now holds (new href/etag and
    /// its text, which may differ from ours: servers add properties) and clear `pending`.
    /// For an accepted deletion pass `None`.
    #[allow(clippy::too_many_arguments)]
    pub async fn settle_resource(
        &self,
        calendar_id: i64,
        old_href: &str,
        accepted: Option<(&str, Option<&str>, &str, &[NewEvent])>,
        now_ms: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM calendar_resources WHERE calendar_id = ? AND href = ?")
            .bind(calendar_id)
            .bind(old_href)
            .execute(&mut *tx)
            .await?;
        if let Some((href, etag, ics, events)) = accepted {
            store_resource(&mut tx, calendar_id, href, etag, ics, None, events, now_ms).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The server refused a pending change because its copy changed (412): keep ours
    /// pending and remember theirs so the user can see what changed and choose.
    pub async fn mark_resource_conflict(
        &self,
        calendar_id: i64,
        href: &str,
        server_ics: &str,
        server_etag: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE calendar_resources SET conflict_ics = ?, conflict_etag = ?
             WHERE calendar_id = ? AND href = ?",
        )
        .bind(server_ics)
        .bind(server_etag)
        .bind(calendar_id)
        .bind(href)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Settles a conflict: `keep_mine` retries our version over the server's current one
    /// (its etag becomes the precondition); otherwise the server's version replaces ours.
    pub async fn resolve_resource_conflict(
        &self,
        calendar_id: i64,
        href: &str,
        keep_mine: bool,
        server_events: &[NewEvent],
        now_ms: i64,
    ) -> Result<()> {
        let Some(row) = self.resource(calendar_id, href).await? else {
            return Ok(());
        };
        let (Some(theirs), Some(pending)) = (row.conflict_ics.clone(), row.pending.clone()) else {
            return Ok(());
        };
        let mut tx = self.pool.begin().await?;
        if keep_mine {
            sqlx::query(
                "UPDATE calendar_resources SET etag = conflict_etag, conflict_ics = NULL,
                    conflict_etag = NULL, pending = CASE WHEN ? = 'create' THEN 'update' ELSE ? END
                 WHERE id = ?",
            )
            .bind(&pending)
            .bind(&pending)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        } else {
            store_resource(
                &mut tx,
                calendar_id,
                href,
                row.conflict_etag.as_deref(),
                &theirs,
                None,
                server_events,
                now_ms,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Replaces a resource and its derived events.
#[allow(clippy::too_many_arguments)]
async fn store_resource(
    tx: &mut Transaction<'_, Sqlite>,
    calendar_id: i64,
    href: &str,
    etag: Option<&str>,
    ics: &str,
    pending: Option<&str>,
    events: &[NewEvent],
    now_ms: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO calendar_resources (calendar_id, href, etag, ics, pending, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (calendar_id, href) DO UPDATE SET etag = excluded.etag,
            ics = excluded.ics, pending = excluded.pending, conflict_ics = NULL,
            conflict_etag = NULL, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(calendar_id)
    .bind(href)
    .bind(etag)
    .bind(ics)
    .bind(pending)
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM events WHERE resource_id = ?")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for ev in events {
        insert_event_tx(tx, calendar_id, Some(id), ev, now_ms).await?;
    }
    Ok(id)
}

/// `name`, or `name (2)`, `name (3)`... when another calendar of the account has it.
async fn free_name(
    tx: &mut Transaction<'_, Sqlite>,
    account_id: i64,
    name: &str,
    own_id: Option<i64>,
) -> Result<String> {
    let base = if name.trim().is_empty() {
        "Calendar"
    } else {
        name.trim()
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.to_string()
        } else {
            format!("{base} ({n})")
        };
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM calendars WHERE account_id = ? AND name = ?")
                .bind(account_id)
                .bind(&candidate)
                .fetch_optional(&mut **tx)
                .await?;
        match taken {
            None => return Ok(candidate),
            Some(id) if Some(id) == own_id => return Ok(candidate),
            Some(_) => {}
        }
    }
    Ok(format!("{base} ({})", own_id.unwrap_or_default()))
}
