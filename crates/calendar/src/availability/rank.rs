//! Ranking: every candidate start gets 100 points minus a penalty per soft preference it
//! breaks, minus one point per local day (organizer's zone) after the first candidate's,
//! so a clean slot a few days later beats a crowded one today but not one weeks away.
//! Checks are binary searches in each person's sorted spans, computed once per query.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::hours::utc;
use super::intervals::{contains, normalize, overlaps, Span};
use super::{BusyKind, Query, Slot};

/// A soft preference a slot breaks, with its penalty in points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// An optional person is busy then (-40).
    OptionalBusy { who: String },
    /// An optional person has a tentative event then (-20).
    OptionalTentative { who: String },
    /// Outside an optional person's working hours (-25).
    OptionalOutsideHours { who: String },
    /// A required person has a tentative event then (-30; only when tentative does not block).
    Tentative { who: String },
    /// Inside working hours but outside someone's core hours (-10).
    OutsideCoreHours { who: String },
    /// Right before or after another of this person's meetings (-10).
    BackToBack { who: String },
    /// Makes a run of back-to-back meetings this many minutes long, over the limit (-25).
    LongRun { who: String, minutes: i64 },
}

impl Reason {
    pub fn penalty(&self) -> i32 {
        match self {
            Self::OptionalBusy { .. } => 40,
            Self::OptionalTentative { .. } => 20,
            Self::OptionalOutsideHours { .. } => 25,
            Self::Tentative { .. } => 30,
            Self::OutsideCoreHours { .. } => 10,
            Self::BackToBack { .. } => 10,
            Self::LongRun { .. } => 25,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OptionalBusy { who } => write!(f, "{who} (optional) is busy"),
            Self::OptionalTentative { who } => write!(f, "{who} (optional) is tentatively busy"),
            Self::OptionalOutsideHours { who } => {
                write!(f, "outside {who}'s working hours (optional)")
            }
            Self::Tentative { who } => write!(f, "{who} is tentatively busy"),
            Self::OutsideCoreHours { who } => write!(f, "outside {who}'s core hours"),
            Self::BackToBack { who } => write!(f, "back to back with another of {who}'s meetings"),
            Self::LongRun { who, minutes } => write!(
                f,
                "{who} would have {}h{:02} of meetings in a row",
                minutes / 60,
                minutes % 60
            ),
        }
    }
}

/// What is known about one person for scoring.
struct Person<'a> {
    name: &'a str,
    required: bool,
    work: Vec<Span>,
    core: Option<Vec<Span>>,
    busy: Vec<Span>,
    tentative: Vec<Span>,
    /// Meetings merged into runs where gaps are shorter than the back-to-back gap.
    runs: Vec<Span>,
}

fn spans_of(p: &super::Participant, kind: Option<BusyKind>) -> Vec<Span> {
    normalize(
        p.busy
            .iter()
            .filter(|b| kind.is_none_or(|k| b.kind == k))
            .map(|b| (b.start.timestamp(), b.end.timestamp()))
            .collect(),
    )
}

fn runs(meetings: &[Span], gap: i64) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for &m in meetings {
        match out.last_mut() {
            Some(last) if m.0 - last.1 < gap => last.1 = last.1.max(m.1),
            _ => out.push(m),
        }
    }
    out
}

pub(crate) fn score(q: &Query, starts: &[i64], from: i64, to: i64) -> Vec<Slot> {
    let d = q.duration.num_seconds();
    let gap = q.ranking.back_to_back_gap.num_seconds();
    let max_run = q.ranking.max_consecutive.num_seconds();
    let none = BTreeSet::new();
    // Hours a little beyond the window, so a slot at its edge is judged like any other.
    let (wide_from, wide_to) = (from - 86_400, to + 86_400);
    let people: Vec<Person> = q
        .participants
        .iter()
        .map(|p| {
            let busy = spans_of(p, Some(BusyKind::Busy));
            let tentative = spans_of(p, Some(BusyKind::Tentative));
            let meetings: Vec<Span> = spans_of(p, None);
            Person {
                name: &p.name,
                required: p.is_required(),
                work: p.hours.spans(&p.holidays, wide_from, wide_to),
                core: p.hours.core_spans(&none, wide_from, wide_to),
                busy,
                tentative,
                runs: runs(&meetings, gap),
            }
        })
        .collect();

    // Lateness counts local days of the organizer's zone, not 24-hour chunks.
    let local_day = |t: i64| utc(t).with_timezone(&q.zone).date_naive();
    let first_day = local_day(starts.first().copied().unwrap_or(from));
    let mut out: Vec<Slot> = starts
        .iter()
        .map(|&s| {
            let e = s + d;
            let mut reasons = Vec::new();
            for p in &people {
                let who = || p.name.to_string();
                let busy_then = !p.required && overlaps(&p.busy, s, e);
                if busy_then {
                    reasons.push(Reason::OptionalBusy { who: who() });
                } else if overlaps(&p.tentative, s, e) {
                    reasons.push(if p.required {
                        Reason::Tentative { who: who() }
                    } else {
                        Reason::OptionalTentative { who: who() }
                    });
                }
                let working = contains(&p.work, s, e);
                if !p.required && !working {
                    reasons.push(Reason::OptionalOutsideHours { who: who() });
                } else if let Some(core) = &p.core {
                    if !contains(core, s, e) {
                        reasons.push(Reason::OutsideCoreHours { who: who() });
                    }
                }
                // An optional person's crowded day matters only when they would attend.
                // A slot on top of one of their meetings (an allowed tentative) is judged
                // by that overlap, not as back to back.
                let on_a_meeting = overlaps(&p.runs, s, e);
                if !busy_then && !on_a_meeting && (p.required || working) {
                    back_to_back(p, s, e, gap, max_run, &mut reasons);
                }
            }
            let penalty: i32 = reasons.iter().map(Reason::penalty).sum();
            let late_days =
                i32::try_from((local_day(s) - first_day).num_days()).unwrap_or(i32::MAX / 2);
            Slot {
                start: utc(s),
                end: utc(e),
                score: 100 - penalty - late_days,
                reasons,
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.start.cmp(&b.start)));
    out
}

/// Adds back-to-back / long-run reasons for a meeting at `[s, e)` in `p`'s day.
fn back_to_back(p: &Person, s: i64, e: i64, gap: i64, max_run: i64, reasons: &mut Vec<Reason>) {
    let idx = p.runs.partition_point(|r| r.0 < s);
    let before = idx
        .checked_sub(1)
        .and_then(|i| p.runs.get(i))
        .filter(|r| r.1 > s - gap);
    let after = p.runs.get(idx).filter(|r| r.0 < e + gap);
    if before.is_none() && after.is_none() {
        return;
    }
    reasons.push(Reason::BackToBack {
        who: p.name.to_string(),
    });
    let run_start = before.map_or(s, |r| r.0.min(s));
    let run_end = after.map_or(e, |r| r.1.max(e));
    if run_end - run_start > max_run {
        reasons.push(Reason::LongRun {
            who: p.name.to_string(),
            minutes: (run_end - run_start) / 60,
        });
    }
}
