//! Event reminders: the firings of the next two days are planned from the events (their
//! VALARMs, or the default reminder for timed events without one) into the store's
//! durable `reminders` table; the app asks for what is due and notifies. A firing whose
//! moment passed while the app was closed is handed out once, marked late. Reminders
//! before the first planning (a new workspace, a first start) are never shown.

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use std::collections::HashMap;
use switchboard_calendar::{alarm_times, expand_in, ParsedEvent, Tz};
use switchboard_store::{EventRow, ReminderRow};

use crate::calendar::reparse;
use crate::dto::ReminderView;
use crate::{Api, ApiError, ApiResult};

/// How far ahead firings are planned.
pub const PLAN_AHEAD: Duration = Duration::hours(48);
/// How far back a missed firing is still shown (late) after the app was closed.
pub const MISSED_LOOKBACK: Duration = Duration::hours(24);
/// A firing shown within this much of its moment counts as on time.
pub const ON_TIME_GRACE: Duration = Duration::minutes(2);

/// Minutes before a timed event's start that its reminder fires when it has no VALARM;
/// `off` disables it. Default 10.
pub const DEFAULT_REMINDER_SETTING: &str = "calendar.default_reminder_minutes";
/// The zone floating times are read in (default UTC).
pub const TIME_ZONE_SETTING: &str = "calendar.time_zone";
/// The first moment reminders were planned in this workspace (ms).
const SINCE_SETTING: &str = "calendar.reminders_since";

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// The firings in [from, to) of the masters among `rows` (overrides joined by UID).
pub(crate) fn plan(
    rows: &[EventRow],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: Tz,
    default_minutes: Option<i64>,
    mine: &[String],
) -> Vec<ReminderRow> {
    let mut overrides: HashMap<(i64, &str), Vec<ParsedEvent>> = HashMap::new();
    for row in rows.iter().filter(|r| !r.recurrence_id.is_empty()) {
        if let Some(ev) = reparse(row) {
            overrides
                .entry((row.calendar_id, row.uid.as_str()))
                .or_default()
                .push(ev);
        }
    }
    let mut out = Vec::new();
    for row in rows.iter().filter(|r| r.recurrence_id.is_empty()) {
        let Some(ev) = reparse(row) else { continue };
        if ev.status.as_deref() == Some("CANCELLED") || declined(&ev, mine) {
            continue;
        }
        let ov = overrides
            .get(&(row.calendar_id, row.uid.as_str()))
            .map_or(&[][..], Vec::as_slice);
        let series = row.recurring;
        let mut push =
            |rid: DateTime<Utc>, start: DateTime<Utc>, index: usize, at: DateTime<Utc>| {
                out.push(ReminderRow {
                    key: format!(
                        "{}:{}:{}:{index}:{}",
                        row.calendar_id,
                        row.uid,
                        ms(rid),
                        ms(at)
                    ),
                    calendar_id: row.calendar_id,
                    uid: row.uid.clone(),
                    recurrence_id: series.then(|| ms(rid)),
                    summary: row.summary.clone(),
                    instance_start: ms(start),
                    fire_at: ms(at),
                    state: "scheduled".into(),
                });
            };
        let has_alarms = !ev.alarms.is_empty() || ov.iter().any(|o| !o.alarms.is_empty());
        if has_alarms {
            for fire in alarm_times(&ev, ov, from, to, zone) {
                push(
                    fire.recurrence_id,
                    fire.instance_start,
                    fire.alarm_index,
                    fire.at,
                );
            }
        } else if let (Some(minutes), false) = (default_minutes, ev.all_day) {
            let lead = Duration::minutes(minutes);
            for i in expand_in(&ev, ov, from + lead, to + lead, zone) {
                let at = i.start - lead;
                if at >= from && at < to {
                    push(i.recurrence_id, i.start, usize::MAX, at);
                }
            }
        }
    }
    out.sort_by(|a, b| (a.fire_at, &a.key).cmp(&(b.fire_at, &b.key)));
    out
}

/// Whether I declined the event (no reminder for it then).
fn declined(ev: &ParsedEvent, mine: &[String]) -> bool {
    ev.attendees.iter().any(|a| {
        mine.iter().any(|m| m.eq_ignore_ascii_case(&a.email))
            && a.partstat.as_deref() == Some("DECLINED")
    })
}

impl Api {
    async fn reminder_zone(&self) -> ApiResult<Tz> {
        Ok(self
            .store
            .setting(TIME_ZONE_SETTING)
            .await?
            .and_then(|z| z.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC))
    }

    async fn default_reminder_minutes(&self) -> ApiResult<Option<i64>> {
        Ok(match self.store.setting(DEFAULT_REMINDER_SETTING).await? {
            None => Some(10),
            Some(v) if v.trim().eq_ignore_ascii_case("off") => None,
            Some(v) => Some(v.trim().parse::<i64>().map_err(|_| {
                ApiError::invalid(format!(
                    "{DEFAULT_REMINDER_SETTING} is {v:?}: minutes or \"off\""
                ))
            })?),
        })
    }

    /// Plans the firings of the next [`PLAN_AHEAD`] (and the missed ones of the last
    /// [`MISSED_LOOKBACK`], never before this workspace's first planning).
    pub async fn plan_reminders(&self) -> ApiResult<()> {
        let now = self.now_ms();
        let since = match self.store.setting(SINCE_SETTING).await? {
            Some(v) => v.parse::<i64>().unwrap_or(now),
            None => {
                self.store
                    .set_setting(SINCE_SETTING, &now.to_string())
                    .await?;
                now
            }
        };
        let from = utc(since.max(now - MISSED_LOOKBACK.num_milliseconds()));
        let to = utc(now) + PLAN_AHEAD;
        let zone = self.reminder_zone().await?;
        let default = self.default_reminder_minutes().await?;
        let mine = self.my_addresses().await?;
        // Alarms may fire up to a year before their event (alarm.rs caps TRIGGER), but a
        // day each side covers every reminder people set; rows are stored as if UTC.
        let rows = self
            .store
            .events_in_window(ms(from - Duration::days(8)), ms(to + Duration::days(8)))
            .await?;
        let planned = plan(&rows, from, to, zone, default, &mine);
        self.store
            .replan_reminders(ms(from), ms(to), &planned)
            .await?;
        Ok(())
    }

    /// Plans, then takes every firing that is due: each is returned once, `late` when its
    /// moment passed more than [`ON_TIME_GRACE`] ago (the app was closed).
    pub async fn take_due_reminders(&self) -> ApiResult<Vec<ReminderView>> {
        self.plan_reminders().await?;
        let now = self.now_ms();
        let due = self
            .store
            .take_due_reminders(now, ON_TIME_GRACE.num_milliseconds())
            .await?;
        Ok(due
            .into_iter()
            .map(|r| ReminderView {
                calendar_id: r.calendar_id,
                uid: r.uid,
                recurrence_id: r
                    .recurrence_id
                    .map(|m| utc(m).to_rfc3339_opts(SecondsFormat::Secs, true)),
                summary: r.summary,
                start: r.instance_start,
                fire_at: r.fire_at,
                late: r.state == "missed",
            })
            .collect())
    }

    /// When the next planned reminder fires (ms), to sleep until then.
    pub async fn next_reminder_at(&self) -> ApiResult<Option<i64>> {
        Ok(self.store.next_reminder_at().await?)
    }
}
