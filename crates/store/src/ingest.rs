//! Storing a batch of messages: plan in memory, then apply with a handful of
//! multi-row statements.
//!
//! A batch of a thousand messages costs a few dozen statements instead of tens of
//! thousands: the per-statement round trip to SQLite's worker thread, not SQLite itself,
//! was what bounded import speed.
//!
//! Threads are the connected components of a graph whose edges depend only on the two
//! ends, never on what arrived first, so any arrival order and any split into batches
//! gives the same threads:
//! - a message is linked to every Message-ID it names: its own (or, without one, its
//!   dedupe key) and its references, across folders and accounts;
//! - two messages without any references are linked by subject when [`subject_link`]
//!   says so.
//!
//! The database keeps, per thread, every Message-ID it owns (`thread_ids`, including
//! parents not seen yet) and, per reference-less message, what the subject rule needs
//! (`subject_fallback`). A new message joins every thread it is linked to, and those
//! merge into the oldest (smallest id). Deleting messages keeps `thread_ids`, so a
//! message stored again lands in the thread it left.

use crate::mail::{refresh_threads, NewMessage, StoredOutcome};
use crate::Result;
use sqlx::{QueryBuilder, Sqlite, Transaction};
use std::collections::{HashMap, HashSet};

/// Replies without references join a same-subject conversation only within this
/// distance in time; "Re: Hello" two years later is a new conversation.
const SUBJECT_FALLBACK_WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;

/// Rows per multi-row INSERT, keeping bound parameters well under SQLite's limit
/// (32766) for the widest table.
const ROWS_PER_INSERT: usize = 400;

/// Settings key: the highest message id ever deleted. New ids start above it, so an id
/// held by the UI or a queued job never comes back as a different message.
pub(crate) const DELETED_ID_FLOOR: &str = "store.deleted_message_id_floor";

/// A message without references, as the subject fallback sees it (same subject key
/// assumed).
#[derive(Debug, Clone, Copy)]
struct Loose {
    date: i64,
    is_reply: bool,
}

/// Whether two reference-less messages with the same non-empty subject key belong to
/// one conversation. A rule on the pair alone, so the result cannot depend on order:
/// - within [`SUBJECT_FALLBACK_WINDOW_MS`] of each other;
/// - two replies belong together (orphans of the same conversation);
/// - a reply belongs with an original that is not newer than it;
/// - two originals never do: two "Hello" mails are two conversations.
///
/// The price of order independence: a reply links to *every* earlier same-subject
/// original in the window, where "only the latest" would need threads to split again
/// when an original arrives late. Messages without references are rare enough for that.
fn subject_link(a: Loose, b: Loose) -> bool {
    if a.date.abs_diff(b.date) > SUBJECT_FALLBACK_WINDOW_MS.unsigned_abs() {
        return false;
    }
    match (a.is_reply, b.is_reply) {
        (true, true) => true,
        (true, false) => b.date <= a.date,
        (false, true) => a.date <= b.date,
        (false, false) => false,
    }
}

/// Thread ids with union-find merging; the smaller id survives, so a thread the
/// database already has outlives any this batch creates.
#[derive(Default)]
struct Threads {
    parent: HashMap<i64, i64>,
}

impl Threads {
    fn find(&self, mut t: i64) -> i64 {
        while let Some(&p) = self.parent.get(&t) {
            t = p;
        }
        t
    }

    /// Merges the given threads; returns the survivor.
    fn union(&mut self, threads: &[i64]) -> Option<i64> {
        let mut roots: Vec<i64> = threads.iter().map(|t| self.find(*t)).collect();
        roots.sort_unstable();
        roots.dedup();
        let keep = *roots.first()?;
        for &other in &roots[1..] {
            self.parent.insert(other, keep);
        }
        Some(keep)
    }
}

/// Reference-less messages by subject key, for the subject rule: each with the thread
/// it was in when seen (follow it through [`Threads::find`]).
#[derive(Default)]
struct LooseByKey {
    originals: HashMap<String, Vec<(Loose, i64)>>,
    replies: HashMap<String, Vec<(Loose, i64)>>,
}

impl LooseByKey {
    fn add(&mut self, key: &str, m: Loose, thread: i64) {
        let list = if m.is_reply {
            &mut self.replies
        } else {
            &mut self.originals
        };
        list.entry(key.to_owned()).or_default().push((m, thread));
    }

    /// Threads of the messages `m` is linked to by subject.
    fn linked(&self, key: &str, m: Loose) -> impl Iterator<Item = i64> + '_ {
        let replies = self.replies.get(key).into_iter().flatten();
        // Originals only ever link to replies.
        let originals = self
            .originals
            .get(key)
            .filter(|_| m.is_reply)
            .into_iter()
            .flatten();
        replies
            .chain(originals)
            .filter(move |(other, _)| subject_link(m, *other))
            .map(|(_, thread)| *thread)
    }
}

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// The ids a message is linked to: its own Message-ID (its dedupe key when it has
/// none, so it returns to its thread when stored again) and its references.
fn thread_keys(msg: &NewMessage) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::with_capacity(msg.references.len() + 1);
    ids.push(msg.message_id.as_deref().unwrap_or(&msg.dedupe_key));
    for r in &msg.references {
        if !ids.contains(&r.as_str()) {
            ids.push(r);
        }
    }
    ids
}

/// The subject rule's view of a message, if it takes part (no references, a key).
fn loose(msg: &NewMessage) -> Option<Loose> {
    (msg.references.is_empty() && !msg.subject_key.is_empty()).then_some(Loose {
        date: msg.date,
        is_reply: msg.is_reply_subject,
    })
}

pub(crate) async fn store_batch(
    tx: &mut Transaction<'_, Sqlite>,
    batch: &[NewMessage],
    now_ms: i64,
) -> Result<Vec<StoredOutcome>> {
    // Take the write lock before allocating ids from max(id): nothing else can insert
    // until this transaction ends.
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('store.last_batch_at', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(now_ms.to_string())
    .execute(&mut **tx)
    .await?;

    // 1. Which messages are already stored (same folder and dedupe key)?
    let keys: Vec<(i64, &str)> = batch
        .iter()
        .map(|m| (m.folder_id, m.dedupe_key.as_str()))
        .collect();
    let existing: HashMap<(i64, String), i64> = sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT m.folder_id, m.dedupe_key, m.id FROM json_each(?) j
         JOIN messages m ON m.folder_id = j.value ->> 0 AND m.dedupe_key = j.value ->> 1",
    )
    .bind(json_list(&keys))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(f, k, id)| ((f, k), id))
    .collect();

    let mut next_message: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT max(coalesce((SELECT max(id) FROM messages), 0),
                    coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?), 0)) + 1",
    )
    .bind(DELETED_ID_FLOOR)
    .fetch_one(&mut **tx)
    .await?;
    let first_new_thread: i64 =
        sqlx::query_scalar::<_, i64>("SELECT coalesce(max(id), 0) + 1 FROM threads")
            .fetch_one(&mut **tx)
            .await?;
    let mut next_thread = first_new_thread;

    let mut outcomes: Vec<StoredOutcome> = Vec::with_capacity(batch.len());
    let mut fresh: Vec<(usize, i64)> = Vec::new(); // (index in batch, new message id)
    let mut in_batch: HashMap<(i64, &str), i64> = HashMap::new();
    for (i, m) in batch.iter().enumerate() {
        let key = (m.folder_id, m.dedupe_key.as_str());
        if let Some(&id) = existing
            .get(&(m.folder_id, m.dedupe_key.clone()))
            .or(in_batch.get(&key))
        {
            outcomes.push(StoredOutcome::Duplicate { id });
            continue;
        }
        let id = next_message;
        next_message += 1;
        in_batch.insert(key, id);
        fresh.push((i, id));
        outcomes.push(StoredOutcome::Inserted { id, thread_id: 0 });
    }
    if fresh.is_empty() {
        return Ok(outcomes);
    }

    // 2. What the database knows about these Message-IDs and subjects.
    let mut all_ids: Vec<&str> = Vec::new();
    let mut windows: HashMap<&str, (i64, i64)> = HashMap::new();
    for &(i, _) in &fresh {
        let m = &batch[i];
        all_ids.extend(thread_keys(m));
        if loose(m).is_some() {
            let w = windows.entry(&m.subject_key).or_insert((m.date, m.date));
            w.0 = w.0.min(m.date);
            w.1 = w.1.max(m.date);
        }
    }
    all_ids.sort_unstable();
    all_ids.dedup();
    let mut owner: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT t.message_id, t.thread_id FROM json_each(?) j JOIN thread_ids t ON t.message_id = j.value",
    )
    .bind(json_list(&all_ids))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let known_ids: HashSet<String> = owner.keys().cloned().collect();

    let ranges: Vec<(&str, i64, i64)> = windows
        .iter()
        .map(|(k, (lo, hi))| {
            (
                *k,
                lo.saturating_sub(SUBJECT_FALLBACK_WINDOW_MS),
                hi.saturating_add(SUBJECT_FALLBACK_WINDOW_MS),
            )
        })
        .collect();
    let mut by_subject = LooseByKey::default();
    let stored_loose = sqlx::query_as::<_, (String, i64, bool, i64)>(
        "SELECT s.subject_key, s.date, s.is_reply, m.thread_id FROM json_each(?) j
         JOIN subject_fallback s ON s.subject_key = j.value ->> 0
              AND s.date BETWEEN j.value ->> 1 AND j.value ->> 2
         JOIN messages m ON m.id = s.message_id",
    )
    .bind(json_list(&ranges))
    .fetch_all(&mut **tx)
    .await?;
    for (key, date, is_reply, thread) in stored_loose {
        by_subject.add(&key, Loose { date, is_reply }, thread);
    }

    // 3. Thread every new message: it joins (and merges) every thread it is linked to.
    let mut threads = Threads::default();
    let mut db_threads: HashSet<i64> = owner.values().copied().collect();
    let mut new_threads: Vec<(i64, usize)> = Vec::new(); // (thread, batch index starting it)
    let mut assigned: Vec<i64> = Vec::with_capacity(fresh.len());
    for &(i, _) in &fresh {
        let m = &batch[i];
        let ids = thread_keys(m);
        let mut found: Vec<i64> = ids
            .iter()
            .filter_map(|id| owner.get(*id).copied())
            .collect();
        let as_loose = loose(m);
        if let Some(l) = as_loose {
            found.extend(by_subject.linked(&m.subject_key, l));
        }
        db_threads.extend(found.iter().filter(|t| **t < first_new_thread));
        let thread = threads.union(&found).unwrap_or_else(|| {
            let t = next_thread;
            next_thread += 1;
            new_threads.push((t, i));
            t
        });
        for id in ids {
            owner.insert(id.to_owned(), thread);
        }
        if let Some(l) = as_loose {
            by_subject.add(&m.subject_key, l, thread);
        }
        assigned.push(thread);
    }
    let assigned: Vec<i64> = assigned.iter().map(|t| threads.find(*t)).collect();
    for (slot, &(i, id)) in fresh.iter().enumerate() {
        outcomes[i] = StoredOutcome::Inserted {
            id,
            thread_id: assigned[slot],
        };
    }

    // 4. Apply. Database threads that merged fold into the survivor first.
    let mut merged_db: Vec<(i64, i64)> = db_threads
        .iter()
        .map(|&t| (t, threads.find(t)))
        .filter(|(t, keep)| t != keep)
        .collect();
    merged_db.sort_unstable();
    if !merged_db.is_empty() {
        let pairs = json_list(&merged_db);
        for sql in [
            "UPDATE messages SET thread_id = j.value ->> 1
             FROM json_each(?) j WHERE messages.thread_id = j.value ->> 0",
            "UPDATE thread_ids SET thread_id = j.value ->> 1
             FROM json_each(?) j WHERE thread_ids.thread_id = j.value ->> 0",
            "DELETE FROM threads WHERE id IN (SELECT j.value ->> 0 FROM json_each(?) j)",
        ] {
            sqlx::query(sql).bind(&pairs).execute(&mut **tx).await?;
        }
    }
    let new_threads: Vec<(i64, &NewMessage)> = new_threads
        .into_iter()
        .filter(|(t, _)| threads.find(*t) == *t)
        .map(|(t, i)| (t, &batch[i]))
        .collect();
    for chunk in new_threads.chunks(ROWS_PER_INSERT) {
        // Subject and dates are placeholders until the summaries are refreshed below.
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO threads (id, subject, subject_key, last_date) ",
        );
        q.push_values(chunk, |mut row, (id, m)| {
            row.push_bind(*id)
                .push_bind(&m.subject)
                .push_bind(&m.subject_key)
                .push_bind(m.date);
        });
        q.build().execute(&mut **tx).await?;
    }

    let rows: Vec<(&NewMessage, i64, i64)> = fresh
        .iter()
        .zip(&assigned)
        .map(|(&(i, id), &thread)| (&batch[i], id, thread))
        .collect();
    insert_messages(tx, &rows).await?;

    // Message-IDs the threads now own (new ones only; merged ones were moved above).
    let mut id_rows: Vec<(&str, i64)> = Vec::new();
    let mut seen_ids: HashSet<&str> = HashSet::new();
    for (m, _, _) in &rows {
        for id in thread_keys(m) {
            if !known_ids.contains(id) && seen_ids.insert(id) {
                id_rows.push((id, threads.find(owner[id])));
            }
        }
    }
    for chunk in id_rows.chunks(ROWS_PER_INSERT * 4) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT OR IGNORE INTO thread_ids (message_id, thread_id) ",
        );
        q.push_values(chunk, |mut row, (id, thread)| {
            row.push_bind(*id).push_bind(*thread);
        });
        q.build().execute(&mut **tx).await?;
    }

    let loose_rows: Vec<(i64, &str, Loose)> = rows
        .iter()
        .filter_map(|(m, id, _)| loose(m).map(|l| (*id, m.subject_key.as_str(), l)))
        .collect();
    for chunk in loose_rows.chunks(ROWS_PER_INSERT * 2) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO subject_fallback (message_id, subject_key, is_reply, date) ",
        );
        q.push_values(chunk, |mut row, (id, key, l)| {
            row.push_bind(*id)
                .push_bind(*key)
                .push_bind(l.is_reply)
                .push_bind(l.date);
        });
        q.build().execute(&mut **tx).await?;
    }

    // 5. Thread summaries, recomputed for every thread this batch touched.
    let mut touched: Vec<i64> = assigned.clone();
    touched.sort_unstable();
    touched.dedup();
    refresh_threads(tx, &touched).await?;
    refresh_thread_heads(tx, &touched).await?;

    contacts_for(tx, &rows, now_ms).await?;
    Ok(outcomes)
}

/// Recomputes what depends on a thread's oldest and original messages: its subject is
/// its oldest message's (whatever order they arrived in), and `has_root` says whether
/// it holds a reference-less original. Threads left without messages keep theirs.
pub(crate) async fn refresh_thread_heads(
    tx: &mut Transaction<'_, Sqlite>,
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE threads SET
            subject = coalesce((SELECT m.subject FROM messages m WHERE m.thread_id = threads.id
                                ORDER BY m.date, m.id LIMIT 1), subject),
            has_root = EXISTS (SELECT 1 FROM messages m JOIN subject_fallback s ON s.message_id = m.id
                               WHERE m.thread_id = threads.id AND s.is_reply = 0)
         WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(json_list(ids))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_messages(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &[(&NewMessage, i64, i64)],
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, account_id, folder_id, uid, dedupe_key, message_id, in_reply_to,
                thread_id, subject, from_name, from_email, to_json, cc_json, date, snippet, seen,
                flagged, has_attachments, parse_error, source_position, size) ",
        );
        q.push_values(chunk, |mut row, (m, id, thread)| {
            row.push_bind(*id)
                .push_bind(m.account_id)
                .push_bind(m.folder_id)
                .push_bind(m.uid)
                .push_bind(&m.dedupe_key)
                .push_bind(&m.message_id)
                .push_bind(&m.in_reply_to)
                .push_bind(*thread)
                .push_bind(&m.subject)
                .push_bind(&m.from_name)
                .push_bind(&m.from_email)
                .push_bind(address_json(&m.to))
                .push_bind(address_json(&m.cc))
                .push_bind(m.date)
                .push_bind(&m.snippet)
                .push_bind(m.seen)
                .push_bind(m.flagged)
                .push_bind(!m.attachments.is_empty())
                .push_bind(&m.parse_error)
                .push_bind(&m.source_position)
                .push_bind(m.raw.len() as i64);
        });
        q.build().execute(&mut **tx).await?;

        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO message_raw (message_id, raw) ");
        q.push_values(chunk, |mut row, (m, id, _)| {
            row.push_bind(*id).push_bind(&m.raw);
        });
        q.build().execute(&mut **tx).await?;

        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages_fts (rowid, subject, participants, body, attachments) ",
        );
        q.push_values(chunk, |mut row, (m, id, _)| {
            row.push_bind(*id)
                .push_bind(&m.subject)
                .push_bind(participants_text(m))
                .push_bind(&m.body_text)
                .push_bind(
                    m.attachments
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
        });
        q.build().execute(&mut **tx).await?;

        let addresses: Vec<(i64, &str, &str)> = chunk
            .iter()
            .flat_map(|(m, id, _)| {
                let mut seen = HashSet::new();
                addresses_of(m)
                    .into_iter()
                    .filter(move |(email, _, role)| seen.insert((*email, *role)))
                    .map(move |(email, _, role)| (*id, email, role))
            })
            .collect();
        for part in addresses.chunks(ROWS_PER_INSERT * 2) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO message_addresses (message_id, email, role) ",
            );
            q.push_values(part, |mut row, (id, email, role)| {
                row.push_bind(*id).push_bind(*email).push_bind(*role);
            });
            q.build().execute(&mut **tx).await?;
        }

        let attachments: Vec<(i64, &crate::NewAttachment)> = chunk
            .iter()
            .flat_map(|(m, id, _)| m.attachments.iter().map(move |a| (*id, a)))
            .collect();
        for part in attachments.chunks(ROWS_PER_INSERT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO attachments (message_id, name, mime_type, size, content_id) ",
            );
            q.push_values(part, |mut row, (id, a)| {
                row.push_bind(*id)
                    .push_bind(&a.name)
                    .push_bind(&a.mime_type)
                    .push_bind(a.size)
                    .push_bind(&a.content_id);
            });
            q.build().execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// (address, display name, role) of everyone on a message.
fn addresses_of(m: &NewMessage) -> Vec<(&str, Option<&str>, &'static str)> {
    let mut out = Vec::with_capacity(1 + m.to.len() + m.cc.len());
    if let Some(from) = &m.from_email {
        out.push((from.as_str(), m.from_name.as_deref(), "from"));
    }
    out.extend(m.to.iter().map(|(n, e)| (e.as_str(), n.as_deref(), "to")));
    out.extend(m.cc.iter().map(|(n, e)| (e.as_str(), n.as_deref(), "cc")));
    out
}

fn participants_text(m: &NewMessage) -> String {
    let mut s = String::new();
    for (email, name, _) in addresses_of(m) {
        if let Some(name) = name {
            s.push_str(name);
            s.push(' ');
        }
        s.push_str(email);
        s.push(' ');
    }
    s
}

fn address_json(list: &[(Option<String>, String)]) -> String {
    let v: Vec<serde_json::Value> = list
        .iter()
        .map(|(name, email)| serde_json::json!({ "name": name, "email": email }))
        .collect();
    serde_json::Value::Array(v).to_string()
}

/// Makes sure every address on these messages has a contact.
async fn contacts_for(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &[(&NewMessage, i64, i64)],
    now_ms: i64,
) -> Result<()> {
    let mut names: HashMap<&str, Option<&str>> = HashMap::new();
    for (m, _, _) in rows {
        for (email, name, _) in addresses_of(m) {
            let slot = names.entry(email).or_insert(None);
            if slot.is_none() {
                *slot = name;
            }
        }
    }
    let emails: Vec<&str> = names.keys().copied().collect();
    let known: HashMap<String, bool> = sqlx::query_as::<_, (String, bool)>(
        "SELECT e.email, c.display_name IS NOT NULL FROM json_each(?) j
         JOIN contact_emails e ON e.email = j.value JOIN contacts c ON c.id = e.contact_id",
    )
    .bind(json_list(&emails))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    for (email, name) in names {
        match known.get(email) {
            Some(true) => {}
            Some(false) if name.is_none() => {}
            _ => {
                crate::contacts::ensure_contact(tx, email, name, now_ms).await?;
            }
        }
    }
    Ok(())
}
