//! The scoped operations behind [`crate::edit`]: one instance, this and following, all.

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};

use crate::doc::{Comp, Doc, Node};
use crate::edit::{apply_patch, stamp, EditContext, EditError, EventPatch, EventTime, SplitOff};
use crate::edit_support::{
    event_of, local_of, placed, rule_with_count, rule_with_until, stored_local, touch, zones_used,
    Form,
};
use crate::rule::split_rule;
use crate::{expand_in, ParsedEvent};

type Zones = Vec<(String, i32)>;

/// Where an event's components sit in the VCALENDAR, read.
pub(crate) struct Found {
    uid: String,
    master: Option<(usize, ParsedEvent)>,
    overrides: Vec<(usize, ParsedEvent)>,
    /// The VTIMEZONEs' text.
    zones_text: String,
}

fn comp_at(cal: &mut Comp, i: usize) -> Option<&mut Comp> {
    match cal.children.get_mut(i) {
        Some(Node::Comp(c)) => Some(c),
        _ => None,
    }
}

impl Found {
    pub fn locate(cal: &Comp, uid: &str) -> Result<Found, EditError> {
        let zones_text: String = cal.comps("VTIMEZONE").map(Comp::write).collect();
        let mut found = Found {
            uid: uid.trim().to_string(),
            master: None,
            overrides: Vec::new(),
            zones_text,
        };
        for (i, node) in cal.children.iter().enumerate() {
            let Node::Comp(c) = node else { continue };
            if c.name != "VEVENT"
                || c.prop("UID").map(|p| p.value.trim()) != Some(found.uid.as_str())
            {
                continue;
            }
            let Some(event) = event_of(c, &found.zones_text) else {
                continue;
            };
            if event.recurrence_id.is_some() {
                found.overrides.push((i, event));
            } else if found.master.is_none() {
                found.master = Some((i, event));
            }
        }
        if found.master.is_none() && found.overrides.is_empty() {
            return Err(EditError::NoSuchEvent(uid.to_string()));
        }
        Ok(found)
    }

    pub fn indices(&self) -> Vec<usize> {
        let mut all: Vec<usize> = self
            .master
            .iter()
            .map(|m| m.0)
            .chain(self.overrides.iter().map(|o| o.0))
            .collect();
        all.sort_unstable();
        all
    }

    fn master(&self) -> Result<&(usize, ParsedEvent), EditError> {
        self.master.as_ref().ok_or_else(|| {
            EditError::Invalid("only single instances of this event are here".into())
        })
    }

    /// Whether the event repeats (a master with RRULE or RDATE). Scoped edits of an event
    /// that does not are edits of the whole event.
    pub fn is_recurring(&self) -> bool {
        self.master
            .as_ref()
            .is_some_and(|(_, m)| m.rrule.is_some() || !m.rdates.is_empty())
    }

    /// Only overrides of the event are in this resource (its master lives elsewhere).
    pub fn master_missing(&self) -> bool {
        self.master.is_none()
    }

    /// Whether `rid` is the series' first instance.
    pub fn is_first(&self, rid: DateTime<Utc>, ctx: &EditContext) -> Result<bool, EditError> {
        let (_, m) = self.master()?;
        Ok(placed(m, m.start, ctx.floating_zone) == rid)
    }

    fn override_at(&self, rid: DateTime<Utc>, ctx: &EditContext) -> Option<usize> {
        let master = self.master.as_ref().map(|m| &m.1);
        self.overrides
            .iter()
            .find(|(_, o)| {
                o.recurrence_id
                    .is_some_and(|r| placed(master.unwrap_or(o), r, ctx.floating_zone) == rid)
            })
            .map(|(i, _)| *i)
    }

    /// The master's own instance at `rid`: (start, end).
    fn instance(
        &self,
        rid: DateTime<Utc>,
        ctx: &EditContext,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), EditError> {
        let (_, m) = self.master()?;
        expand_in(m, &[], rid, rid + Duration::seconds(1), ctx.floating_zone)
            .into_iter()
            .find(|i| i.recurrence_id == rid)
            .map(|i| (i.start, i.end))
            .ok_or(EditError::NoSuchInstance(rid))
    }

    /// Edits one instance: its override, created from the master when missing.
    pub fn edit_this(
        &self,
        cal: &mut Comp,
        rid: DateTime<Utc>,
        patch: &EventPatch,
        ctx: &EditContext,
    ) -> Result<Zones, EditError> {
        if let Some(i) = self.override_at(rid, ctx) {
            let comp = comp_at(cal, i).ok_or(EditError::NoSuchInstance(rid))?;
            let mut zones = apply_patch(comp, patch)?;
            touch(comp, ctx.now);
            zones.extend(zones_used(comp));
            return Ok(zones);
        }
        let (mi, m) = self.master()?;
        let (start, end) = self.instance(rid, ctx)?;
        let mcomp = match cal.children.get(*mi) {
            Some(Node::Comp(c)) => c.clone(),
            _ => return Err(EditError::NoSuchEvent(self.uid.clone())),
        };
        let form = Form::of_dtstart(&mcomp);
        let skip = [
            "RRULE",
            "RDATE",
            "EXDATE",
            "EXRULE",
            "DTSTART",
            "DTEND",
            "DURATION",
            "RECURRENCE-ID",
            "DTSTAMP",
            "LAST-MODIFIED",
        ];
        let mut o = Comp {
            children: mcomp
                .children
                .iter()
                .filter(|n| !matches!(n, Node::Line(l) if skip.contains(&l.name())))
                .cloned()
                .collect(),
            ..mcomp.clone()
        };
        let fz = ctx.floating_zone;
        o.add_line(&form.write("RECURRENCE-ID", &[local_of(m, rid, fz)]));
        o.add_line(&form.write("DTSTART", &[local_of(m, start, fz)]));
        o.add_line(&form.write("DTEND", &[local_of(m, end, fz)]));
        let mut zones = apply_patch(&mut o, patch)?;
        touch(&mut o, ctx.now);
        zones.extend(zones_used(&o));
        let at = self.indices().last().map_or(cal.children.len(), |i| i + 1);
        cal.children.insert(at, Node::Comp(o));
        Ok(zones)
    }

    /// Edits the master; overrides and EXDATEs follow a moved start or are dropped.
    pub fn edit_all(
        &self,
        cal: &mut Comp,
        patch: &EventPatch,
        ctx: &EditContext,
    ) -> Result<Zones, EditError> {
        let Some((mi, m)) = &self.master else {
            // Only overrides here: change each of them.
            let mut zones = Vec::new();
            for (i, _) in &self.overrides {
                if let Some(c) = comp_at(cal, *i) {
                    zones.extend(apply_patch(c, patch)?);
                    touch(c, ctx.now);
                }
            }
            return Ok(zones);
        };
        let mut overrides: Vec<(Comp, ParsedEvent)> = self
            .overrides
            .iter()
            .filter_map(|(i, o)| match cal.children.get(*i) {
                Some(Node::Comp(c)) => Some((c.clone(), o.clone())),
                _ => None,
            })
            .collect();
        let master = comp_at(cal, *mi).ok_or_else(|| EditError::NoSuchEvent(self.uid.clone()))?;
        let old_form = Form::of_dtstart(master);
        let mut zones = apply_patch(master, patch)?;
        reshape(master, m, &mut overrides, patch, &old_form, ctx.now);
        touch(master, ctx.now);
        zones.extend(zones_used(master));
        // Write the overrides back (or remove the dropped ones).
        let mut indices: Vec<usize> = self.overrides.iter().map(|o| o.0).collect();
        if overrides.len() == indices.len() {
            for (i, (c, _)) in indices.iter().zip(overrides) {
                zones.extend(zones_used(&c));
                cal.children[*i] = Node::Comp(c);
            }
        } else {
            indices.sort_unstable();
            for i in indices.into_iter().rev() {
                cal.children.remove(i);
            }
        }
        Ok(zones)
    }

    /// Ends the series before `rid`. With a patch, the rest becomes a new series (new UID)
    /// in a new resource, with the patch applied and the later overrides carried over;
    /// without one (a delete), the rest is gone.
    pub fn split(
        &self,
        cal: &mut Comp,
        rid: DateTime<Utc>,
        patch: Option<&EventPatch>,
        ctx: &EditContext,
    ) -> Result<(Zones, Option<SplitOff>), EditError> {
        let (mi, m) = self.master()?;
        let (start, end) = self.instance(rid, ctx)?;
        let fz = ctx.floating_zone;
        let mcomp = match cal.children.get(*mi) {
            Some(Node::Comp(c)) => c.clone(),
            _ => return Err(EditError::NoSuchEvent(self.uid.clone())),
        };
        let form = Form::of_dtstart(&mcomp);
        let rule = mcomp.prop("RRULE").map(|p| p.value.trim().to_string());
        let rid_local = local_of(m, rid, fz);
        let until = match form {
            Form::Date => (rid_local.date() - Duration::days(1))
                .format("%Y%m%d")
                .to_string(),
            Form::Floating => (rid_local - Duration::seconds(1))
                .format("%Y%m%dT%H%M%S")
                .to_string(),
            Form::Utc | Form::Zoned(_) => stamp(rid - Duration::seconds(1)),
        };
        let before = expand_in(m, &[], placed(m, m.start, fz), rid, fz).len();
        let is_before = |v: &DateTime<Utc>| placed(m, *v, fz) < rid;

        // The old series ends just before the instance.
        let old = comp_at(cal, *mi).ok_or_else(|| EditError::NoSuchEvent(self.uid.clone()))?;
        if let Some(r) = &rule {
            old.set(
                "RRULE",
                Some(format!("RRULE:{}", rule_with_until(r, &until))),
            );
        }
        rewrite_dates(old, "EXDATE", &form, m, &m.exdates, &is_before);
        if m.rdate_periods.is_empty() {
            rewrite_dates(old, "RDATE", &form, m, &m.rdates, &is_before);
        }
        touch(old, ctx.now);

        let later: Vec<usize> = self
            .overrides
            .iter()
            .filter(|(_, o)| o.recurrence_id.is_some_and(|r| !is_before(&r)))
            .map(|(i, _)| *i)
            .collect();
        let mut split_off = None;
        let mut zones = Vec::new();
        if let Some(patch) = patch {
            let new_uid = format!("{}-{}", self.uid, stamp(rid));
            let mut series = mcomp.clone();
            series.set("UID", Some(format!("UID:{new_uid}")));
            series.set(
                "DTSTART",
                Some(form.write("DTSTART", &[local_of(m, start, fz)])),
            );
            series.set("DTEND", Some(form.write("DTEND", &[local_of(m, end, fz)])));
            series.set("DURATION", None);
            if let Some(r) = &rule {
                if let Some(count) = split_rule(r).ok().and_then(|s| s.count) {
                    let left = count.saturating_sub(before).max(1);
                    series.set("RRULE", Some(format!("RRULE:{}", rule_with_count(r, left))));
                }
            }
            let not_before = |v: &DateTime<Utc>| !is_before(v);
            rewrite_dates(&mut series, "EXDATE", &form, m, &m.exdates, &not_before);
            if m.rdate_periods.is_empty() {
                rewrite_dates(&mut series, "RDATE", &form, m, &m.rdates, &not_before);
            }
            let mut carried: Vec<(Comp, ParsedEvent)> = self
                .overrides
                .iter()
                .filter(|(i, _)| later.contains(i))
                .filter_map(|(i, o)| match cal.children.get(*i) {
                    Some(Node::Comp(c)) => {
                        let mut c = c.clone();
                        c.set("UID", Some(format!("UID:{new_uid}")));
                        Some((c, o.clone()))
                    }
                    _ => None,
                })
                .collect();
            // The new series as read before the patch, for moving its overrides.
            let zones_text = self.zones_text.clone();
            let base = event_of(&series, &zones_text).unwrap_or_else(|| m.clone());
            zones.extend(apply_patch(&mut series, patch)?);
            reshape(&mut series, &base, &mut carried, patch, &form, ctx.now);
            series.set("SEQUENCE", Some("SEQUENCE:0".into()));
            series.set("DTSTAMP", Some(format!("DTSTAMP:{}", stamp(ctx.now))));
            series.set("CREATED", Some(format!("CREATED:{}", stamp(ctx.now))));
            series.set(
                "LAST-MODIFIED",
                Some(format!("LAST-MODIFIED:{}", stamp(ctx.now))),
            );
            zones.extend(zones_used(&series));
            let mut doc = Doc::parse("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
            if let Some(new_cal) = doc.calendar_mut() {
                for node in &cal.children {
                    match node {
                        Node::Line(l) if l.name() != "METHOD" => {
                            new_cal.children.push(node.clone())
                        }
                        Node::Comp(c) if c.name == "VTIMEZONE" => {
                            new_cal.children.push(node.clone())
                        }
                        _ => {}
                    }
                }
                new_cal.children.push(Node::Comp(series));
                for (c, _) in carried {
                    new_cal.children.push(Node::Comp(c));
                }
                crate::edit_support::ensure_vtimezones(new_cal, &zones, ctx.now);
            }
            split_off = Some(SplitOff {
                uid: new_uid,
                ics: doc.write(),
            });
        }
        let mut later = later;
        later.sort_unstable();
        for i in later.into_iter().rev() {
            cal.children.remove(i);
        }
        Ok((zones, split_off))
    }

    /// Deletes one instance: its override goes, the master gets an EXDATE.
    pub fn delete_this(
        &self,
        cal: &mut Comp,
        rid: DateTime<Utc>,
        ctx: &EditContext,
    ) -> Result<(), EditError> {
        let override_index = self.override_at(rid, ctx);
        if let Some((mi, m)) = &self.master {
            if self.instance(rid, ctx).is_err() && override_index.is_none() {
                return Err(EditError::NoSuchInstance(rid));
            }
            let local = local_of(m, rid, ctx.floating_zone);
            if let Some(master) = comp_at(cal, *mi) {
                let form = Form::of_dtstart(master);
                master.add_line(&form.write("EXDATE", &[local]));
                touch(master, ctx.now);
            }
        } else if override_index.is_none() {
            return Err(EditError::NoSuchInstance(rid));
        }
        if let Some(i) = override_index {
            cal.children.remove(i);
        }
        Ok(())
    }

    /// Removes every component of the event.
    pub fn remove_all(&self, cal: &mut Comp) {
        for i in self.indices().into_iter().rev() {
            cal.children.remove(i);
        }
    }
}

/// Rewrites a date list property keeping the values `keep` accepts; untouched when all
/// stay.
fn rewrite_dates(
    comp: &mut Comp,
    name: &str,
    form: &Form,
    m: &ParsedEvent,
    values: &[DateTime<Utc>],
    keep: &dyn Fn(&DateTime<Utc>) -> bool,
) {
    let kept: Vec<NaiveDateTime> = values
        .iter()
        .filter(|v| keep(v))
        .map(|v| stored_local(m, *v))
        .collect();
    if kept.len() == values.len() {
        return;
    }
    let line = (!kept.is_empty()).then(|| form.write(name, &kept));
    comp.set(name, line);
}

/// After a patch to a series' master: when the start moved (same rule, same kind of
/// time), EXDATEs, RDATEs and the overrides' RECURRENCE-IDs move by the same wall-clock
/// amount, and overrides still at their original time move with them; when the RRULE
/// changed or the event switched between all-day and timed, EXDATEs and overrides go.
fn reshape(
    master: &mut Comp,
    m: &ParsedEvent,
    overrides: &mut Vec<(Comp, ParsedEvent)>,
    patch: &EventPatch,
    old_form: &Form,
    now: DateTime<Utc>,
) {
    let rule_changed = patch
        .rrule
        .as_ref()
        .is_some_and(|r| r.as_deref().map(str::trim) != m.rrule.as_deref());
    let old_start = m.start_local.unwrap_or_else(|| stored_local(m, m.start));
    let (new_form, delta) = match &patch.time {
        Some(t) => {
            let new_start = match t {
                EventTime::Timed { start, .. } => *start,
                EventTime::AllDay { start, .. } => start.and_time(NaiveTime::MIN),
            };
            (Form::of_time(t), new_start - old_start)
        }
        None => (old_form.clone(), Duration::zero()),
    };
    let kind_changed = (*old_form == Form::Date) != (new_form == Form::Date);
    if rule_changed || kind_changed {
        master.set("EXDATE", None);
        overrides.clear();
        return;
    }
    if delta.is_zero() && new_form == *old_form {
        return;
    }
    let shift = |v: &DateTime<Utc>| stored_local(m, *v) + delta;
    if !m.exdates.is_empty() {
        let list: Vec<NaiveDateTime> = m.exdates.iter().map(shift).collect();
        master.set("EXDATE", Some(new_form.write("EXDATE", &list)));
    }
    if !m.rdates.is_empty() && m.rdate_periods.is_empty() {
        let list: Vec<NaiveDateTime> = m.rdates.iter().map(shift).collect();
        master.set("RDATE", Some(new_form.write("RDATE", &list)));
    }
    for (comp, o) in overrides.iter_mut() {
        let Some(rid) = o.recurrence_id else { continue };
        comp.set(
            "RECURRENCE-ID",
            Some(new_form.write("RECURRENCE-ID", &[shift(&rid)])),
        );
        if o.start == rid {
            let end = stored_local(o, o.end) + delta;
            comp.set(
                "DTSTART",
                Some(new_form.write("DTSTART", &[stored_local(o, o.start) + delta])),
            );
            comp.set("DTEND", Some(new_form.write("DTEND", &[end])));
            comp.set("DURATION", None);
        }
        touch(comp, now);
    }
}
