-- Outgoing mail and local drafts. Append-only like every migration.

-- One row per message being sent, written (with its 'send' job, in one transaction)
-- before anything talks to a server, and kept after it is sent: a crash never loses a
-- message and, with the steps recorded here, never sends one twice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- Without angle brackets; also the job's idempotency key and what Sent is searched for.
    message_id TEXT NOT NULL UNIQUE,
    raw BLOB NOT NULL,                 -- the exact bytes sent (Bcc header included) and filed in Sent
    draft_json TEXT NOT NULL,          -- the compose state, handed back when the send is undone
    remote_draft_uid INTEGER,          -- the Drafts copy it was written as, removed once sent
    envelope_from TEXT NOT NULL,
    recipients_json TEXT NOT NULL,     -- JSON array: To, Cc and Bcc
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'smtp_accepted', 'done', 'cancelled', 'failed')),
    -- Committed just before the end-of-data mark goes out: from then on the server may
    -- hold the message even if its answer never arrived.
    data_committed_at INTEGER,
    -- For 'failed': the state a retry resumes from (never before 'smtp_accepted' once reached).
    resume_state TEXT,
    send_after INTEGER NOT NULL,       -- the undo window's end, later the next retry
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    smtp_reply TEXT,                   -- the server's acceptance (queue id)
    claim TEXT,                        -- the runner working on it, until lease_until:
    lease_until INTEGER,               -- a crashed runner's claim runs out
    sent_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (account_id, state, send_after);

-- Drafts as the user left them; the copy in the server's Drafts folder follows.
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    compose_json TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,        -- bumped by every local save
    remote_uid INTEGER,                         -- the copy in Drafts, if any
    remote_revision INTEGER NOT NULL DEFAULT 0, -- the revision that copy holds
    remote_error TEXT,                          -- why the last upload failed
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX drafts_by_account ON drafts (account_id, updated_at DESC);
