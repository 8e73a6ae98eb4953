//! Shared by the outbox tests: an in-memory mailbox (Sent and Drafts), a scripted SMTP
//! transport, a database and a clock that only moves when the test moves it.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use switchboard_core::FixedClock;
use switchboard_mail::compose::{Draft, Mailbox, RemoteMailbox};
use switchboard_mail::net::NetError;
use switchboard_mail::parse_message;
use switchboard_mail::smtp::{Envelope, SmtpError};
use switchboard_store::Store;
use switchboard_sync::outbox::{MailTransport, Outbox, RetryPolicy};

pub const T0_MS: i64 = 1_794_920_400_000;

pub struct World {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    pub account: i64,
}

impl World {
    pub async fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let account = store
            .ensure_account("work", "imap", Some("rep@example.test"), T0_MS)
            .await
            .unwrap();
        let clock = Arc::new(FixedClock::new(Utc.timestamp_millis_opt(T0_MS).unwrap()));
        World {
            _dir: dir,
            store,
            clock,
            account,
        }
    }

    /// A runner over this database, as a freshly started process would make it.
    pub fn outbox(&self) -> Outbox {
        Outbox::new(
            self.store.clone(),
            self.clock.clone(),
            fastrand::Rng::with_seed(42),
        )
        .with_policy(RetryPolicy {
            max_attempts: 4,
            first_delay_ms: 10_000,
            max_delay_ms: 60_000,
        })
    }

    pub fn now_ms(&self) -> i64 {
        use switchboard_core::Clock;
        self.clock.now().timestamp_millis()
    }

    pub fn advance_secs(&self, secs: i64) {
        use switchboard_core::Clock;
        self.clock
            .set(self.clock.now() + chrono::Duration::seconds(secs));
    }

    /// Moves the clock to `ms` (never backwards).
    pub fn advance_to(&self, ms: i64) {
        if ms > self.now_ms() {
            self.clock.set(Utc.timestamp_millis_opt(ms).unwrap());
        }
    }

    pub async fn job(&self) -> switchboard_store::JobRow {
        self.store
            .recent_jobs(10)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.kind == "send")
            .unwrap()
    }
}

pub fn draft(from: &str) -> Draft {
    let mut d = Draft::new(Mailbox::named("Rep", from));
    d.to.push(Mailbox::new("lena@northwind.example"));
    d.bcc.push(Mailbox::new("archive@crm.example"));
    d.subject = "Quote for 40 seats".into();
    d.text = "Hi Lena,\n\nthe quote is attached.\n".into();
    d
}

#[derive(Default)]
pub struct MailboxState {
    pub sent: Vec<Vec<u8>>,
    pub drafts: BTreeMap<u32, Vec<u8>>,
    pub next_uid: u32,
    /// Calls of each operation, to prove what did not happen.
    pub sent_checks: usize,
    pub appends: usize,
    /// The next N appends / Sent checks / draft saves fail with this error kind.
    pub fail_appends: VecDeque<NetError>,
    pub fail_sent_checks: VecDeque<NetError>,
    pub fail_draft_saves: VecDeque<NetError>,
}

/// Sent and Drafts in memory. Clones share the same folders.
#[derive(Clone, Default)]
pub struct FakeMailbox(pub Arc<Mutex<MailboxState>>);

impl FakeMailbox {
    pub fn state(&self) -> std::sync::MutexGuard<'_, MailboxState> {
        self.0.lock().unwrap()
    }

    pub fn sent_ids(&self) -> Vec<String> {
        self.state()
            .sent
            .iter()
            .filter_map(|raw| parse_message(raw).message_id)
            .collect()
    }
}

impl RemoteMailbox for FakeMailbox {
    async fn sent_contains(&mut self, message_id: &str) -> Result<bool, NetError> {
        let mut s = self.state();
        s.sent_checks += 1;
        if let Some(e) = s.fail_sent_checks.pop_front() {
            return Err(e);
        }
        Ok(s.sent
            .iter()
            .any(|raw| parse_message(raw).message_id.as_deref() == Some(message_id)))
    }

    async fn append_sent(&mut self, raw: &[u8]) -> Result<(), NetError> {
        let mut s = self.state();
        s.appends += 1;
        if let Some(e) = s.fail_appends.pop_front() {
            return Err(e);
        }
        s.sent.push(raw.to_vec());
        Ok(())
    }

    async fn save_draft(
        &mut self,
        raw: &[u8],
        replaces: Option<u32>,
    ) -> Result<Option<u32>, NetError> {
        let mut s = self.state();
        if let Some(e) = s.fail_draft_saves.pop_front() {
            return Err(e);
        }
        s.next_uid += 1;
        let uid = s.next_uid;
        s.drafts.insert(uid, raw.to_vec());
        if let Some(old) = replaces {
            s.drafts.remove(&old);
        }
        Ok(Some(uid))
    }

    async fn delete_draft(&mut self, uid: u32) -> Result<(), NetError> {
        self.state().drafts.remove(&uid);
        Ok(())
    }
}

/// What the scripted transport does on its next `begin` / `finish`.
pub enum Scripted {
    Ok,
    Fail(SmtpError),
}

#[derive(Default)]
pub struct TransportState {
    /// Messages the "server" accepted: (envelope, raw).
    pub delivered: Vec<(Envelope, Vec<u8>)>,
    pub begins: usize,
    pub begin_script: VecDeque<Scripted>,
    pub finish_script: VecDeque<Scripted>,
    /// Models a provider that files accepted mail in Sent itself (Gmail): accepted
    /// messages also land in this mailbox's Sent.
    pub files_into: Option<FakeMailbox>,
    pending: Option<(Envelope, Vec<u8>)>,
}

/// An SMTP server in memory; on `Fail` at `finish` after the data, a "lost answer"
/// (a network error) still delivers, a 4xx/5xx does not.
#[derive(Clone, Default)]
pub struct FakeTransport(pub Arc<Mutex<TransportState>>);

impl FakeTransport {
    pub fn state(&self) -> std::sync::MutexGuard<'_, TransportState> {
        self.0.lock().unwrap()
    }

    pub fn delivered(&self) -> usize {
        self.state().delivered.len()
    }
}

impl MailTransport for FakeTransport {
    async fn begin(&mut self, envelope: &Envelope, raw: &[u8]) -> Result<(), SmtpError> {
        let mut s = self.state();
        s.begins += 1;
        s.pending = None;
        if let Some(Scripted::Fail(e)) = s.begin_script.pop_front() {
            return Err(e);
        }
        s.pending = Some((envelope.clone(), raw.to_vec()));
        Ok(())
    }

    async fn finish(&mut self) -> Result<String, SmtpError> {
        let mut s = self.state();
        let pending = s.pending.take().ok_or(NetError::Closed)?;
        let deliver = |s: &mut TransportState, pending: (Envelope, Vec<u8>)| {
            if let Some(mailbox) = &s.files_into {
                mailbox.state().sent.push(pending.1.clone());
            }
            s.delivered.push(pending);
        };
        match s.finish_script.pop_front() {
            Some(Scripted::Fail(e)) => {
                if matches!(e, SmtpError::Net(_)) {
                    deliver(&mut s, pending);
                }
                Err(e)
            }
            _ => {
                deliver(&mut s, pending);
                Ok("250 2.0.0 queued as FAKE".into())
            }
        }
    }
}

pub fn deferred() -> SmtpError {
    SmtpError::Deferred {
        during: "the message".into(),
        reply: "451 4.3.0 Try again later".into(),
    }
}
