-- Search (issue 3): pages of results newest first without sorting the whole mailbox.
-- `ORDER BY date DESC, id DESC` walks an index on (date) backwards (the rowid is its
-- last column). The partial indexes serve is:unread, is:flagged and has:attachment on
-- their own, however few messages qualify; search writes those terms as literals
-- (`seen = 0`) so the planner can match them. IF NOT EXISTS: another migration may add
-- an index of the same name and shape.

CREATE INDEX IF NOT EXISTS messages_by_date ON messages (date);
CREATE INDEX IF NOT EXISTS messages_unread_by_date ON messages (date) WHERE seen = 0;
CREATE INDEX IF NOT EXISTS messages_flagged_by_date ON messages (date) WHERE flagged = 1;
CREATE INDEX IF NOT EXISTS messages_with_attachments_by_date ON messages (date)
    WHERE has_attachments = 1;
