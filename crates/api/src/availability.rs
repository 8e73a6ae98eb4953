//! Meeting times: the user's calendars (and attendees' events the workspace knows) turned
//! into busy intervals for the availability engine, and the chosen times written for an
//! email in the recipient's zone.
//!
//! Attendees' busy times also come from the providers (Google `freeBusy`, Graph
//! `getSchedule`) through the user's accounts, see `free_busy`.
//!
//! What counts as busy: every instance of a visible calendar's event, except cancelled
//! ones, ones marked `TRANSP:TRANSPARENT`, and all-day events not explicitly marked
//! `TRANSP:OPAQUE` (birthdays and holidays are free, as most calendar apps treat them).
//! `STATUS:TENTATIVE` events are tentative. For an attendee, events they declined are
//! skipped and ones they have not answered (or accepted tentatively) are tentative.

use crate::calendar::expand_rows;
use crate::dto::{AvailabilitySlot, AvailableTimes, AvailableTimesArgs};
use crate::{Api, ApiError, ApiResult};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeSet, HashMap};
use switchboard_calendar::availability::{
    find_slots, format_for_email, holiday_dates, Availability, Busy, BusyKind, Participant, Query,
    Slot, TimeRange, WorkingHours,
};
use switchboard_calendar::parse_ics;
use switchboard_store::EventRow;

/// Settings keys: the user's IANA zone, and their working hours as a JSON array of specs
/// such as `["Mon-Fri 09:00-12:00,13:00-17:30"]`.
pub const TIME_ZONE_KEY: &str = crate::reminders::TIME_ZONE_SETTING;
pub const WORKING_HOURS_KEY: &str = "calendar.working_hours";
/// Working hours when none are set (the user's and attendees').
pub const DEFAULT_WORKING_HOURS: &str = "Mon-Fri 09:00-17:00";

/// Someone else whose time counts: their busy times are the workspace's events they attend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendeeSpec {
    pub email: String,
    pub time_zone: String,
    /// Working-hour specs in their zone; empty = Mon-Fri 09:00-17:00.
    pub working_hours: Vec<String>,
    pub required: bool,
}

/// A full availability question (the CLI's); durations in minutes, times in UTC ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityRequest {
    /// Calendar names whose events make the user busy; empty = every visible calendar.
    pub calendars: Vec<String>,
    /// `YYYY-MM-DD` (midnight in `time_zone`) or RFC 3339.
    pub from: String,
    pub to: String,
    pub duration_minutes: i64,
    pub step_minutes: i64,
    /// The user's (organizer's) IANA zone.
    pub time_zone: String,
    /// The user's working hours; empty = the setting, else Mon-Fri 09:00-17:00.
    pub working_hours: Vec<String>,
    pub buffer_minutes: i64,
    pub min_notice_minutes: i64,
    pub max_per_day: Option<u32>,
    /// The text of a holiday calendar (.ics); its dates are days off for the user.
    pub holidays_ics: Option<String>,
    pub attendees: Vec<AttendeeSpec>,
    pub limit: Option<usize>,
    /// RFC 3339; default the clock.
    pub now: Option<String>,
}

/// The engine's answer with times also written in the organizer's zone.
#[derive(Debug, Clone)]
pub struct AvailabilityAnswer {
    pub slots: Vec<AvailabilitySlot>,
    pub free: Vec<TimeRange>,
    pub candidates: usize,
    /// Why there are no slots, in words (empty when there are).
    pub obstacles: Vec<String>,
}

pub(crate) fn parse_zone(name: &str) -> ApiResult<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        ApiError::invalid(format!(
            "unknown time zone '{name}' (use an IANA name like Europe/Berlin)"
        ))
    })
}

/// `YYYY-MM-DD` as local midnight in `zone`, or an RFC 3339 instant.
fn parse_instant(text: &str, zone: Tz) -> ApiResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!(
            "'{text}' is neither a date (YYYY-MM-DD) nor an RFC 3339 time"
        ))
    })?;
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ApiError::invalid(format!("{text} has no midnight in {zone}")))
}

fn hours(zone: Tz, specs: &[String]) -> ApiResult<WorkingHours> {
    let specs: Vec<&str> = if specs.is_empty() {
        vec![DEFAULT_WORKING_HOURS]
    } else {
        specs.iter().map(String::as_str).collect()
    };
    WorkingHours::parse(zone, &specs).map_err(|e| ApiError::invalid(e.to_string()))
}

fn has_line(raw: &str, line: &str) -> bool {
    raw.lines().any(|l| l.trim().eq_ignore_ascii_case(line))
}

/// The user's busy kind for a stored event, or None when it leaves them free.
fn own_busy_kind(row: &EventRow) -> Option<BusyKind> {
    if has_line(&row.raw, "STATUS:CANCELLED") || has_line(&row.raw, "TRANSP:TRANSPARENT") {
        return None;
    }
    if row.all_day && !has_line(&row.raw, "TRANSP:OPAQUE") {
        return None;
    }
    Some(if has_line(&row.raw, "STATUS:TENTATIVE") {
        BusyKind::Tentative
    } else {
        BusyKind::Busy
    })
}

/// An attendee's busy kind for a stored event they are on.
fn attendee_busy_kind(row: &EventRow, email: &str) -> Option<BusyKind> {
    let own = own_busy_kind(row)?;
    let text = format!("BEGIN:VCALENDAR\r\n{}\r\nEND:VCALENDAR\r\n", row.raw.trim());
    let parsed = parse_ics(&text);
    let ev = parsed.events.first()?;
    let partstat = ev
        .attendees
        .iter()
        .chain(ev.organizer.iter())
        .find(|a| switchboard_core::address::normalize_email(&a.email) == email)
        .and_then(|a| a.partstat.clone());
    match partstat.as_deref() {
        Some("DECLINED") => None,
        Some("ACCEPTED") | None => Some(own),
        _ => Some(BusyKind::Tentative),
    }
}

fn busy_from(
    rows: &[EventRow],
    from: i64,
    to: i64,
    kind: impl Fn(&EventRow) -> Option<BusyKind>,
) -> Vec<Busy> {
    let by_id: HashMap<i64, &EventRow> = rows.iter().map(|r| (r.id, r)).collect();
    let mut kinds: HashMap<i64, Option<BusyKind>> = HashMap::new();
    expand_rows(rows, from, to)
        .into_iter()
        .filter_map(|i| {
            let kind = *kinds
                .entry(i.event_id)
                .or_insert_with(|| by_id.get(&i.event_id).and_then(|r| kind(r)));
            Some(Busy {
                start: utc(i.start),
                end: utc(i.end),
                kind: kind?,
            })
        })
        .collect()
}

fn utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn slot_view(slot: &Slot, zone: Tz) -> AvailabilitySlot {
    AvailabilitySlot {
        start: slot.start.timestamp_millis(),
        end: slot.end.timestamp_millis(),
        start_local: slot.start.with_timezone(&zone).to_rfc3339(),
        end_local: slot.end.with_timezone(&zone).to_rfc3339(),
        score: slot.score,
        reasons: slot.reasons.iter().map(ToString::to_string).collect(),
    }
}

fn answer(a: Availability, zone: Tz) -> AvailabilityAnswer {
    AvailabilityAnswer {
        slots: a.slots.iter().map(|s| slot_view(s, zone)).collect(),
        free: a.free,
        candidates: a.candidates,
        obstacles: a.obstacles.iter().map(ToString::to_string).collect(),
    }
}

/// Picks up to `max` slots from a ranked list: best first, none overlapping another,
/// at most two per day of `zone` and two hours apart; returned in time order.
fn spread(slots: &[Slot], max: usize, zone: Tz) -> Vec<Slot> {
    let mut picked: Vec<Slot> = Vec::new();
    let mut per_day: HashMap<NaiveDate, usize> = HashMap::new();
    for s in slots {
        if picked.len() >= max {
            break;
        }
        let day = s.start.with_timezone(&zone).date_naive();
        // Spread over the day: two picks on one day start at least two hours apart.
        let clash = picked.iter().any(|p| {
            p.start < s.end && s.start < p.end || (p.start - s.start).abs() < Duration::hours(2)
        });
        if clash || per_day.get(&day).copied().unwrap_or(0) >= 2 {
            continue;
        }
        *per_day.entry(day).or_default() += 1;
        picked.push(s.clone());
    }
    picked.sort_by_key(|s| s.start);
    picked
}

impl Api {
    async fn user_zone(&self, given: Option<&str>) -> ApiResult<Tz> {
        match given.filter(|z| !z.trim().is_empty()) {
            Some(z) => parse_zone(z),
            None => match self.store.setting(TIME_ZONE_KEY).await? {
                Some(z) => parse_zone(&z),
                None => Ok(chrono_tz::UTC),
            },
        }
    }

    async fn user_hours(&self, zone: Tz, given: &[String]) -> ApiResult<WorkingHours> {
        if !given.is_empty() {
            return hours(zone, given);
        }
        let stored: Vec<String> = match self.store.setting(WORKING_HOURS_KEY).await? {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                ApiError::invalid(format!(
                    "the working-hours setting is not a list of specs: {e}"
                ))
            })?,
            None => Vec::new(),
        };
        hours(zone, &stored)
    }

    /// The user's busy times in `[from, to)` (UTC ms) from visible calendars, optionally
    /// only those named; an unknown name is an error.
    async fn own_busy(&self, calendars: &[String], from: i64, to: i64) -> ApiResult<Vec<Busy>> {
        if !calendars.is_empty() {
            let known: BTreeSet<String> = self
                .store
                .list_calendars()
                .await?
                .into_iter()
                .filter(|c| c.visible)
                .map(|c| c.name)
                .collect();
            if let Some(missing) = calendars.iter().find(|c| !known.contains(*c)) {
                return Err(ApiError::not_found(format!(
                    "no visible calendar named '{missing}'"
                )));
            }
        }
        let rows: Vec<EventRow> = self
            .store
            .events_in_window(from, to)
            .await?
            .into_iter()
            .filter(|r| calendars.is_empty() || calendars.contains(&r.calendar_name))
            .collect();
        let mut busy = busy_from(&rows, from, to, own_busy_kind);
        // The CalDAV servers' own view (what another client added since the last sync).
        let (from_t, to_t) = (
            chrono::DateTime::from_timestamp_millis(from).unwrap_or_default(),
            chrono::DateTime::from_timestamp_millis(to).unwrap_or_default(),
        );
        busy.extend(self.caldav_busy(calendars, from_t, to_t).await?);
        Ok(busy)
    }

    async fn attendee_busy(&self, email: &str, from: i64, to: i64) -> ApiResult<Vec<Busy>> {
        let email = switchboard_core::address::normalize_email(email);
        let rows = self
            .store
            .events_for_addresses(std::slice::from_ref(&email))
            .await?;
        let mut busy = busy_from(&rows, from, to, |r| attendee_busy_kind(r, &email));
        // What the user's Google and Microsoft accounts can see of their calendar.
        let (from_t, to_t) = (
            chrono::DateTime::from_timestamp_millis(from).unwrap_or_default(),
            chrono::DateTime::from_timestamp_millis(to).unwrap_or_default(),
        );
        busy.extend(self.provider_busy(&email, from_t, to_t).await?);
        Ok(busy)
    }

    /// Free meeting slots for the user (and attendees), ranked, per the request.
    pub async fn find_availability(
        &self,
        req: &AvailabilityRequest,
    ) -> ApiResult<AvailabilityAnswer> {
        let zone = parse_zone(&req.time_zone)?;
        let from = parse_instant(&req.from, zone)?;
        let to = parse_instant(&req.to, zone)?;
        if to <= from {
            return Err(ApiError::invalid("--to must be after --from"));
        }
        let now = match &req.now {
            Some(n) => DateTime::parse_from_rfc3339(n)
                .map_err(|e| ApiError::invalid(format!("'{n}' is not an RFC 3339 time: {e}")))?
                .with_timezone(&Utc),
            None => self.now(),
        };
        for (what, v) in [
            ("the duration", req.duration_minutes),
            ("the step", req.step_minutes),
        ] {
            if v <= 0 {
                return Err(ApiError::invalid(format!("{what} must be positive")));
            }
        }
        if req.buffer_minutes < 0 || req.min_notice_minutes < 0 {
            return Err(ApiError::invalid("buffers and notice cannot be negative"));
        }
        let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
        if to - from > Duration::days(switchboard_calendar::availability::MAX_WINDOW_DAYS) {
            return Err(ApiError::invalid("the window may span at most 400 days"));
        }
        let mut me = Participant::new("me", self.user_hours(zone, &req.working_hours).await?);
        me.organizer = true;
        me.busy = self.own_busy(&req.calendars, from_ms, to_ms).await?;
        if let Some(ics) = &req.holidays_ics {
            me.holidays = holiday_dates(ics, zone, from, to);
        }
        let mut people = vec![me];
        for a in &req.attendees {
            let their_zone = parse_zone(&a.time_zone)?;
            let mut p = Participant::new(a.email.clone(), hours(their_zone, &a.working_hours)?);
            p.required = a.required;
            p.busy = self.attendee_busy(&a.email, from_ms, to_ms).await?;
            people.push(p);
        }
        let mut q = Query::new(
            from,
            to,
            Duration::minutes(req.duration_minutes),
            zone,
            now,
            people,
        );
        q.step = Duration::minutes(req.step_minutes);
        q.rules.buffer_before = Duration::minutes(req.buffer_minutes);
        q.rules.buffer_after = Duration::minutes(req.buffer_minutes);
        q.rules.min_notice = Duration::minutes(req.min_notice_minutes);
        q.rules.max_per_day = req.max_per_day;
        q.limit = req.limit;
        let a = find_slots(&q).map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(answer(a, zone))
    }

    /// "Insert my available times": a few well-spread free slots of the user's visible
    /// calendars over the next days, written per day in the recipient's zone.
    pub async fn available_times(&self, args: AvailableTimesArgs) -> ApiResult<AvailableTimes> {
        if !(5..=480).contains(&args.duration_minutes) {
            return Err(ApiError::invalid(
                "the meeting must last 5 minutes to 8 hours",
            ));
        }
        if !(1..=60).contains(&args.days) {
            return Err(ApiError::invalid("look 1 to 60 days ahead"));
        }
        let zone = self.user_zone(args.my_time_zone.as_deref()).await?;
        let recipient = parse_zone(&args.recipient_time_zone)?;
        let now = self.now();
        // From the next local midnight, so "3 days" means three whole days.
        let tomorrow = now.with_timezone(&zone).date_naive() + Duration::days(1);
        let from = parse_instant(&tomorrow.format("%Y-%m-%d").to_string(), zone)?;
        let end_day = tomorrow + Duration::days(i64::from(args.days));
        let to = parse_instant(&end_day.format("%Y-%m-%d").to_string(), zone)?;
        let mut me = Participant::new("me", self.user_hours(zone, &[]).await?);
        me.organizer = true;
        me.busy = self
            .own_busy(&[], from.timestamp_millis(), to.timestamp_millis())
            .await?;
        let mut q = Query::new(
            from,
            to,
            Duration::minutes(i64::from(args.duration_minutes)),
            zone,
            now,
            vec![me],
        );
        q.step = Duration::minutes(30);
        q.rules.buffer_before = Duration::minutes(5);
        q.rules.buffer_after = Duration::minutes(5);
        let a = find_slots(&q).map_err(|e| ApiError::invalid(e.to_string()))?;
        let max = args.max_slots.unwrap_or(6).clamp(1, 20) as usize;
        let chosen = spread(&a.slots, max, recipient);
        let ranges: Vec<TimeRange> = chosen
            .iter()
            .map(|s| TimeRange {
                start: s.start,
                end: s.end,
            })
            .collect();
        Ok(AvailableTimes {
            slots: chosen.iter().map(|s| slot_view(s, recipient)).collect(),
            text: format_for_email(&ranges, recipient),
            time_zone: recipient.name().to_string(),
            obstacles: a.obstacles.iter().map(ToString::to_string).collect(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use switchboard_core::FixedClock;
    use switchboard_secrets::MemoryStore;

    const BUSY_MORNING: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n\
BEGIN:VEVENT\r\nUID:block\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART;TZID=America/New_York:20260309T090000\r\nDTEND;TZID=America/New_York:20260309T120000\r\n\
SUMMARY:Pipeline review\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:free\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART;TZID=America/New_York:20260309T120000\r\nDTEND;TZID=America/New_York:20260309T170000\r\n\
TRANSP:TRANSPARENT\r\nSUMMARY:Working from the cafe\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[tokio::test]
    async fn available_times_are_spread_and_written_in_the_recipients_zone() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(
            DateTime::parse_from_rfc3339("2026-03-08T12:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        ));
        let api = Api::open_with_clock(dir.path(), Arc::new(MemoryStore::new()), clock)
            .await
            .unwrap();
        let ics = dir.path().join("work.ics");
        std::fs::write(&ics, BUSY_MORNING).unwrap();
        api.import_ics(&ics, "Me", "Work").await.unwrap();

        let args = AvailableTimesArgs {
            duration_minutes: 30,
            days: 1,
            recipient_time_zone: "Europe/Berlin".into(),
            my_time_zone: Some("America/New_York".into()),
            max_slots: Some(3),
        };
        let got = api.available_times(args.clone()).await.unwrap();
        // Monday 9 Mar in New York (EDT since Sunday): busy until 12:00, a 5-minute
        // buffer, 30-minute steps -> 12:30 first; a second pick two hours later; Berlin is
        // still on CET (5 hours ahead that week).
        assert_eq!(
            got.text,
            "Mon 9 Mar: 17:30-18:00, 19:30-20:00 (Berlin time, CET)"
        );
        assert_eq!(got.slots.len(), 2);
        assert_eq!(got.slots[0].start_local, "2026-03-09T17:30:00+01:00");
        assert_eq!(got.time_zone, "Europe/Berlin");
        assert!(got.obstacles.is_empty());

        let bad = AvailableTimesArgs {
            recipient_time_zone: "Nowhere/Special".into(),
            ..args.clone()
        };
        assert!(api.available_times(bad).await.is_err());
        // Working hours from the settings: Saturdays only, so Monday has nothing and the
        // answer says why.
        api.store()
            .set_setting(WORKING_HOURS_KEY, r#"["Sat 10:00-12:00"]"#)
            .await
            .unwrap();
        let none = api.available_times(args).await.unwrap();
        assert!(none.slots.is_empty() && none.text.is_empty());
        assert_eq!(
            none.obstacles,
            vec!["me has no working hours in the window"]
        );
    }
}
