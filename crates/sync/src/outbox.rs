//! Sending mail through the durable outbox, with undo, and keeping drafts.
//!
//! [`Outbox::queue_send`] writes the message and its job before anything is sent; the
//! undo window (5–30 s) is the row's `send_after`, and [`Outbox::cancel_send`] takes it
//! back while nothing has started. [`Outbox::run_due`] then moves each due message
//! through committed steps:
//!
//! 1. claim it (a lease, so a crashed runner's message is picked up again);
//! 2. `sending`, committed before SMTP is spoken;
//! 3. resuming a `sending` whose end-of-data mark may have left: ask Sent for the
//!    Message-ID and skip SMTP if it is there;
//! 4. SMTP up to the end-of-data mark, record that the mark is about to leave, send it;
//! 5. `smtp_accepted`, committed as soon as the server says yes;
//! 6. the copy in Sent, unless the provider files one itself (and, when resuming, only
//!    if Sent does not have it already);
//! 7. `done`, and the job with it.
//!
//! Whatever stops the process, the row says how far it got, so nothing is lost and
//! nothing is sent twice. The one moment SMTP cannot settle is a connection lost after
//! the end-of-data mark and before the answer: the server may or may not have the
//! message. A provider that files sent mail itself tells through Sent; otherwise the
//! message is stopped as `failed` with a message saying it may already have gone, and
//! only the user's explicit "send again" ([`Outbox::retry`] with `resend`) sends it.
//!
//! Temporary failures (4xx, a dropped connection, a timeout) retry with exponential
//! backoff and jitter up to [`RetryPolicy::max_attempts`]; permanent ones (5xx, a wrong
//! password) stop at once. Time and randomness are passed in: the [`Clock`] and a seeded
//! [`fastrand::Rng`].

mod drafts;
mod transport;

pub use drafts::SavedDraft;
pub use transport::{MailTransport, SmtpTransport};

use std::sync::{Arc, Mutex};

use switchboard_core::{Clock, ErrorCode};
use switchboard_mail::compose::{new_message_id, to_mime, ComposeError, Draft, RemoteMailbox};
use switchboard_mail::net::NetError;
use switchboard_mail::smtp::{Envelope, SmtpError};
use switchboard_store::{ClaimedSend, NewOutboxMessage, OutboxRow, OutboxState, Store, StoreError};

/// The shortest and longest undo window, in seconds.
pub const UNDO_SECS: std::ops::RangeInclusive<u32> = 5..=30;

/// What the runner needs to know about the account it sends for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendAccount {
    pub account_id: i64,
    /// The provider files a copy of SMTP-sent mail in Sent by itself (Gmail, Outlook):
    /// appending one would make two. `provider_saves_sent` in the account settings.
    pub provider_saves_sent: bool,
}

impl SendAccount {
    /// Reads `provider_saves_sent` from the account's `settings_json` (false if absent).
    pub fn from_settings(account_id: i64, settings_json: &str) -> Self {
        let provider_saves_sent = serde_json::from_str::<serde_json::Value>(settings_json)
            .ok()
            .and_then(|v| v.get("provider_saves_sent").and_then(|b| b.as_bool()))
            .unwrap_or(false);
        Self {
            account_id,
            provider_saves_sent,
        }
    }
}

/// How often and how patiently a temporary failure is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts (claims) before a message is `failed`.
    pub max_attempts: i64,
    pub first_delay_ms: i64,
    pub max_delay_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            first_delay_ms: 30_000,
            max_delay_ms: 30 * 60_000,
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based): doubling from
    /// `first_delay_ms`, capped, then between half and all of it at random so that many
    /// queued messages do not all come back in the same second.
    pub fn delay_ms(&self, attempt: i64, rng: &mut fastrand::Rng) -> i64 {
        let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .first_delay_ms
            .max(1)
            .saturating_mul(1_i64 << exp)
            .min(self.max_delay_ms.max(1));
        let half = full / 2;
        half + rng.i64(0..=full - half)
    }
}

/// The points where [`Outbox::crash_at`] stops the runner as if the process died there,
/// each right after the step it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    Claimed,
    MarkedSending,
    /// The end-of-data mark is recorded as about to leave (it has not yet).
    DataCommitted,
    /// The server answered 250; the acceptance is not recorded yet.
    SmtpAnswered,
    AcceptedRecorded,
    SentCopied,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error("no message {0} in the outbox")]
    NotFound(i64),
    #[error("too late to undo: the message is {0}")]
    TooLate(&'static str),
    #[error("only a failed message can be tried again; this one is {0}")]
    NotFailed(&'static str),
    #[error("the server's mailbox could not be updated: {0}")]
    Remote(#[from] NetError),
    #[error("a saved draft could not be read: {0}")]
    BadDraft(String),
    /// Only from a runner told to [`crash_at`](Outbox::crash_at) this point.
    #[error("stopped at {0:?} (simulated crash)")]
    Interrupted(Checkpoint),
}

impl OutboxError {
    pub fn code(&self) -> ErrorCode {
        match self {
            OutboxError::Store(e) => e.code(),
            OutboxError::Compose(e) => e.code(),
            OutboxError::NotFound(_) => ErrorCode::NotFound,
            OutboxError::TooLate(_) | OutboxError::NotFailed(_) => ErrorCode::Conflict,
            OutboxError::Remote(e) => e.code(),
            OutboxError::BadDraft(_) | OutboxError::Interrupted(_) => ErrorCode::Internal,
        }
    }
}

/// A message in the outbox, waiting for its undo window to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedSend {
    pub outbox_id: i64,
    /// Without angle brackets.
    pub message_id: String,
    /// When it goes (ms since the epoch); until then it can be undone.
    pub send_after: i64,
}

/// An undone send: the message is a local draft again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelledSend {
    pub draft_id: i64,
    pub draft: Draft,
}

/// What one [`Outbox::run_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Message-IDs now done.
    pub sent: Vec<String>,
    pub deferred: usize,
    pub failed: usize,
}

enum Outcome {
    Sent(String),
    Deferred,
    Failed,
    /// Another runner holds the row now; leave it alone.
    LostClaim,
}

/// Which side of the end-of-data mark a failure happened on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// The server cannot have the message: it may be sent again freely.
    NotDelivered,
    /// The mark may have reached the server; nobody knows.
    Unknown,
    /// The server accepted it; only filing the copy is left.
    Accepted,
}

/// Queues, undoes and sends mail for the accounts of one database.
pub struct Outbox {
    store: Store,
    clock: Arc<dyn Clock>,
    rng: Mutex<fastrand::Rng>,
    policy: RetryPolicy,
    lease_ms: i64,
    crash_at: Option<Checkpoint>,
}

impl Outbox {
    pub fn new(store: Store, clock: Arc<dyn Clock>, rng: fastrand::Rng) -> Self {
        Self {
            store,
            clock,
            rng: Mutex::new(rng),
            policy: RetryPolicy::default(),
            // Longer than any one send can take with the SMTP step limits.
            lease_ms: 15 * 60_000,
            crash_at: None,
        }
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Fault injection for tests: [`run_due`](Self::run_due) stops right after
    /// `checkpoint` with [`OutboxError::Interrupted`], leaving the database (and the
    /// transport, which the test then drops) exactly as a crash there would.
    pub fn crash_at(mut self, checkpoint: Checkpoint) -> Self {
        self.crash_at = Some(checkpoint);
        self
    }

    /// Call once at start-up, before the first run: claims left by a process that died
    /// are released so its messages resume now rather than when their leases run out.
    pub async fn recover_after_restart(&self) -> Result<u64, OutboxError> {
        Ok(self.store.release_outbox_claims(self.now_ms()).await?)
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    fn token(&self) -> String {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        format!("{:016x}{:016x}", rng.u64(..), rng.u64(..))
    }

    fn checkpoint(&self, reached: Checkpoint) -> Result<(), OutboxError> {
        match self.crash_at {
            Some(at) if at == reached => Err(OutboxError::Interrupted(at)),
            _ => Ok(()),
        }
    }

    /// Queues `draft` to go after the undo window (`undo_secs`, held to 5–30 s). The
    /// Message-ID is made here, so every retry sends the very same message. `draft_id`
    /// is the local draft it was written in; it leaves the drafts list now.
    pub async fn queue_send(
        &self,
        account_id: i64,
        draft: &Draft,
        draft_id: Option<i64>,
        undo_secs: u32,
    ) -> Result<QueuedSend, OutboxError> {
        let envelope = draft.envelope()?;
        let message_id = new_message_id(&self.token(), &draft.from.email);
        let now = self.now_ms();
        let raw = to_mime(draft, &message_id, now)?;
        let draft_json =
            serde_json::to_string(draft).map_err(|e| OutboxError::BadDraft(e.to_string()))?;
        let undo_ms = i64::from(undo_secs.clamp(*UNDO_SECS.start(), *UNDO_SECS.end())) * 1000;
        let send_after = now + undo_ms;
        let outbox_id = self
            .store
            .queue_outbox(
                &NewOutboxMessage {
                    account_id,
                    message_id: &message_id,
                    raw: &raw,
                    draft_json: &draft_json,
                    draft_id,
                    envelope_from: &envelope.from,
                    recipients: &envelope.recipients,
                    send_after,
                },
                now,
            )
            .await?;
        Ok(QueuedSend {
            outbox_id,
            message_id,
            send_after,
        })
    }

    /// Undo: only while the message is still waiting and no runner has picked it up. It
    /// comes back as a local draft, for editing.
    pub async fn cancel_send(&self, outbox_id: i64) -> Result<CancelledSend, OutboxError> {
        match self.store.cancel_outbox(outbox_id, self.now_ms()).await? {
            Some(row) => {
                let draft = serde_json::from_str(&row.compose_json)
                    .map_err(|e| OutboxError::BadDraft(e.to_string()))?;
                Ok(CancelledSend {
                    draft_id: row.id,
                    draft,
                })
            }
            None => {
                let row = self
                    .store
                    .outbox_item(outbox_id)
                    .await?
                    .ok_or(OutboxError::NotFound(outbox_id))?;
                Err(OutboxError::TooLate(match row.state {
                    OutboxState::Queued => "being sent",
                    OutboxState::Sending => "being sent",
                    OutboxState::SmtpAccepted | OutboxState::Done => "already sent",
                    OutboxState::Cancelled => "already cancelled",
                    OutboxState::Failed => "failed (retry or discard it instead)",
                }))
            }
        }
    }

    /// The user's "try again" on a failed message; see [`Store::retry_outbox`] for
    /// `resend`.
    pub async fn retry(&self, outbox_id: i64, resend: bool) -> Result<(), OutboxError> {
        if self
            .store
            .retry_outbox(outbox_id, resend, self.now_ms())
            .await?
        {
            return Ok(());
        }
        let row = self
            .store
            .outbox_item(outbox_id)
            .await?
            .ok_or(OutboxError::NotFound(outbox_id))?;
        Err(OutboxError::NotFailed(match row.state {
            OutboxState::Queued | OutboxState::Sending => "still on its way",
            OutboxState::SmtpAccepted | OutboxState::Done => "already sent",
            OutboxState::Cancelled => "cancelled",
            OutboxState::Failed => "failed",
        }))
    }

    /// Sends every message of the account that is due now, one at a time.
    pub async fn run_due<T: MailTransport, M: RemoteMailbox>(
        &self,
        account: &SendAccount,
        transport: &mut T,
        mailbox: &mut M,
    ) -> Result<RunReport, OutboxError> {
        let mut report = RunReport::default();
        loop {
            let claim = self.token();
            let Some(item) = self
                .store
                .claim_outbox(account.account_id, &claim, self.lease_ms, self.now_ms())
                .await?
            else {
                return Ok(report);
            };
            self.checkpoint(Checkpoint::Claimed)?;
            match self.send_one(account, item, transport, mailbox).await? {
                Outcome::Sent(id) => report.sent.push(id),
                Outcome::Deferred => report.deferred += 1,
                Outcome::Failed => report.failed += 1,
                Outcome::LostClaim => {}
            }
        }
    }

    async fn send_one<T: MailTransport, M: RemoteMailbox>(
        &self,
        account: &SendAccount,
        item: ClaimedSend,
        transport: &mut T,
        mailbox: &mut M,
    ) -> Result<Outcome, OutboxError> {
        let ClaimedSend { row, raw, claim } = item;
        let (id, lease) = (row.id, self.lease_ms);
        // Whether Sent is known to hold the message, known not to, or unknown.
        let mut in_sent: Option<bool> = None;

        if row.state != OutboxState::SmtpAccepted {
            if row.state == OutboxState::Sending && row.data_committed {
                // Step 3: a previous attempt stopped after the end-of-data mark may have
                // left. Only Sent can tell whether the server took it.
                match mailbox.sent_contains(&row.message_id).await {
                    Ok(true) => in_sent = Some(true),
                    Ok(false) if account.provider_saves_sent => {}
                    Ok(false) => {
                        let message = "This message may already have been sent: the connection \
                            was lost while the server was confirming it, and this account's Sent \
                            folder cannot tell. Check with a recipient, then send it again or \
                            discard it.";
                        return self.fail(id, &claim, message, Delivery::Unknown).await;
                    }
                    Err(e) => {
                        let message = format!("Could not check Sent for an interrupted send: {e}");
                        return self
                            .give_up_or_retry(
                                &row,
                                &claim,
                                &message,
                                e.is_retryable(),
                                Delivery::Unknown,
                            )
                            .await;
                    }
                }
            }
            if in_sent == Some(true) {
                if !self
                    .store
                    .mark_outbox_accepted(
                        id,
                        &claim,
                        "found in Sent after an interruption",
                        lease,
                        self.now_ms(),
                    )
                    .await?
                {
                    return Ok(Outcome::LostClaim);
                }
            } else {
                // Step 2.
                if !self
                    .store
                    .mark_outbox_sending(id, &claim, lease, self.now_ms())
                    .await?
                {
                    return Ok(Outcome::LostClaim);
                }
                self.checkpoint(Checkpoint::MarkedSending)?;
                // Step 4.
                let envelope = Envelope {
                    from: row.envelope_from.clone(),
                    recipients: row.recipients.clone(),
                };
                if let Err(e) = transport.begin(&envelope, &raw).await {
                    return self
                        .smtp_failed(&row, &claim, &e, Delivery::NotDelivered)
                        .await;
                }
                if !self
                    .store
                    .mark_outbox_data_committed(id, &claim, lease, self.now_ms())
                    .await?
                {
                    // Dropping the unfinished session (at the next begin) discards it.
                    return Ok(Outcome::LostClaim);
                }
                self.checkpoint(Checkpoint::DataCommitted)?;
                let accepted = match transport.finish().await {
                    Ok(reply) => reply,
                    Err(e) => {
                        // A reply (4xx/5xx) is a clear "not taken"; silence is not.
                        let delivery = match e {
                            SmtpError::Deferred { .. } | SmtpError::Refused { .. } => {
                                Delivery::NotDelivered
                            }
                            _ => Delivery::Unknown,
                        };
                        return self.smtp_failed(&row, &claim, &e, delivery).await;
                    }
                };
                self.checkpoint(Checkpoint::SmtpAnswered)?;
                // Step 5.
                if !self
                    .store
                    .mark_outbox_accepted(id, &claim, &accepted, lease, self.now_ms())
                    .await?
                {
                    return Ok(Outcome::LostClaim);
                }
                self.checkpoint(Checkpoint::AcceptedRecorded)?;
                // Nothing can have filed it in Sent but us, and we have not yet.
                in_sent = Some(false);
            }
        }

        // Step 6.
        if !account.provider_saves_sent {
            let present = match in_sent {
                Some(known) => Ok(known),
                None => mailbox.sent_contains(&row.message_id).await,
            };
            let filed = match present {
                Ok(true) => Ok(()),
                Ok(false) => mailbox.append_sent(&raw).await,
                Err(e) => Err(e),
            };
            if let Err(e) = filed {
                let message =
                    format!("Sent to the recipients, but the copy could not be filed in Sent: {e}");
                return self
                    .give_up_or_retry(&row, &claim, &message, e.is_retryable(), Delivery::Accepted)
                    .await;
            }
            self.checkpoint(Checkpoint::SentCopied)?;
        }

        // Step 7. The Drafts copy it was written in goes; failing that is only a note.
        let note =
            match row.remote_draft_uid {
                Some(uid) => mailbox.delete_draft(uid).await.err().map(|e| {
                    format!("Sent, but its earlier copy in Drafts could not be removed: {e}")
                }),
                None => None,
            };
        if self
            .store
            .complete_outbox(id, &claim, note.as_deref(), self.now_ms())
            .await?
        {
            Ok(Outcome::Sent(row.message_id))
        } else {
            Ok(Outcome::LostClaim)
        }
    }

    async fn smtp_failed(
        &self,
        row: &OutboxRow,
        claim: &str,
        e: &SmtpError,
        delivery: Delivery,
    ) -> Result<Outcome, OutboxError> {
        tracing::info!(
            outbox_id = row.id,
            kind = e.kind(),
            "send attempt failed: {e}"
        );
        self.give_up_or_retry(row, claim, &e.to_string(), e.is_retryable(), delivery)
            .await
    }

    async fn give_up_or_retry(
        &self,
        row: &OutboxRow,
        claim: &str,
        message: &str,
        retryable: bool,
        delivery: Delivery,
    ) -> Result<Outcome, OutboxError> {
        if !retryable {
            return self.fail(row.id, claim, message, delivery).await;
        }
        if row.attempts >= self.policy.max_attempts {
            let message = format!("Gave up after {} attempts: {message}", row.attempts);
            return self.fail(row.id, claim, &message, delivery).await;
        }
        let delay = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            self.policy.delay_ms(row.attempts, &mut rng)
        };
        let now = self.now_ms();
        let nothing_sent = delivery == Delivery::NotDelivered;
        if self
            .store
            .defer_outbox(row.id, claim, message, now + delay, nothing_sent, now)
            .await?
        {
            Ok(Outcome::Deferred)
        } else {
            Ok(Outcome::LostClaim)
        }
    }

    async fn fail(
        &self,
        id: i64,
        claim: &str,
        message: &str,
        delivery: Delivery,
    ) -> Result<Outcome, OutboxError> {
        let nothing_sent = delivery == Delivery::NotDelivered;
        if self
            .store
            .fail_outbox(id, claim, message, nothing_sent, self.now_ms())
            .await?
        {
            Ok(Outcome::Failed)
        } else {
            Ok(Outcome::LostClaim)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let policy = RetryPolicy {
            max_attempts: 8,
            first_delay_ms: 1_000,
            max_delay_ms: 10_000,
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for (attempt, full) in [
            (1, 1_000),
            (2, 2_000),
            (3, 4_000),
            (4, 8_000),
            (5, 10_000),
            (60, 10_000),
        ] {
            for _ in 0..50 {
                let d = policy.delay_ms(attempt, &mut rng);
                assert!((full / 2..=full).contains(&d), "attempt {attempt}: {d}");
            }
        }
        let a = policy.delay_ms(3, &mut fastrand::Rng::with_seed(1));
        let b = policy.delay_ms(3, &mut fastrand::Rng::with_seed(1));
        assert_eq!(a, b, "the same seed, the same schedule");
    }

    #[test]
    fn the_provider_flag_is_read_from_the_settings() {
        let cases = [
            (r#"{"provider_saves_sent": true, "user": "x"}"#, true),
            (r#"{"provider_saves_sent": false}"#, false),
            ("{}", false),
            ("not json", false),
        ];
        for (json, want) in cases {
            assert_eq!(
                SendAccount::from_settings(1, json).provider_saves_sent,
                want,
                "{json}"
            );
        }
    }
}
