//! `switchboard-cli calendar ...`: calendar files from the command line. `expand` needs no
//! workspace: it reads an .ics file and prints its instances in a window.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, LocalResult, NaiveDate, SecondsFormat, TimeZone, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use switchboard_calendar::{expand_in, override_of, parse_ics, Instance, ParsedEvent, Tz};

#[derive(Subcommand)]
pub(crate) enum CalendarCommand {
    /// Print every instance of the events in an .ics file inside a window, sorted by
    /// start, with times in --tz (floating and all-day times are placed there too).
    Expand(ExpandArgs),
    /// One sync pass over every calendar account (or --account): local edits are sent,
    /// then the servers' changes stored. Exit 1 if any account failed.
    Sync {
        #[arg(long)]
        account: Option<String>,
        /// A JSON array with one summary per account.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub(crate) struct ExpandArgs {
    /// The iCalendar file.
    file: PathBuf,
    /// Window start: YYYY-MM-DD (local midnight in --tz) or an RFC 3339 timestamp.
    #[arg(long)]
    from: String,
    /// Window end, exclusive; same forms as --from.
    #[arg(long)]
    to: String,
    /// IANA zone the times are shown in (America/New_York).
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// One JSON object per line per instance.
    #[arg(long)]
    json: bool,
}

/// One printed instance. Fields are only ever added.
#[derive(Serialize)]
struct Row<'a> {
    uid: &'a str,
    summary: Option<&'a str>,
    start: String,
    end: String,
    all_day: bool,
    /// The occurrence's original start, for instances of recurring events.
    recurrence_id: Option<String>,
    overridden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    broken: Option<&'a str>,
}

/// Runs `calendar expand`; the error is the message for stderr.
pub(crate) fn expand(args: &ExpandArgs) -> Result<(), String> {
    let tz: Tz = args.tz.trim().parse().map_err(|_| {
        format!(
            "unknown time zone {:?} (use an IANA name such as America/New_York)",
            args.tz
        )
    })?;
    let from = window_bound(&args.from, tz, "--from")?;
    let to = window_bound(&args.to, tz, "--to")?;
    if to <= from {
        return Err("--to must be after --from".to_string());
    }
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let parsed = parse_ics(&text);
    for p in &parsed.problems {
        eprintln!("{}: {}: {}", args.file.display(), p.position, p.reason);
    }

    let shown = |t: DateTime<Utc>| {
        t.with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    };
    // Each UID's overrides, and which UIDs have a master, looked up once.
    let mut overrides: HashMap<&str, Vec<ParsedEvent>> = HashMap::new();
    let mut masters: HashSet<&str> = HashSet::new();
    for e in &parsed.events {
        if e.recurrence_id.is_some() {
            overrides.entry(e.uid.as_str()).or_default().push(e.clone());
        } else {
            masters.insert(e.uid.as_str());
        }
    }
    // Instances are kept as instants (formatted only when written) to stay small.
    let mut found: Vec<Found<'_>> = Vec::new();
    for event in &parsed.events {
        let is_override = event.recurrence_id.is_some();
        let has_master = masters.contains(event.uid.as_str());
        let own = overrides
            .get(event.uid.as_str())
            .map_or(&[][..], Vec::as_slice);
        if is_override && has_master {
            continue; // expanded with its master
        }
        if let Some(reason) = event.broken.as_deref() {
            if !has_times(event) {
                eprintln!("{}: skipped {:?}: {reason}", args.file.display(), event.uid);
                continue;
            }
            eprintln!(
                "{}: {:?} is damaged: {reason}",
                args.file.display(),
                event.uid
            );
        }
        let recurring = event.rrule.is_some() || !event.rdates.is_empty() || is_override;
        for instance in expand_in(event, own, from, to, tz) {
            let source = if is_override {
                event
            } else {
                override_of(event, own, &instance, tz).unwrap_or(event)
            };
            found.push(Found {
                instance,
                event,
                source,
                recurring,
            });
        }
    }
    found.sort_by(|a, b| (a.instance.start, &a.event.uid).cmp(&(b.instance.start, &b.event.uid)));
    let rows = found.iter().map(|f| {
        let (event, source) = (f.event, f.source);
        Row {
            uid: &event.uid,
            summary: source.summary.as_deref().or(event.summary.as_deref()),
            start: shown(f.instance.start),
            end: shown(f.instance.end),
            all_day: source.all_day,
            recurrence_id: f.recurring.then(|| shown(f.instance.recurrence_id)),
            overridden: f.instance.overridden,
            broken: source.broken.as_deref(),
        }
    });

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let write_err = |e: std::io::Error| format!("cannot write output: {e}");
    if args.json {
        for row in rows {
            let line = serde_json::to_string(&row).map_err(|e| e.to_string())?;
            writeln!(out, "{line}").map_err(write_err)?;
        }
    } else {
        let mut count = 0usize;
        for row in rows {
            count += 1;
            let mut flags = Vec::new();
            if row.all_day {
                flags.push("all day");
            }
            if row.overridden {
                flags.push("moved/changed");
            }
            if row.broken.is_some() {
                flags.push("damaged");
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            };
            writeln!(
                out,
                "{}  {}  {}{flags}",
                row.start,
                row.end,
                row.summary.unwrap_or("(no title)")
            )
            .map_err(write_err)?;
        }
        writeln!(out, "{count} instances").map_err(write_err)?;
    }
    out.flush().map_err(write_err)
}

/// One instance found, before formatting.
struct Found<'a> {
    instance: Instance,
    event: &'a ParsedEvent,
    /// The override that supplied the instance, else the event itself.
    source: &'a ParsedEvent,
    recurring: bool,
}

/// Whether a damaged event still has a DTSTART to place it.
fn has_times(event: &ParsedEvent) -> bool {
    let reason = event.broken.as_deref().unwrap_or("");
    !(reason.contains("missing DTSTART") || reason.contains("unparseable DTSTART"))
}

/// `YYYY-MM-DD` as local midnight in `tz`, or an RFC 3339 timestamp.
fn window_bound(value: &str, tz: Tz, flag: &str) -> Result<DateTime<Utc>, String> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{flag} {value:?} is neither YYYY-MM-DD nor an RFC 3339 timestamp"))?;
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        // Midnight skipped by a DST change: the day starts when the clock resumes.
        LocalResult::None => (1..=180)
            .find_map(|m| {
                tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("{flag} {value:?} has no midnight in {tz}")),
    }
}
