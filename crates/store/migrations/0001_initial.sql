-- Switchboard schema v1. Migrations are append-only: never edit this file once shipped.
-- Times are INTEGER milliseconds since the Unix epoch (UTC).

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,                -- local, imap, gmail, graph, caldav, ...
    email TEXT,
    -- Name of the keychain entry holding this account's secret; never the secret itself.
    secret_ref TEXT,
    settings_json TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);

CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT,                         -- inbox, sent, drafts, archive, trash, junk
    uidvalidity INTEGER,
    UNIQUE (account_id, name)
);

CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    -- Normalised subject, for the subject fallback when references are missing.
    subject_key TEXT NOT NULL,
    last_date INTEGER NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0,
    unread_count INTEGER NOT NULL DEFAULT 0,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    -- 1 once the thread holds a message whose subject is not a reply/forward; a
    -- reference-less original then no longer adopts orphan replies by subject.
    has_root INTEGER NOT NULL DEFAULT 0,
    snippet TEXT NOT NULL DEFAULT '',
    participants TEXT NOT NULL DEFAULT ''  -- senders, oldest first, joined by U+001F
);
CREATE INDEX threads_by_date ON threads (last_date DESC, id DESC);
CREATE INDEX threads_by_subject_key ON threads (subject_key, last_date);

-- Every Message-ID a thread owns: its messages' own ids and the ids they reference
-- (including parents we have not seen yet), so a late parent joins the right thread.
CREATE TABLE thread_ids (
    message_id TEXT PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX thread_ids_by_thread ON thread_ids (thread_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uid INTEGER,                       -- server UID where the source has one
    -- Message-ID when present, else "sha256:<hash of raw bytes>": the re-import key.
    dedupe_key TEXT NOT NULL,
    message_id TEXT,
    in_reply_to TEXT,
    thread_id INTEGER NOT NULL REFERENCES threads(id),
    subject TEXT NOT NULL DEFAULT '',
    from_name TEXT,
    from_email TEXT,
    to_json TEXT NOT NULL DEFAULT '[]',
    cc_json TEXT NOT NULL DEFAULT '[]',
    date INTEGER NOT NULL,
    snippet TEXT NOT NULL DEFAULT '',
    seen INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    parse_error TEXT,
    source_position TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    UNIQUE (folder_id, dedupe_key)
);
CREATE INDEX messages_by_thread ON messages (thread_id, date);
CREATE INDEX messages_by_folder_date ON messages (folder_id, date DESC);
CREATE INDEX messages_by_message_id ON messages (message_id);

-- Raw source kept apart so list queries never page it in.
CREATE TABLE message_raw (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    raw BLOB NOT NULL
);

CREATE TABLE message_addresses (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,                -- from, to, cc, bcc
    PRIMARY KEY (email, message_id, role)
) WITHOUT ROWID;
CREATE INDEX message_addresses_by_message ON message_addresses (message_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_id TEXT
);
CREATE INDEX attachments_by_message ON attachments (message_id);

-- Standalone FTS5 table (it keeps its own copy of the text) so snippet() and
-- highlight() work; rowid = messages.id.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    subject, participants, body, attachments,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    display_name TEXT,
    company TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE contact_emails (
    email TEXT PRIMARY KEY,            -- normalised (lower-case)
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX contact_emails_by_contact ON contact_emails (contact_id);

CREATE TABLE calendars (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '#3b82f6',
    visible INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    uid TEXT NOT NULL,
    -- '' for a master or single event, the instance's UTC start (ms) for an override.
    recurrence_id TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    location TEXT,
    description TEXT,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    all_day INTEGER NOT NULL DEFAULT 0,
    tzid TEXT,
    recurring INTEGER NOT NULL DEFAULT 0,
    -- Last instance end for recurring events (NULL = unbounded), for window queries.
    until_at INTEGER,
    broken TEXT,
    raw TEXT NOT NULL,
    UNIQUE (calendar_id, uid, recurrence_id)
);
CREATE INDEX events_by_time ON events (start_at, until_at);

CREATE TABLE event_attendees (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT,
    partstat TEXT,
    is_organizer INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, email)
) WITHOUT ROWID;
CREATE INDEX event_attendees_by_email ON event_attendees (email);

CREATE TABLE ticket_sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,                -- fluentsupport, mailbox
    settings_json TEXT NOT NULL DEFAULT '{}',
    secret_ref TEXT
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES ticket_sources(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT,
    status TEXT NOT NULL,
    urgency TEXT NOT NULL,
    customer_email TEXT,
    customer_name TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (source_id, external_id)
);
CREATE INDEX tickets_by_updated ON tickets (updated_at DESC);
CREATE INDEX tickets_by_customer ON tickets (customer_email);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    -- Client-generated key that makes a retried job safe (e.g. an outgoing Message-ID).
    idempotency_key TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued', -- queued, running, done, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_runnable ON jobs (state, run_after);

CREATE TABLE sync_cursors (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,               -- e.g. "folder:INBOX", "calendar:work"
    cursor TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, scope)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,               -- user, sync, rule:<id>, cli
    action TEXT NOT NULL,
    subject TEXT,
    detail_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
