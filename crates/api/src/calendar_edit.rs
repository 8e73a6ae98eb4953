//! Creating, editing, deleting and answering events. Every change is made to the event's
//! iCalendar resource with `switchboard_calendar::edit` (so properties we do not
//! understand survive), stored at once, and, for a server calendar, left pending for the
//! next sync to send with `If-Match` (a 412 becomes a conflict the user resolves here).
//! Invitations for CalDAV and local calendars go out as iMIP mail (METHOD:REQUEST /
//! CANCEL / REPLY) through the user's mail account; Google and Graph send their own.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, SecondsFormat, Utc};
use switchboard_calendar::{
    create_event, delete_event, itip_cancel, itip_reply, itip_request, set_partstat, update_event,
    DeleteOutcome, EditContext, EditError, EditScope as CalScope, EventPatch, EventTime,
};
use switchboard_calendar::{parse_ics, Alarm, AlarmTrigger, Attendee, ParsedEvent, Tz};
use switchboard_core::ErrorCode;
use switchboard_store::{CalendarRow, ResourceChange};
use switchboard_sync::calendar_store::events_from_ics;

use crate::calendar::reparse;
use crate::dto::{
    ConflictInfo, DeleteEventArgs, EditScope, EventAttendeeView, EventDetail, EventDraft,
    FieldChange, GetEventArgs, MeetingView, ResolveConflictArgs, RespondArgs, SaveEventResult,
};
use crate::{Api, ApiError, ApiResult};

/// A custom meeting link (e.g. a personal Zoom room) for `meeting_kind: custom`.
pub const MEETING_TEMPLATE_SETTING: &str = "calendar.meeting_link_template";
/// Where a custom link is kept in the event.
const X_MEETING_URL: &str = "X-SWITCHBOARD-MEETING-URL";
const X_GOOGLE_CONFERENCE: &str = "X-GOOGLE-CONFERENCE";
const X_GRAPH_PROVIDER: &str = "X-MS-GRAPH-ONLINE-MEETING-PROVIDER";

fn edit_error(e: EditError) -> ApiError {
    match e {
        EditError::NoSuchEvent(_) | EditError::NoSuchInstance(_) => {
            ApiError::not_found(e.to_string())
        }
        EditError::Invalid(_) => ApiError::invalid(e.to_string()),
    }
}

fn parse_instant(field: &str, value: &str) -> ApiResult<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(value.trim())
        .map_err(|e| ApiError::invalid(format!("{field} {value:?} is not an RFC 3339 time: {e}")))
}

fn parse_zone(name: &str) -> ApiResult<Tz> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| ApiError::invalid(format!("unknown time zone {name:?}")))
}

fn rfc3339_in(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn scope_of(scope: EditScope, rid: Option<&str>) -> ApiResult<CalScope> {
    let rid = rid
        .map(|r| parse_instant("recurrence_id", r).map(|t| t.with_timezone(&Utc)))
        .transpose()?;
    Ok(match (scope, rid) {
        (EditScope::All, _) => CalScope::All,
        (EditScope::This, Some(r)) => CalScope::This(r),
        (EditScope::Following, Some(r)) => CalScope::ThisAndFollowing(r),
        (_, None) => {
            return Err(ApiError::invalid(
                "editing one occurrence needs its recurrence_id",
            ))
        }
    })
}

/// A new event's UID: random, with our name so it is recognisable in other clients.
fn new_uid() -> String {
    format!(
        "{:016x}{:016x}@switchboard",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

/// Characters safe in a CalDAV resource name.
fn href_name(uid: &str) -> String {
    uid.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn alarms_from_minutes(minutes: &[i64]) -> Vec<Alarm> {
    minutes
        .iter()
        .map(|m| Alarm {
            action: "DISPLAY".into(),
            trigger: AlarmTrigger::Relative {
                seconds: -m.saturating_mul(60),
                from_end: false,
            },
            description: Some("Reminder".into()),
            summary: None,
            repeat: 0,
            repeat_interval_seconds: 0,
        })
        .collect()
}

fn minutes_of(alarms: &[Alarm]) -> Vec<i64> {
    alarms
        .iter()
        .filter_map(|a| match a.trigger {
            AlarmTrigger::Relative {
                seconds,
                from_end: false,
            } => Some(-seconds / 60),
            _ => None,
        })
        .collect()
}

/// The fields of one event that the conflict view compares.
fn fields(ev: &ParsedEvent) -> Vec<(&'static str, Option<String>)> {
    let time = |t: DateTime<Utc>| Some(t.to_rfc3339_opts(SecondsFormat::Secs, true));
    let mut people: Vec<String> = ev
        .attendees
        .iter()
        .map(|a| {
            format!(
                "{} ({})",
                a.email,
                a.partstat.as_deref().unwrap_or("NEEDS-ACTION")
            )
        })
        .collect();
    people.sort();
    vec![
        ("summary", ev.summary.clone()),
        ("start", time(ev.start)),
        ("end", time(ev.end)),
        ("location", ev.location.clone()),
        ("description", ev.description.clone()),
        ("repeat", ev.rrule.clone()),
        ("status", ev.status.clone()),
        ("attendees", (!people.is_empty()).then(|| people.join(", "))),
    ]
}

/// What differs between our text and the server's for `uid` (all fields of the master
/// and of each override, named `field` or `field (occurrence)`).
pub(crate) fn conflict_changes(ours: &str, theirs: &str, uid: &str) -> ConflictInfo {
    let ours_events = parse_ics(ours).events;
    let theirs_events = parse_ics(theirs).events;
    if theirs.trim().is_empty() {
        return ConflictInfo {
            message: "The event was deleted on the server while you changed it".into(),
            changes: Vec::new(),
        };
    }
    let mut changes = Vec::new();
    let mut rids: Vec<Option<DateTime<Utc>>> = ours_events
        .iter()
        .chain(&theirs_events)
        .filter(|e| e.uid == uid)
        .map(|e| e.recurrence_id)
        .collect();
    rids.sort();
    rids.dedup();
    for rid in rids {
        let pick = |list: &[ParsedEvent]| {
            list.iter()
                .find(|e| e.uid == uid && e.recurrence_id == rid)
                .map(fields)
        };
        let (a, b) = (pick(&ours_events), pick(&theirs_events));
        let suffix = rid
            .map(|r| format!(" ({})", r.to_rfc3339_opts(SecondsFormat::Secs, true)))
            .unwrap_or_default();
        let names = a.as_ref().or(b.as_ref()).cloned().unwrap_or_default();
        for (i, (name, _)) in names.iter().enumerate() {
            let ours_v = a.as_ref().and_then(|f| f[i].1.clone());
            let theirs_v = b.as_ref().and_then(|f| f[i].1.clone());
            if ours_v != theirs_v {
                changes.push(FieldChange {
                    field: format!("{name}{suffix}"),
                    ours: ours_v,
                    theirs: theirs_v,
                });
            }
        }
    }
    ConflictInfo {
        message: "The event changed on the server while you edited it".into(),
        changes,
    }
}

impl Api {
    async fn calendar_row(&self, calendar_id: i64) -> ApiResult<CalendarRow> {
        self.store
            .list_calendars()
            .await?
            .into_iter()
            .find(|c| c.id == calendar_id)
            .ok_or_else(|| ApiError::not_found(format!("no calendar {calendar_id}")))
    }

    /// The address that is "me" in this calendar: its account's, else the first
    /// account's that has one.
    async fn my_address_for(&self, cal: &CalendarRow) -> ApiResult<Option<String>> {
        let configs = self.store.account_configs(None).await?;
        Ok(configs
            .iter()
            .find(|a| a.id == cal.account_id)
            .and_then(|a| a.email.clone())
            .or_else(|| configs.iter().find_map(|a| a.email.clone()))
            .map(|e| e.to_lowercase()))
    }

    /// The resource holding `uid` (href, text). Events imported into a local calendar
    /// before resources existed get one made from their rows.
    async fn resource_text(&self, cal: &CalendarRow, uid: &str) -> ApiResult<(String, String)> {
        if let Some(r) = self.store.resource_for_uid(cal.id, uid).await? {
            return Ok((r.href, r.ics));
        }
        let rows = self.store.events_of_uid(cal.id, uid).await?;
        if rows.is_empty() {
            return Err(ApiError::not_found(format!(
                "no event {uid:?} in {}",
                cal.name
            )));
        }
        let mut zones = String::new();
        let mut events = String::new();
        for row in &rows {
            let raw = row.raw.trim();
            match raw.find("BEGIN:VEVENT") {
                Some(i) => {
                    if zones.is_empty() {
                        zones.push_str(&raw[..i]);
                    }
                    events.push_str(raw[i..].trim_end());
                }
                None => events.push_str(raw),
            }
            events.push_str("\r\n");
        }
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Switchboard//Calendar//EN\r\n{zones}{events}END:VCALENDAR\r\n"
        );
        Ok((format!("local:{}", href_name(uid)), ics))
    }

    fn new_href(cal: &CalendarRow, uid: &str) -> String {
        match (cal.account_kind.as_str(), &cal.remote_id) {
            ("caldav", Some(collection)) => {
                format!(
                    "{}/{}.ics",
                    collection.trim_end_matches('/'),
                    href_name(uid)
                )
            }
            _ => format!("local:{}", href_name(uid)),
        }
    }

    /// Stores a changed resource: for a server calendar pending for the next sync, for
    /// a local one settled at once. `None` deletes it.
    async fn store_resource_change(
        &self,
        cal: &CalendarRow,
        uid: &str,
        href: &str,
        ics: Option<&str>,
    ) -> ApiResult<()> {
        let now = self.now_ms();
        let events = ics.map(events_from_ics).unwrap_or_default();
        if cal.account_kind == "local" || cal.remote_id.is_none() {
            self.store.forget_unsourced_events(cal.id, uid).await?;
            let change = match ics {
                Some(ics) => ResourceChange::Upsert {
                    href: href.to_owned(),
                    etag: None,
                    ics: ics.to_owned(),
                    events,
                },
                None => ResourceChange::Delete {
                    href: href.to_owned(),
                },
            };
            self.store
                .apply_calendar_changes(cal.id, &[change], None, now)
                .await?;
        } else {
            let text = ics.unwrap_or_default();
            self.store
                .stage_local_resource(cal.id, href, text, &events, ics.is_none(), now)
                .await?;
        }
        Ok(())
    }

    /// One event (or one occurrence of a series) for the editor.
    pub async fn get_event(&self, args: GetEventArgs) -> ApiResult<EventDetail> {
        let cal = self.calendar_row(args.calendar_id).await?;
        let rows = self.store.events_of_uid(cal.id, &args.uid).await?;
        let rid = args
            .recurrence_id
            .as_deref()
            .map(|r| parse_instant("recurrence_id", r).map(|t| t.with_timezone(&Utc)))
            .transpose()?;
        let master = rows
            .iter()
            .find(|r| r.recurrence_id.is_empty())
            .or(rows.first())
            .ok_or_else(|| ApiError::not_found(format!("no event {:?}", args.uid)))?;
        let over = rid.and_then(|rid| {
            rows.iter()
                .find(|r| r.recurrence_id == rid.timestamp_millis().to_string())
        });
        let row = over.unwrap_or(master);
        let ev = reparse(row).ok_or_else(|| {
            ApiError::new(ErrorCode::Internal, "the stored event cannot be read again")
        })?;
        let zone = ev
            .tzid
            .as_deref()
            .and_then(|z| z.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC);
        // An occurrence without an override: the series' fields at the occurrence's time.
        let (start, end) = match (rid, over) {
            (Some(r), None) => (r, r + (ev.end - ev.start)),
            _ => (ev.start, ev.end),
        };
        let conflict = match self.store.resource_for_uid(cal.id, &args.uid).await? {
            Some(res) => res
                .conflict_ics
                .as_deref()
                .map(|theirs| conflict_changes(&res.ics, theirs, &args.uid)),
            None => None,
        };
        let mut attendees: Vec<EventAttendeeView> = ev
            .attendees
            .iter()
            .map(|a| EventAttendeeView {
                email: a.email.clone(),
                name: a.name.clone(),
                partstat: a.partstat.clone(),
                organizer: ev.organizer.as_ref().is_some_and(|o| o.email == a.email),
            })
            .collect();
        if let Some(org) = &ev.organizer {
            if !attendees
                .iter()
                .any(|a| a.email.eq_ignore_ascii_case(&org.email))
            {
                attendees.insert(
                    0,
                    EventAttendeeView {
                        email: org.email.clone(),
                        name: org.name.clone(),
                        partstat: org.partstat.clone(),
                        organizer: true,
                    },
                );
            }
        }
        let meeting_url = crate::calendar::meeting_url(&row.raw, ev.location.as_deref());
        let kind = if row.raw.contains(X_GOOGLE_CONFERENCE) {
            "google_meet"
        } else if row.raw.contains("teamsForBusiness") {
            "teams"
        } else if meeting_url.is_some() {
            "custom"
        } else {
            "none"
        };
        Ok(EventDetail {
            calendar_id: cal.id,
            uid: ev.uid.clone(),
            recurrence_id: rid.map(|r| r.to_rfc3339_opts(SecondsFormat::Secs, true)),
            summary: ev.summary.clone().unwrap_or_default(),
            location: ev.location.clone(),
            description: ev.description.clone(),
            start: rfc3339_in(start, zone),
            end: rfc3339_in(end, zone),
            all_day: ev.all_day,
            time_zone: zone.name().to_owned(),
            rrule: ev.rrule.clone(),
            attendees,
            reminders_minutes: minutes_of(&ev.alarms),
            meeting: MeetingView {
                kind: kind.into(),
                url: meeting_url,
            },
            recurring: master.recurring,
            read_only: cal.read_only,
            broken: ev.broken.clone(),
            conflict,
        })
    }

    /// The patch an editor draft stands for.
    async fn patch_from_draft(
        &self,
        cal: &CalendarRow,
        draft: &EventDraft,
        existing: Option<&ParsedEvent>,
    ) -> ApiResult<EventPatch> {
        let zone = parse_zone(&draft.time_zone)?;
        let start = parse_instant("start", &draft.start)?.with_timezone(&Utc);
        let end = parse_instant("end", &draft.end)?.with_timezone(&Utc);
        if end < start {
            return Err(ApiError::invalid("the event must end after it starts"));
        }
        let local = |t: DateTime<Utc>| -> NaiveDateTime { t.with_timezone(&zone).naive_local() };
        let time = if draft.all_day {
            let first = local(start).date();
            let mut last = local(end).date();
            if last <= first {
                last = first + Duration::days(1);
            }
            EventTime::AllDay {
                start: first,
                end: last,
            }
        } else {
            EventTime::Timed {
                start: local(start),
                end: local(end),
                tzid: Some(zone.name().to_owned()),
            }
        };
        let opt = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        let me = self.my_address_for(cal).await?;
        let mut attendees: Vec<Attendee> = Vec::new();
        for email in draft.attendees.iter().map(|e| e.trim().to_lowercase()) {
            if email.is_empty() || attendees.iter().any(|a| a.email == email) {
                continue;
            }
            if !email.contains('@') || email.contains(char::is_whitespace) {
                return Err(ApiError::invalid(format!(
                    "{email:?} is not an email address"
                )));
            }
            let known = existing.and_then(|e| {
                e.attendees
                    .iter()
                    .find(|a| a.email.eq_ignore_ascii_case(&email))
            });
            attendees.push(known.cloned().unwrap_or(Attendee {
                email: email.clone(),
                name: None,
                partstat: Some(if me.as_deref() == Some(email.as_str()) {
                    "ACCEPTED".into()
                } else {
                    "NEEDS-ACTION".into()
                }),
            }));
        }
        let organizer = match (existing.and_then(|e| e.organizer.clone()), &me) {
            (Some(o), _) => Some(Some(o)),
            (None, Some(me)) if !attendees.is_empty() => Some(Some(Attendee {
                email: me.clone(),
                name: None,
                partstat: None,
            })),
            _ => None,
        };
        let mut x_props = Vec::new();
        let mut url = None;
        match draft.meeting_kind.as_str() {
            "google_meet" => {
                if crate::calendar_accounts::calendar_kind(&cal.account_kind) != "gcal" {
                    return Err(ApiError::invalid(
                        "Google Meet links need a Google calendar",
                    ));
                }
                if !existing.is_some_and(|e| e.raw.contains(X_GOOGLE_CONFERENCE)) {
                    x_props.push((X_GOOGLE_CONFERENCE.into(), Some("REQUEST".into())));
                }
            }
            "teams" => {
                if crate::calendar_accounts::calendar_kind(&cal.account_kind) != "graphcal" {
                    return Err(ApiError::invalid(
                        "Teams meetings need a Microsoft 365 calendar",
                    ));
                }
                x_props.push((X_GRAPH_PROVIDER.into(), Some("teamsForBusiness".into())));
            }
            "custom" => {
                let template = self
                    .store
                    .setting(MEETING_TEMPLATE_SETTING)
                    .await?
                    .filter(|t| t.trim().starts_with("https://"))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "set your meeting link (an https:// address) in Settings first",
                        )
                    })?;
                x_props.push((X_MEETING_URL.into(), Some(template.trim().to_owned())));
                url = Some(Some(template.trim().to_owned()));
            }
            "none" | "" => {}
            other => return Err(ApiError::invalid(format!("unknown meeting kind {other:?}"))),
        }
        Ok(EventPatch {
            summary: Some(opt(&Some(draft.summary.clone()))),
            location: Some(opt(&draft.location)),
            description: Some(opt(&draft.description)),
            time: Some(time),
            rrule: match draft.scope {
                EditScope::This => None,
                _ => Some(opt(&draft.rrule)),
            },
            status: None,
            url,
            organizer,
            attendees: Some(attendees),
            alarms: Some(alarms_from_minutes(&draft.reminders_minutes)),
            x_props,
        })
    }

    /// Creates or changes an event from the editor (or a drag). Stored at once; a
    /// server calendar's copy follows on the next sync.
    pub async fn save_event(&self, draft: EventDraft) -> ApiResult<SaveEventResult> {
        let cal = self.calendar_row(draft.calendar_id).await?;
        if cal.read_only {
            return Err(ApiError::invalid(format!("{} is read-only", cal.name)));
        }
        let now = self.clock.now();
        let zone = parse_zone(&draft.time_zone)?;
        let ctx = EditContext {
            now,
            floating_zone: zone,
        };
        let (uid, resource) = match &draft.uid {
            None => {
                let uid = new_uid();
                let patch = self.patch_from_draft(&cal, &draft, None).await?;
                let ics = create_event(&uid, &patch, now).map_err(edit_error)?;
                let href = Self::new_href(&cal, &uid);
                self.store_resource_change(&cal, &uid, &href, Some(&ics))
                    .await?;
                (uid, ics)
            }
            Some(uid) => {
                let (href, ics) = self.resource_text(&cal, uid).await?;
                let existing = parse_ics(&ics)
                    .events
                    .into_iter()
                    .find(|e| &e.uid == uid && e.recurrence_id.is_none());
                let patch = self
                    .patch_from_draft(&cal, &draft, existing.as_ref())
                    .await?;
                let scope = scope_of(draft.scope, draft.recurrence_id.as_deref())?;
                let outcome = update_event(&ics, uid, scope, &patch, &ctx).map_err(edit_error)?;
                self.store_resource_change(&cal, uid, &href, Some(&outcome.ics))
                    .await?;
                if let Some(split) = &outcome.split_off {
                    let new_href = Self::new_href(&cal, &split.uid);
                    self.store_resource_change(&cal, &split.uid, &new_href, Some(&split.ics))
                        .await?;
                }
                (uid.clone(), outcome.ics)
            }
        };
        if matches!(cal.account_kind.as_str(), "caldav" | "local") {
            self.send_itip(&cal, &uid, &resource, "REQUEST").await?;
        }
        Ok(SaveEventResult {
            uid,
            conflict: None,
        })
    }

    /// Deletes an event or some of its occurrences.
    pub async fn delete_event(&self, args: DeleteEventArgs) -> ApiResult<()> {
        let cal = self.calendar_row(args.calendar_id).await?;
        if cal.read_only {
            return Err(ApiError::invalid(format!("{} is read-only", cal.name)));
        }
        let (href, ics) = self.resource_text(&cal, &args.uid).await?;
        let scope = scope_of(args.scope, args.recurrence_id.as_deref())?;
        let ctx = EditContext {
            now: self.clock.now(),
            floating_zone: Tz::UTC,
        };
        let outcome = delete_event(&ics, &args.uid, scope, &ctx).map_err(edit_error)?;
        if matches!(cal.account_kind.as_str(), "caldav" | "local") && scope == CalScope::All {
            self.send_itip(&cal, &args.uid, &ics, "CANCEL").await?;
        }
        match outcome {
            DeleteOutcome::Updated(text) => {
                self.store_resource_change(&cal, &args.uid, &href, Some(&text))
                    .await
            }
            DeleteOutcome::DeleteResource => {
                self.store_resource_change(&cal, &args.uid, &href, None)
                    .await
            }
        }
    }

    /// Settles a conflict the server reported: keep theirs (ours is dropped) or send ours
    /// again over theirs.
    pub async fn resolve_conflict(&self, args: ResolveConflictArgs) -> ApiResult<()> {
        let cal = self.calendar_row(args.calendar_id).await?;
        let res = self
            .store
            .resource_for_uid(cal.id, &args.uid)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no event {:?}", args.uid)))?;
        let theirs = res.conflict_ics.clone().unwrap_or_default();
        let keep_mine = match args.keep.as_str() {
            "mine" => true,
            "theirs" => false,
            other => return Err(ApiError::invalid(format!("keep {other:?}: mine or theirs"))),
        };
        if !keep_mine && theirs.trim().is_empty() {
            // Deleted on the server: theirs is "gone".
            return Ok(self
                .store
                .settle_resource(cal.id, &res.href, None, self.now_ms())
                .await?);
        }
        let events = events_from_ics(&theirs);
        self.store
            .resolve_resource_conflict(cal.id, &res.href, keep_mine, &events, self.now_ms())
            .await?;
        Ok(())
    }

    /// My answer to an event I am invited to: PARTSTAT set in the event (sent to the
    /// server by the next sync) and, for CalDAV and local calendars, an iMIP REPLY to the
    /// organizer.
    pub async fn respond_to_event(&self, args: RespondArgs) -> ApiResult<()> {
        let partstat = args.partstat.trim().to_ascii_uppercase();
        if !matches!(partstat.as_str(), "ACCEPTED" | "DECLINED" | "TENTATIVE") {
            return Err(ApiError::invalid(format!(
                "{partstat:?}: ACCEPTED, DECLINED or TENTATIVE"
            )));
        }
        let cal = self.calendar_row(args.calendar_id).await?;
        let me = self
            .my_address_for(&cal)
            .await?
            .ok_or_else(|| ApiError::invalid("add a mail account to answer invitations"))?;
        let (href, ics) = self.resource_text(&cal, &args.uid).await?;
        let text =
            set_partstat(&ics, &args.uid, &me, &partstat, self.clock.now()).map_err(edit_error)?;
        self.store_resource_change(&cal, &args.uid, &href, Some(&text))
            .await?;
        if matches!(cal.account_kind.as_str(), "caldav" | "local") {
            self.send_reply(&text, &args.uid, &me, &partstat).await?;
        }
        Ok(())
    }

    /// Mails an iMIP REQUEST or CANCEL for `uid` to its attendees (not me) when I organise it.
    async fn send_itip(
        &self,
        cal: &CalendarRow,
        uid: &str,
        ics: &str,
        method: &str,
    ) -> ApiResult<()> {
        let Some(me) = self.my_address_for(cal).await? else {
            return Ok(());
        };
        let Some(ev) = parse_ics(ics)
            .events
            .into_iter()
            .find(|e| e.uid == uid && e.recurrence_id.is_none())
        else {
            return Ok(());
        };
        if !ev
            .organizer
            .as_ref()
            .is_some_and(|o| o.email.eq_ignore_ascii_case(&me))
        {
            return Ok(());
        }
        let to: Vec<String> = ev
            .attendees
            .iter()
            .map(|a| a.email.to_lowercase())
            .filter(|e| *e != me && e.contains('@'))
            .collect();
        if to.is_empty() {
            return Ok(());
        }
        let ctx = EditContext {
            now: self.clock.now(),
            floating_zone: Tz::UTC,
        };
        let body = match method {
            "CANCEL" => itip_cancel(ics, uid, None, &ctx),
            _ => itip_request(ics, uid, ctx.now),
        }
        .map_err(edit_error)?;
        let zone = ev
            .tzid
            .as_deref()
            .and_then(|z| z.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC);
        let when = ev
            .start
            .with_timezone(&zone)
            .format("%a %-d %b %Y %H:%M %Z");
        let summary = ev.summary.clone().unwrap_or_else(|| "(no title)".into());
        let (subject, text) = if method == "CANCEL" {
            (
                format!("Cancelled: {summary} @ {when}"),
                format!("{me} cancelled {summary} ({when})."),
            )
        } else {
            (
                format!("Invitation: {summary} @ {when}"),
                format!(
                    "{me} invites you to {summary}.\n\nWhen: {when}{}\n",
                    ev.location
                        .as_deref()
                        .map(|l| format!("\nWhere: {l}"))
                        .unwrap_or_default()
                ),
            )
        };
        self.queue_calendar_mail(&me, &to, &subject, &text, method, &body)
            .await
    }

    /// Mails an iMIP REPLY with my PARTSTAT to the organizer.
    async fn send_reply(&self, ics: &str, uid: &str, me: &str, partstat: &str) -> ApiResult<()> {
        let Some(ev) = parse_ics(ics)
            .events
            .into_iter()
            .find(|e| e.uid == uid && e.recurrence_id.is_none())
        else {
            return Ok(());
        };
        let Some(org) = ev
            .organizer
            .as_ref()
            .filter(|o| !o.email.eq_ignore_ascii_case(me))
        else {
            return Ok(());
        };
        let ctx = EditContext {
            now: self.clock.now(),
            floating_zone: Tz::UTC,
        };
        let reply = itip_reply(ics, uid, me, partstat, None, &ctx).map_err(edit_error)?;
        let word = match partstat {
            "ACCEPTED" => "Accepted",
            "DECLINED" => "Declined",
            _ => "Tentative",
        };
        let summary = ev.summary.clone().unwrap_or_default();
        self.queue_calendar_mail(
            me,
            std::slice::from_ref(&org.email),
            &format!("{word}: {summary}"),
            &format!(
                "{me} has {} the invitation to {summary}.",
                word.to_lowercase()
            ),
            "REPLY",
            &reply,
        )
        .await
    }
}
