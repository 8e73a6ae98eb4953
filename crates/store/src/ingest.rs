//! Storing a batch of messages: plan in memory, then apply with a handful of
//! multi-row statements.
//!
//! A batch of a thousand messages costs a few dozen statements instead of tens of
//! thousands: the per-statement round trip to SQLite's worker thread, not SQLite itself,
//! was what bounded import speed. Threading is the same rule as before — a message joins
//! every thread owning one of its Message-IDs (own or referenced) and those threads
//! merge into the oldest; only a message with no references falls back to its subject —
//! computed with a union-find over the batch and what the database already knows.

use crate::mail::{refresh_threads, NewMessage, StoredOutcome};
use crate::Result;
use sqlx::{QueryBuilder, Sqlite, Transaction};
use std::collections::{HashMap, HashSet};

/// Replies without references join a same-subject thread only if it was active this
/// recently; "Re: Hello" two years later is a new conversation.
const SUBJECT_FALLBACK_WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;

/// Rows per multi-row INSERT, keeping bound parameters well under SQLite's limit
/// (32766) for the widest table.
const ROWS_PER_INSERT: usize = 400;

#[derive(Debug, Clone)]
struct ThreadState {
    last_date: i64,
    has_root: bool,
    /// Set when this batch gives a thread its first original (non-reply) message.
    root_subject: Option<String>,
    is_new: bool,
    subject: String,
    subject_key: String,
}

/// Threads known to this batch, with union-find merging (the smaller id survives).
#[derive(Default)]
struct Threads {
    state: HashMap<i64, ThreadState>,
    parent: HashMap<i64, i64>,
    by_subject: HashMap<String, Vec<i64>>,
    /// Database threads that merged into another and must be folded in and deleted.
    merged_db: Vec<(i64, i64)>,
}

impl Threads {
    fn find(&self, mut t: i64) -> i64 {
        while let Some(&p) = self.parent.get(&t) {
            t = p;
        }
        t
    }

    fn add(&mut self, id: i64, st: ThreadState) {
        self.by_subject
            .entry(st.subject_key.clone())
            .or_default()
            .push(id);
        self.state.insert(id, st);
    }

    /// Merges the given threads; returns the survivor.
    fn union(&mut self, threads: &[i64]) -> Option<i64> {
        let mut roots: Vec<i64> = threads.iter().map(|t| self.find(*t)).collect();
        roots.sort_unstable();
        roots.dedup();
        let keep = *roots.first()?;
        for &other in &roots[1..] {
            self.parent.insert(other, keep);
            let Some(gone) = self.state.remove(&other) else {
                continue;
            };
            if !gone.is_new {
                self.merged_db.push((other, keep));
            }
            if let Some(k) = self.state.get_mut(&keep) {
                k.last_date = k.last_date.max(gone.last_date);
                if !k.has_root && gone.has_root {
                    k.has_root = true;
                    k.root_subject = Some(gone.root_subject.unwrap_or(gone.subject));
                }
            }
        }
        Some(keep)
    }

    /// The subject fallback for a message without references.
    fn by_subject(&self, msg: &NewMessage) -> Option<i64> {
        let candidates = self.by_subject.get(&msg.subject_key)?;
        candidates
            .iter()
            .map(|t| self.find(*t))
            .filter_map(|t| self.state.get(&t).map(|s| (t, s)))
            .filter(|(_, s)| (s.last_date - msg.date).abs() <= SUBJECT_FALLBACK_WINDOW_MS)
            // A reply adopts the latest same-subject thread; an original adopts only a
            // thread made of orphan replies (one without an original yet).
            .filter(|(_, s)| msg.is_reply_subject || !s.has_root)
            .max_by_key(|(t, s)| (s.last_date, *t))
            .map(|(t, _)| t)
    }
}

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn thread_keys(msg: &NewMessage) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::with_capacity(msg.references.len() + 1);
    if let Some(own) = &msg.message_id {
        ids.push(own);
    }
    for r in &msg.references {
        if !ids.contains(&r.as_str()) {
            ids.push(r);
        }
    }
    ids
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

    let mut next_message: i64 =
        sqlx::query_scalar::<_, i64>("SELECT coalesce(max(id), 0) + 1 FROM messages")
            .fetch_one(&mut **tx)
            .await?;
    let mut next_thread: i64 =
        sqlx::query_scalar::<_, i64>("SELECT coalesce(max(id), 0) + 1 FROM threads")
            .fetch_one(&mut **tx)
            .await?;

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
    let mut subject_keys: Vec<&str> = Vec::new();
    for &(i, _) in &fresh {
        let m = &batch[i];
        all_ids.extend(thread_keys(m));
        if m.references.is_empty() && !m.subject_key.is_empty() {
            subject_keys.push(&m.subject_key);
        }
    }
    all_ids.sort_unstable();
    all_ids.dedup();
    subject_keys.sort_unstable();
    subject_keys.dedup();
    let mut owner: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT t.message_id, t.thread_id FROM json_each(?) j JOIN thread_ids t ON t.message_id = j.value",
    )
    .bind(json_list(&all_ids))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let known_ids: HashSet<String> = owner.keys().cloned().collect();

    let mut threads = Threads::default();
    let mut wanted: Vec<i64> = owner.values().copied().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let db_threads = sqlx::query_as::<_, (i64, i64, bool, String, String)>(
        "SELECT id, last_date, has_root, subject, subject_key FROM threads
         WHERE id IN (SELECT value FROM json_each(?1))
            OR subject_key IN (SELECT value FROM json_each(?2))",
    )
    .bind(json_list(&wanted))
    .bind(json_list(&subject_keys))
    .fetch_all(&mut **tx)
    .await?;
    for (id, last_date, has_root, subject, subject_key) in db_threads {
        threads.add(
            id,
            ThreadState {
                last_date,
                has_root,
                root_subject: None,
                is_new: false,
                subject,
                subject_key,
            },
        );
    }

    // 3. Thread every new message, in batch order.
    let mut assigned: Vec<i64> = Vec::with_capacity(fresh.len());
    for &(i, _) in &fresh {
        let m = &batch[i];
        let ids = thread_keys(m);
        let mut found: Vec<i64> = ids
            .iter()
            .filter_map(|id| owner.get(*id).copied())
            .collect();
        if found.is_empty() && m.references.is_empty() && !m.subject_key.is_empty() {
            found.extend(threads.by_subject(m));
        }
        let thread = match threads.union(&found) {
            Some(t) => t,
            None => {
                let t = next_thread;
                next_thread += 1;
                threads.add(
                    t,
                    ThreadState {
                        last_date: m.date,
                        has_root: false,
                        root_subject: None,
                        is_new: true,
                        subject: m.subject.clone(),
                        subject_key: m.subject_key.clone(),
                    },
                );
                t
            }
        };
        for id in ids {
            owner.insert(id.to_owned(), thread);
        }
        if let Some(st) = threads.state.get_mut(&thread) {
            st.last_date = st.last_date.max(m.date);
            let is_root = !m.is_reply_subject && m.references.is_empty();
            if is_root && !st.has_root {
                st.has_root = true;
                st.root_subject = Some(m.subject.clone());
            }
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
    for &(gone, keep) in &threads.merged_db {
        let keep = threads.find(keep);
        for sql in [
            "UPDATE messages SET thread_id = ?1 WHERE thread_id = ?2",
            "UPDATE thread_ids SET thread_id = ?1 WHERE thread_id = ?2",
            "DELETE FROM threads WHERE id = ?2",
        ] {
            sqlx::query(sql)
                .bind(keep)
                .bind(gone)
                .execute(&mut **tx)
                .await?;
        }
    }
    let new_threads: Vec<(i64, &ThreadState)> = threads
        .state
        .iter()
        .filter(|(id, st)| st.is_new && threads.find(**id) == **id)
        .map(|(id, st)| (*id, st))
        .collect();
    for chunk in new_threads.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO threads (id, subject, subject_key, last_date) ",
        );
        q.push_values(chunk, |mut row, (id, st)| {
            row.push_bind(*id)
                .push_bind(&st.subject)
                .push_bind(&st.subject_key)
                .push_bind(st.last_date);
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

    // 5. Thread summaries, recomputed for every thread this batch touched.
    let mut touched: Vec<i64> = assigned.clone();
    touched.sort_unstable();
    touched.dedup();
    let roots: Vec<(i64, Option<&str>, bool)> = touched
        .iter()
        .filter_map(|t| {
            threads
                .state
                .get(t)
                .map(|s| (*t, s.root_subject.as_deref(), s.has_root))
        })
        .collect();
    sqlx::query(
        "UPDATE threads SET has_root = has_root | (j.value ->> 2),
            subject = CASE WHEN has_root = 0 AND (j.value ->> 1) IS NOT NULL THEN j.value ->> 1 ELSE subject END
         FROM json_each(?) j WHERE threads.id = j.value ->> 0",
    )
    .bind(serde_json::to_string(&roots).unwrap_or_else(|_| "[]".into()))
    .execute(&mut **tx)
    .await?;
    refresh_threads(tx, &touched).await?;

    contacts_for(tx, &rows, now_ms).await?;
    Ok(outcomes)
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
