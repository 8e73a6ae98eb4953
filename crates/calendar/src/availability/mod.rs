//! The scheduling assistant's availability engine: free meeting slots across people,
//! each with their own busy times, working hours in their own zone and holidays, under
//! meeting rules (buffers, minimum notice, a per-day cap, day limits), ranked.
//!
//! Pure: no I/O and no clock (`now` is part of the [`Query`]). The caller turns events
//! into [`Busy`] intervals (leaving out free/transparent and cancelled ones) and holiday
//! calendars into dates ([`holiday_dates`]).
//!
//! How: every constraint is a set of UTC spans (working hours one local day at a time,
//! busy times grown by the buffers, capped days, the notice) and the free time is their
//! intersection/difference computed by linear sweeps over sorted spans. Slots are then
//! the step-aligned starts inside the free ranges, each scored with binary searches
//! against per-person sorted spans, so the cost is O(events log events + slots log events),
//! never slots x events.
//!
//! Hard constraints (a slot that breaks one is never returned): inside the window, at or
//! after `now + min_notice`, starting on a step boundary of the organizer's zone, inside
//! every required person's working hours (not on their holidays), clear of every
//! required person's busy time by the buffers (a meeting may end exactly when another
//! starts when there is no buffer), inside the day limits, and on a day the organizer's
//! cap is not reached. Soft ones lower the score, see [`Reason`].

mod holidays;
mod hours;
mod intervals;
mod rank;
mod text;

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use holidays::holiday_dates;
pub use hours::{DayRange, Week, WorkingHours};
pub use rank::Reason;
pub use text::{format_for_email, zone_label};

use hours::{day_span, local_dates, local_instant, utc};
use intervals::{intersect, normalize, subtract, total, Span};

/// Longest window one query may cover.
pub const MAX_WINDOW_DAYS: i64 = 400;

/// An organizer's busy interval counts as a meeting for the per-day cap when it lasts
/// more than zero and at most this long; longer blocks (all-day events, out-of-office,
/// a day of focus time) block time but are not meetings.
pub const MEETING_MAX_MINUTES: i64 = 240;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    #[error("invalid working hours: {0}")]
    Hours(String),
    #[error("{0}")]
    Query(String),
}

/// A half-open UTC range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimeRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusyKind {
    Busy,
    Tentative,
}

/// A time someone is not free, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kind: BusyKind,
}

impl Busy {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            start,
            end,
            kind: BusyKind::Busy,
        }
    }

    pub fn tentative(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            start,
            end,
            kind: BusyKind::Tentative,
        }
    }

    /// Counts toward the per-day cap: see [`MEETING_MAX_MINUTES`].
    pub fn looks_like_meeting(&self) -> bool {
        let minutes = (self.end - self.start).num_minutes();
        self.end > self.start && minutes <= MEETING_MAX_MINUTES
    }
}

/// One person whose time matters.
#[derive(Debug, Clone)]
pub struct Participant {
    /// How reasons and explanations name them (an address or a name).
    pub name: String,
    /// Required people must be free and working; optional ones only lower the score.
    pub required: bool,
    /// The per-day cap counts this person's meetings (normally the user; always required).
    pub organizer: bool,
    pub busy: Vec<Busy>,
    pub hours: WorkingHours,
    /// Days off, as dates in their zone.
    pub holidays: BTreeSet<NaiveDate>,
}

impl Participant {
    pub fn new(name: impl Into<String>, hours: WorkingHours) -> Self {
        Self {
            name: name.into(),
            required: true,
            organizer: false,
            busy: Vec::new(),
            hours,
            holidays: BTreeSet::new(),
        }
    }

    fn is_required(&self) -> bool {
        self.required || self.organizer
    }
}

/// Meeting rules (hard constraints).
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Free time kept before the slot (after a previous busy interval).
    pub buffer_before: Duration,
    /// Free time kept after the slot (before the next busy interval).
    pub buffer_after: Duration,
    /// A slot starts at least this long after `now`.
    pub min_notice: Duration,
    /// At most this many meetings per local day (organizer's zone) for the organizer:
    /// a day that already holds this many is not offered.
    pub max_per_day: Option<u32>,
    /// Wall-clock limits in the organizer's zone: no slot starts before / ends after.
    pub earliest_start: Option<u16>,
    pub latest_end: Option<u16>,
    /// Tentative events of required people block like busy ones (the default); when
    /// false they are allowed and only lower the score.
    pub tentative_blocks: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            buffer_before: Duration::zero(),
            buffer_after: Duration::zero(),
            min_notice: Duration::zero(),
            max_per_day: None,
            earliest_start: None,
            latest_end: None,
            tentative_blocks: true,
        }
    }
}

/// How slots are ranked (soft preferences).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Meetings closer than this count as back to back.
    pub back_to_back_gap: Duration,
    /// A run of back-to-back meetings longer than this is an overload.
    pub max_consecutive: Duration,
}

impl Default for Ranking {
    fn default() -> Self {
        Self {
            back_to_back_gap: Duration::minutes(10),
            max_consecutive: Duration::hours(3),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Query {
    /// The window `[from, to)` slots must lie in.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub duration: Duration,
    /// Slots start on multiples of this in `zone`'s wall clock; must divide a day.
    pub step: Duration,
    /// The organizer's zone: step boundaries, the cap's days and the day limits.
    pub zone: Tz,
    pub now: DateTime<Utc>,
    pub participants: Vec<Participant>,
    pub rules: Rules,
    pub ranking: Ranking,
    /// Most slots returned (best first); `None` = all.
    pub limit: Option<usize>,
}

impl Query {
    /// A query with a 15-minute step, default rules and ranking and no limit.
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        duration: Duration,
        zone: Tz,
        now: DateTime<Utc>,
        participants: Vec<Participant>,
    ) -> Self {
        Self {
            from,
            to,
            duration,
            step: Duration::minutes(15),
            zone,
            now,
            participants,
            rules: Rules::default(),
            ranking: Ranking::default(),
            limit: None,
        }
    }
}

/// A suggested meeting time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Higher is better: 100 minus penalties (see [`Reason`]) minus one per local day
    /// (organizer's zone) after the first day with a slot.
    pub score: i32,
    pub reasons: Vec<Reason>,
}

/// Why no slot could be offered: the first constraint that left no room, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Obstacle {
    /// The window is shorter than the meeting.
    WindowTooShort,
    /// Everything in the window is sooner than the minimum notice allows.
    MinimumNotice { earliest: DateTime<Utc> },
    /// This person has no working hours in the window.
    OutsideWorkingHours { who: String },
    /// This person's working days in the window are all holidays.
    Holidays { who: String },
    /// Everyone works in the window, but never long enough at the same time.
    NoCommonWorkingHours,
    /// The earliest-start / latest-end limits leave no room.
    DayLimits,
    /// The common working time is taken by these people's busy times.
    Busy { who: Vec<String> },
    /// There would be room without the buffers.
    Buffers,
    /// The days with room already hold the maximum number of meetings.
    DailyCap { max: u32 },
    /// The free ranges are too short once slots start on step boundaries.
    StepAlignment,
}

impl fmt::Display for Obstacle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WindowTooShort => write!(f, "the window is shorter than the meeting"),
            Self::MinimumNotice { earliest } => write!(
                f,
                "nothing in the window is far enough ahead (earliest allowed start {})",
                earliest.to_rfc3339()
            ),
            Self::OutsideWorkingHours { who } => {
                write!(f, "{who} has no working hours in the window")
            }
            Self::Holidays { who } => {
                write!(f, "{who}'s working days in the window are all holidays")
            }
            Self::NoCommonWorkingHours => write!(
                f,
                "the required people's working hours never overlap for long enough"
            ),
            Self::DayLimits => write!(f, "the earliest-start/latest-end limits leave no room"),
            Self::Busy { who } => write!(f, "busy at every common free time: {}", who.join(", ")),
            Self::Buffers => write!(f, "there would be room without the buffers"),
            Self::DailyCap { max } => write!(
                f,
                "every day with room already has {max} meeting(s), the daily maximum"
            ),
            Self::StepAlignment => write!(
                f,
                "the free ranges are too short for a slot starting on a step boundary"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// Best first (score descending, then earlier first), at most `limit`.
    pub slots: Vec<Slot>,
    /// Every slot the constraints allow, before the limit.
    pub candidates: usize,
    /// The merged free ranges long enough for the meeting, in time order (for display).
    pub free: Vec<TimeRange>,
    /// Set when `slots` is empty: why.
    pub obstacles: Vec<Obstacle>,
}

fn secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Spans at least `d` long.
fn long_enough(spans: &[Span], d: i64) -> Vec<Span> {
    spans.iter().copied().filter(|s| s.1 - s.0 >= d).collect()
}

fn fits(spans: &[Span], d: i64) -> bool {
    spans.iter().any(|s| s.1 - s.0 >= d)
}

/// Finds and ranks the free slots for `q`. Errors only for a malformed query.
pub fn find_slots(q: &Query) -> Result<Availability, AvailabilityError> {
    let d = q.duration.num_seconds();
    let step = q.step.num_seconds();
    if d <= 0 {
        return Err(AvailabilityError::Query(
            "the meeting must last longer than zero".into(),
        ));
    }
    if step <= 0 || 86_400 % step != 0 {
        return Err(AvailabilityError::Query(
            "the step must divide a day (e.g. 5, 10, 15, 30 or 60 minutes)".into(),
        ));
    }
    if q.to <= q.from {
        return Err(AvailabilityError::Query(
            "the window must end after it starts".into(),
        ));
    }
    if q.to - q.from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(AvailabilityError::Query(format!(
            "the window may span at most {MAX_WINDOW_DAYS} days"
        )));
    }
    if !q.participants.iter().any(Participant::is_required) {
        return Err(AvailabilityError::Query(
            "at least one participant must be required".into(),
        ));
    }
    for r in [
        q.rules.buffer_before,
        q.rules.buffer_after,
        q.rules.min_notice,
    ] {
        if r < Duration::zero() {
            return Err(AvailabilityError::Query(
                "buffers and notice cannot be negative".into(),
            ));
        }
    }

    let (from, to) = (secs(q.from), secs(q.to));
    let empty = |obstacles: Vec<Obstacle>| Availability {
        slots: Vec::new(),
        candidates: 0,
        free: Vec::new(),
        obstacles,
    };
    if to - from < d {
        return Ok(empty(vec![Obstacle::WindowTooShort]));
    }
    let earliest = secs(q.now + q.rules.min_notice);
    let mut free: Vec<Span> = vec![(from.max(earliest), to)];
    if !fits(&free, d) {
        return Ok(empty(vec![Obstacle::MinimumNotice {
            earliest: utc(earliest),
        }]));
    }

    // Working hours of every required person.
    let mut obstacles = Vec::new();
    let mut common = free.clone();
    for p in q.participants.iter().filter(|p| p.is_required()) {
        let work = p.hours.spans(&p.holidays, from, to);
        let mine = intersect(&free, &work);
        if !fits(&mine, d) {
            let without_holidays = p.hours.spans(&BTreeSet::new(), from, to);
            obstacles.push(if fits(&intersect(&free, &without_holidays), d) {
                Obstacle::Holidays {
                    who: p.name.clone(),
                }
            } else {
                Obstacle::OutsideWorkingHours {
                    who: p.name.clone(),
                }
            });
        }
        common = intersect(&common, &work);
    }
    if !obstacles.is_empty() {
        return Ok(empty(obstacles));
    }
    if !fits(&common, d) {
        return Ok(empty(vec![Obstacle::NoCommonWorkingHours]));
    }
    free = common;

    if q.rules.earliest_start.is_some() || q.rules.latest_end.is_some() {
        let limits = day_limit_spans(q, from, to);
        free = intersect(&free, &limits);
        if !fits(&free, d) {
            return Ok(empty(vec![Obstacle::DayLimits]));
        }
    }

    // Busy times, grown by the buffers: a slot may touch the grown span but not enter it.
    let (before, after) = (
        q.rules.buffer_before.num_seconds(),
        q.rules.buffer_after.num_seconds(),
    );
    let blocks = |b: &Busy| b.kind == BusyKind::Busy || q.rules.tentative_blocks;
    let mut grown = Vec::new();
    let mut bare = Vec::new();
    let mut busy_people = Vec::new();
    for p in q.participants.iter().filter(|p| p.is_required()) {
        let mine: Vec<Span> = p
            .busy
            .iter()
            .filter(|b| blocks(b) && b.end > b.start)
            .map(|b| (secs(b.start), secs(b.end)))
            .collect();
        let mine = normalize(mine);
        if total(&intersect(&free, &mine)) > 0 {
            busy_people.push(p.name.clone());
        }
        grown.extend(mine.iter().map(|s| (s.0 - after, s.1 + before)));
        bare.extend(mine);
    }
    let after_busy = subtract(&free, &normalize(grown));
    if !fits(&after_busy, d) {
        let without_buffers = subtract(&free, &normalize(bare));
        return Ok(empty(vec![
            if (before > 0 || after > 0) && fits(&without_buffers, d) {
                Obstacle::Buffers
            } else {
                Obstacle::Busy { who: busy_people }
            },
        ]));
    }
    free = after_busy;

    if let Some(max) = q.rules.max_per_day {
        let capped = capped_days(q, max, from, to);
        free = subtract(&free, &capped);
        if !fits(&free, d) {
            return Ok(empty(vec![Obstacle::DailyCap { max }]));
        }
    }

    let free = long_enough(&free, d);
    let starts = aligned_starts(&free, d, step, q.zone);
    if starts.is_empty() {
        return Ok(Availability {
            obstacles: vec![Obstacle::StepAlignment],
            ..empty(Vec::new())
        });
    }
    let mut slots = rank::score(q, &starts, from, to);
    let candidates = slots.len();
    if let Some(limit) = q.limit {
        slots.truncate(limit);
    }
    Ok(Availability {
        slots,
        candidates,
        free: free
            .iter()
            .map(|s| TimeRange {
                start: utc(s.0),
                end: utc(s.1),
            })
            .collect(),
        obstacles: Vec::new(),
    })
}

/// The earliest-start/latest-end limits as spans of the organizer's local days.
fn day_limit_spans(q: &Query, from: i64, to: i64) -> Vec<Span> {
    let start = q.rules.earliest_start.unwrap_or(0);
    let end = q.rules.latest_end.unwrap_or(24 * 60);
    let mut out = Vec::new();
    if start < end {
        for date in local_dates(q.zone, from, to) {
            out.push((
                local_instant(q.zone, date, start, false),
                local_instant(q.zone, date, end, true),
            ));
        }
    }
    normalize(out)
}

/// The organizer's local days (in `q.zone`) that already hold `max` meetings.
fn capped_days(q: &Query, max: u32, from: i64, to: i64) -> Vec<Span> {
    let mut out = Vec::new();
    for p in q.participants.iter().filter(|p| p.organizer) {
        let mut meetings: Vec<i64> = p
            .busy
            .iter()
            .filter(|b| b.looks_like_meeting())
            .map(|b| secs(b.start))
            .collect();
        meetings.sort_unstable();
        for date in local_dates(q.zone, from, to) {
            let (a, b) = day_span(q.zone, date);
            let lo = meetings.partition_point(|&t| t < a);
            let hi = meetings.partition_point(|&t| t < b);
            if (hi - lo) as u64 >= u64::from(max) {
                out.push((a, b));
            }
        }
    }
    normalize(out)
}

/// UTC offset of `zone` at `t`, in seconds.
fn offset_at(zone: Tz, t: i64) -> i64 {
    use chrono::Offset;
    i64::from(utc(t).with_timezone(&zone).offset().fix().local_minus_utc())
}

/// The first instant at or after `t` whose wall-clock time in `zone` is a multiple of `step`.
fn first_aligned(t: i64, step: i64, zone: Tz) -> i64 {
    let round_up = |off: i64| {
        let local = t + off;
        local + (step - local.rem_euclid(step)) % step - off
    };
    let off = offset_at(zone, t);
    let c = round_up(off);
    if offset_at(zone, c) == off {
        return c;
    }
    // The offset changed between t and c: align to the new one.
    let off2 = offset_at(zone, c);
    let c2 = round_up(off2);
    if c2 >= t && offset_at(zone, c2) == off2 {
        return c2.min(c);
    }
    c
}

/// Starts on step boundaries of `zone` such that `[start, start + d)` lies in a free span.
fn aligned_starts(free: &[Span], d: i64, step: i64, zone: Tz) -> Vec<i64> {
    let mut out = Vec::new();
    for &(a, b) in free {
        let mut s = first_aligned(a, step, zone);
        while s + d <= b {
            out.push(s);
            s = first_aligned(s + step, step, zone);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn alignment_follows_the_local_clock() {
        // Kolkata is UTC+05:30: local :00 and :30 are UTC :30 and :00.
        let t = Utc
            .with_ymd_and_hms(2026, 3, 9, 3, 40, 0)
            .unwrap()
            .timestamp();
        let hour = first_aligned(t, 3600, chrono_tz::Asia::Kolkata);
        assert_eq!(
            utc(hour),
            Utc.with_ymd_and_hms(2026, 3, 9, 4, 30, 0).unwrap()
        );
    }
    use chrono::TimeZone;
}
