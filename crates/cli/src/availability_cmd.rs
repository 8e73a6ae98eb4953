//! `switchboard-cli availability`: free meeting times from the workspace's calendars.

use std::path::PathBuf;

use switchboard_api::availability::{AttendeeSpec, AvailabilityRequest};
use switchboard_api::Api;
use switchboard_core::ErrorCode;

use crate::say;

#[derive(clap::Args)]
pub struct AvailabilityArgs {
    /// A calendar (by name) whose events make you busy; repeat for several
    /// (default: every visible calendar).
    #[arg(long = "calendar", value_name = "NAME")]
    calendars: Vec<String>,
    /// Meeting length: 30m, 1h, 1h30m.
    #[arg(long)]
    duration: String,
    /// First day (YYYY-MM-DD, midnight in --tz) or an RFC 3339 time.
    #[arg(long)]
    from: String,
    /// End of the window (exclusive), same forms as --from.
    #[arg(long)]
    to: String,
    /// Your IANA zone: dates, working hours and slot boundaries are in it.
    #[arg(long)]
    tz: String,
    /// Your working hours: "09:00-17:00" (Mon-Fri) or "Mon-Fri 09:00-12:00,13:00-17:30";
    /// repeat to add days (default: the workspace setting, else Mon-Fri 09:00-17:00).
    #[arg(long = "working-hours", value_name = "SPEC")]
    working_hours: Vec<String>,
    /// Slots start on multiples of this in --tz.
    #[arg(long, default_value = "15m")]
    step: String,
    /// Free time kept before and after every slot.
    #[arg(long, default_value = "0m")]
    buffer: String,
    /// No slot sooner than this after now.
    #[arg(long = "min-notice", default_value = "0m")]
    min_notice: String,
    /// Skip days that already hold this many of your meetings (events of 4 h or less).
    #[arg(long = "max-per-day")]
    max_per_day: Option<u32>,
    /// A holiday calendar (.ics): its days are days off.
    #[arg(long, value_name = "FILE.ics")]
    holidays: Option<PathBuf>,
    /// A required attendee, EMAIL=ZONE (busy from the workspace's events they attend;
    /// Mon-Fri 09:00-17:00 in their zone). Repeatable.
    #[arg(long = "attendee", value_name = "EMAIL=ZONE")]
    attendees: Vec<String>,
    /// An optional attendee, EMAIL=ZONE: only lowers the score of slots bad for them.
    #[arg(long = "optional", value_name = "EMAIL=ZONE")]
    optional: Vec<String>,
    /// At most this many slots, best first.
    #[arg(long)]
    limit: Option<usize>,
    /// Pretend it is this time (RFC 3339); default the clock.
    #[arg(long)]
    now: Option<String>,
    /// One JSON object per slot per line, best first: {start, end, score, reasons}
    /// (times in RFC 3339 with --tz's offset).
    #[arg(long)]
    json: bool,
}

fn invalid(message: String) -> (ErrorCode, String) {
    (ErrorCode::InvalidInput, message)
}

/// `30m`, `1h`, `1h30m`, `2d`, `0` as minutes.
pub fn parse_minutes(text: &str) -> Result<i64, String> {
    let bad = || format!("'{text}' is not a duration like 30m, 1h or 1h30m");
    let t = text.trim();
    if t == "0" {
        return Ok(0);
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut any = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let unit = match c {
            'm' => 1,
            'h' => 60,
            'd' => 1440,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= 400 * 1440)
            .ok_or_else(bad)?;
        any = true;
    }
    if !number.is_empty() || !any {
        return Err(bad());
    }
    Ok(total)
}

fn attendee(spec: &str, required: bool) -> Result<AttendeeSpec, String> {
    let (email, zone) = spec
        .split_once('=')
        .filter(|(e, z)| e.contains('@') && !z.is_empty())
        .ok_or_else(|| {
            format!("'{spec}' is not EMAIL=ZONE (e.g. ana@example.com=Europe/Berlin)")
        })?;
    Ok(AttendeeSpec {
        email: email.trim().to_string(),
        time_zone: zone.trim().to_string(),
        working_hours: Vec::new(),
        required,
    })
}

pub async fn run(api: &Api, args: AvailabilityArgs) -> Result<(), (ErrorCode, String)> {
    let holidays_ics = match &args.holidays {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let mut attendees = Vec::new();
    for a in &args.attendees {
        attendees.push(attendee(a, true).map_err(invalid)?);
    }
    for a in &args.optional {
        attendees.push(attendee(a, false).map_err(invalid)?);
    }
    let req = AvailabilityRequest {
        calendars: args.calendars,
        from: args.from,
        to: args.to,
        duration_minutes: parse_minutes(&args.duration).map_err(invalid)?,
        step_minutes: parse_minutes(&args.step).map_err(invalid)?,
        time_zone: args.tz,
        working_hours: args.working_hours,
        buffer_minutes: parse_minutes(&args.buffer).map_err(invalid)?,
        min_notice_minutes: parse_minutes(&args.min_notice).map_err(invalid)?,
        max_per_day: args.max_per_day,
        holidays_ics,
        attendees,
        limit: args.limit,
        now: args.now,
    };
    let answer = api
        .find_availability(&req)
        .await
        .map_err(|e| (e.code, e.message))?;
    for s in &answer.slots {
        if args.json {
            let line = serde_json::json!({
                "start": s.start_local,
                "end": s.end_local,
                "score": s.score,
                "reasons": s.reasons,
            });
            say!("{line}");
        } else if s.reasons.is_empty() {
            say!("{} - {}  {:>4}", s.start_local, s.end_local, s.score);
        } else {
            say!(
                "{} - {}  {:>4}  ({})",
                s.start_local,
                s.end_local,
                s.score,
                s.reasons.join("; ")
            );
        }
    }
    if answer.slots.is_empty() {
        eprintln!("no free slot:");
        for o in &answer.obstacles {
            eprintln!("  {o}");
        }
    } else if !args.json {
        eprintln!(
            "{} of {} possible slots, best first",
            answer.slots.len(),
            answer.candidates
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_minutes;

    #[test]
    fn durations() {
        assert_eq!(parse_minutes("30m"), Ok(30));
        assert_eq!(parse_minutes("1h30m"), Ok(90));
        assert_eq!(parse_minutes("2d"), Ok(2880));
        assert_eq!(parse_minutes("0"), Ok(0));
        for bad in ["", "30", "m", "1x", "-5m", "99999999999999h"] {
            assert!(parse_minutes(bad).is_err(), "{bad}");
        }
    }
}
