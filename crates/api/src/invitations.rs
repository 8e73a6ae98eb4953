//! iMIP (RFC 6047): invitations, cancellations and replies as mail with a
//! `text/calendar; method=...` part. Outgoing ones are queued in the outbox like any
//! message; an incoming invitation in the inbox is read from its text/calendar part and
//! answered from there (the event lands in a calendar with my PARTSTAT, and the organizer
//! gets a REPLY).

use switchboard_calendar::{parse_ics, ParsedEvent};
use switchboard_mail::compose::{CalendarPart, Draft, Mailbox};
use switchboard_mail::{attachment_content, parse_message};
use switchboard_store::CalendarRow;

use crate::dto::{InvitationView, RespondArgs, RespondInvitationArgs};
use crate::{Api, ApiError, ApiResult};

/// Seconds an outgoing calendar message waits in the outbox (the shortest undo window).
const CALENDAR_MAIL_DELAY_SECS: u32 = 5;

/// `ics` without its VCALENDAR-level METHOD (a stored event is not a message).
fn without_method(ics: &str) -> String {
    let mut depth = 0;
    let mut out = String::with_capacity(ics.len());
    for line in ics.split_inclusive('\n') {
        let upper = line.trim_end().to_ascii_uppercase();
        if upper.starts_with("BEGIN:") {
            depth += 1;
        } else if upper.starts_with("END:") {
            depth -= 1;
        } else if depth == 1 && upper.starts_with("METHOD:") {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// The calendar text of a message: its first text/calendar (or application/ics) part.
fn calendar_text(raw: &[u8]) -> Option<String> {
    let parsed = parse_message(raw);
    let index = parsed.attachments.iter().position(|a| {
        let t = a.mime_type.to_ascii_lowercase();
        t.starts_with("text/calendar") || t.starts_with("application/ics")
    })?;
    let content = attachment_content(raw, index)?;
    Some(String::from_utf8_lossy(&content.bytes).into_owned())
}

fn method_of(ics: &str) -> String {
    ics.lines()
        .find_map(|l| l.trim().strip_prefix("METHOD:"))
        .map(|m| m.trim().to_ascii_uppercase())
        .unwrap_or_else(|| "PUBLISH".into())
}

impl Api {
    /// Queues a message with an iMIP part from the account that has address `from`
    /// (else the first account that can send).
    pub(crate) async fn queue_calendar_mail(
        &self,
        from: &str,
        to: &[String],
        subject: &str,
        body: &str,
        method: &str,
        ics: &str,
    ) -> ApiResult<()> {
        let accounts = self.sending_accounts().await?;
        let Some((row, config)) = accounts
            .iter()
            .find(|(_, c)| c.email().eq_ignore_ascii_case(from))
            .or(accounts.first())
        else {
            tracing::warn!("no mail account can send the calendar message; not sent");
            return Ok(());
        };
        let mut draft = Draft::new(Mailbox::new(config.email().trim()));
        draft.to = to.iter().map(|t| Mailbox::new(t.as_str())).collect();
        draft.subject = subject.to_owned();
        draft.text = body.to_owned();
        draft.calendar = Some(CalendarPart {
            method: method.to_owned(),
            ics: ics.to_owned(),
        });
        self.outbox()
            .queue_send(row.id, &draft, None, CALENDAR_MAIL_DELAY_SECS)
            .await?;
        Ok(())
    }

    async fn find_event(&self, uid: &str) -> ApiResult<Option<CalendarRow>> {
        for cal in self.store.list_calendars().await? {
            if !self.store.events_of_uid(cal.id, uid).await?.is_empty() {
                return Ok(Some(cal));
            }
        }
        Ok(None)
    }

    /// The invitation (or cancellation, or answer) a message carries, if any.
    pub async fn invitation_of_message(
        &self,
        message_id: i64,
    ) -> ApiResult<Option<InvitationView>> {
        let Some(raw) = self.store.message_raw(message_id).await? else {
            return Ok(None);
        };
        let Some(ics) = calendar_text(&raw) else {
            return Ok(None);
        };
        let method = method_of(&ics);
        let Some(ev) = parse_ics(&ics)
            .events
            .into_iter()
            .find(|e| e.recurrence_id.is_none())
        else {
            return Ok(None);
        };
        let mine = self.my_addresses().await?;
        let cal = self.find_event(&ev.uid).await?;
        let my_partstat = match &cal {
            Some(c) => self
                .store
                .events_of_uid(c.id, &ev.uid)
                .await?
                .iter()
                .find(|r| r.recurrence_id.is_empty())
                .and_then(crate::calendar::reparse)
                .and_then(|e| my_partstat(&e, &mine)),
            None => my_partstat(&ev, &mine),
        };
        Ok(Some(InvitationView {
            method,
            uid: ev.uid.clone(),
            summary: ev.summary.clone().unwrap_or_default(),
            start: ev.start.timestamp_millis(),
            end: ev.end.timestamp_millis(),
            all_day: ev.all_day,
            location: ev.location.clone(),
            organizer: ev.organizer.as_ref().map(|o| o.email.clone()),
            my_partstat,
            calendar_id: cal.map(|c| c.id),
            broken: ev.broken.clone(),
        }))
    }

    /// Answers the invitation in a message: the event goes into the calendar that holds it
    /// (or the first writable CalDAV/local calendar), with my PARTSTAT, and the organizer
    /// gets a REPLY.
    pub async fn respond_to_invitation(&self, args: RespondInvitationArgs) -> ApiResult<()> {
        let raw = self
            .store
            .message_raw(args.message_id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no message {}", args.message_id)))?;
        let ics = calendar_text(&raw)
            .ok_or_else(|| ApiError::invalid("the message has no invitation"))?;
        if method_of(&ics) != "REQUEST" {
            return Err(ApiError::invalid(
                "only an invitation (METHOD:REQUEST) can be answered",
            ));
        }
        let ev = parse_ics(&ics)
            .events
            .into_iter()
            .find(|e| e.recurrence_id.is_none())
            .ok_or_else(|| ApiError::invalid("the invitation holds no event"))?;
        if let Some(reason) = &ev.broken {
            return Err(ApiError::invalid(format!(
                "the invitation cannot be read: {reason}"
            )));
        }
        let cal = match self.find_event(&ev.uid).await? {
            Some(c) => c,
            None => {
                let cal = self.invitation_calendar().await?;
                self.store_invited(&cal, &ev, &without_method(&ics)).await?;
                cal
            }
        };
        self.respond_to_event(RespondArgs {
            calendar_id: cal.id,
            uid: ev.uid.clone(),
            recurrence_id: None,
            partstat: args.partstat,
        })
        .await
    }

    /// Where an accepted invitation goes: the first writable CalDAV calendar, else a
    /// local one (created when there is none).
    async fn invitation_calendar(&self) -> ApiResult<CalendarRow> {
        let cals = self.store.list_calendars().await?;
        let pick = cals
            .iter()
            .find(|c| c.account_kind == "caldav" && !c.read_only)
            .or_else(|| {
                cals.iter()
                    .find(|c| c.account_kind == "local" && !c.read_only)
            });
        if let Some(c) = pick {
            return Ok(c.clone());
        }
        let now = self.now_ms();
        let account = self
            .store
            .ensure_account("Local", "local", None, now)
            .await?;
        let id = self
            .store
            .ensure_calendar(account, "Calendar", "#2563eb")
            .await?;
        self.store
            .list_calendars()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ApiError::not_found("the local calendar vanished"))
    }

    async fn store_invited(&self, cal: &CalendarRow, ev: &ParsedEvent, ics: &str) -> ApiResult<()> {
        let href = match (&cal.account_kind[..], &cal.remote_id) {
            ("caldav", Some(c)) => format!(
                "{}/{}.ics",
                c.trim_end_matches('/'),
                ev.uid
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                        c
                    } else {
                        '_'
                    })
                    .collect::<String>()
            ),
            _ => format!("local:{}", ev.uid),
        };
        let events = switchboard_sync::calendar_store::events_from_ics(ics);
        if cal.account_kind == "caldav" {
            self.store
                .stage_local_resource(cal.id, &href, ics, &events, false, self.now_ms())
                .await?;
        } else {
            self.store
                .apply_calendar_changes(
                    cal.id,
                    &[switchboard_store::ResourceChange::Upsert {
                        href,
                        etag: None,
                        ics: ics.to_owned(),
                        events,
                    }],
                    None,
                    self.now_ms(),
                )
                .await?;
        }
        Ok(())
    }
}

fn my_partstat(ev: &ParsedEvent, mine: &[String]) -> Option<String> {
    ev.attendees
        .iter()
        .find(|a| mine.iter().any(|m| m.eq_ignore_ascii_case(&a.email)))
        .map(|a| a.partstat.clone().unwrap_or_else(|| "NEEDS-ACTION".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_invitation_loses_its_method_only() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a\r\n\
                   X-METHOD:kept\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let out = without_method(ics);
        assert!(!out.contains("\r\nMETHOD:"), "{out}");
        assert!(out.contains("X-METHOD:kept"));
        assert_eq!(method_of(ics), "REQUEST");
        assert_eq!(method_of(&out), "PUBLISH");
    }
}
