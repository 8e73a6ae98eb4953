-- Mail from HTTP APIs (Gmail, Microsoft Graph): a message is identified by the provider's
-- id, not by (folder, UID); Gmail labels list one message in several folders; and each
-- account's sync state is kept for the account list and Sync health.

-- The provider's message id (Gmail id, Graph immutable id). One row per remote message.
ALTER TABLE messages ADD COLUMN remote_id TEXT;
CREATE UNIQUE INDEX messages_by_remote_id ON messages (account_id, remote_id)
    WHERE remote_id IS NOT NULL;

-- Gmail labels beyond a message's home folder (its `folder_id`: Trash, Spam or All Mail).
-- A thread list of a folder shows the messages whose home it is and those labelled with it.
CREATE TABLE message_labels (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, folder_id)
) WITHOUT ROWID;
CREATE INDEX message_labels_by_folder ON message_labels (folder_id, message_id);

-- What an account's sync is doing: syncing, up_to_date, needs_sign_in, rate_limited,
-- offline or error; `until_ms` is when a rate-limited account may send requests again.
CREATE TABLE account_status (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    detail TEXT,
    until_ms INTEGER,
    updated_at INTEGER NOT NULL
);
