-- Gmail and Graph name a draft with a string, while the outbox keeps a number for each
-- draft's copy on the server (an IMAP UID). This maps that number to the provider's id.
CREATE TABLE remote_drafts (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    local_key INTEGER NOT NULL,
    remote_id TEXT NOT NULL,
    PRIMARY KEY (account_id, local_key)
);
