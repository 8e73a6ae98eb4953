-- Threading: the subject fallback becomes a rule between two messages, so that any
-- arrival order gives the same threads. It needs each reference-less message's own
-- normalised subject, date and reply flag, not only those of the thread it joined.

-- One row per stored message that has no References/In-Reply-To and a non-empty
-- subject key. Rows go with their message; the thread keeps the Message-IDs it learned.
CREATE TABLE subject_fallback (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    subject_key TEXT NOT NULL,
    is_reply INTEGER NOT NULL,
    date INTEGER NOT NULL
);
CREATE INDEX subject_fallback_by_key ON subject_fallback (subject_key, date);

-- Messages stored before this migration: their keys were not kept. Originals whose
-- subject is already its own key (plain ASCII, no prefix, no In-Reply-To) are the
-- ones orphan replies look for, and can be recognised; the rest take no part.
INSERT INTO subject_fallback (message_id, subject_key, is_reply, date)
SELECT m.id, t.subject_key, 0, m.date
FROM messages m JOIN threads t ON t.id = m.thread_id
WHERE m.in_reply_to IS NULL AND t.subject_key != '' AND lower(trim(m.subject)) = t.subject_key;
