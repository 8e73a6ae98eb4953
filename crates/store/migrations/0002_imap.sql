-- IMAP sync: what LIST told us about each folder, which messages only have headers yet,
-- and one row per server message (folder, UID) so the local set can equal the server's.

ALTER TABLE folders ADD COLUMN wire_name TEXT;          -- name as the server spells it (mUTF-7)
ALTER TABLE folders ADD COLUMN delimiter TEXT;
ALTER TABLE folders ADD COLUMN selectable INTEGER NOT NULL DEFAULT 1;

-- 0 while only the header is stored (older than the account's body window); the body is
-- fetched when the message is opened.
ALTER TABLE messages ADD COLUMN body_complete INTEGER NOT NULL DEFAULT 1;

CREATE UNIQUE INDEX messages_by_folder_uid ON messages (folder_id, uid) WHERE uid IS NOT NULL;

-- Senders whose remote content (images, fonts) the user allowed.
CREATE TABLE remote_content_allowed (
    email TEXT PRIMARY KEY,
    allowed_at INTEGER NOT NULL
);
