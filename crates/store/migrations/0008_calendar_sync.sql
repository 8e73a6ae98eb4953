-- Calendars from servers (CalDAV, Google Calendar, Microsoft Graph). A server calendar is
-- identified by its remote id (collection href / calendarId / Graph id); its events arrive
-- as RESOURCES (one iCalendar object per href holding one UID's master and/or overrides),
-- from which the `events` rows are derived. Local edits wait in the resource row until the
-- server accepts them.

ALTER TABLE calendars ADD COLUMN remote_id TEXT;
-- The server's incremental state: a sync-collection token, a syncToken or a deltaLink.
ALTER TABLE calendars ADD COLUMN sync_token TEXT;
ALTER TABLE calendars ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calendars ADD COLUMN time_zone TEXT;
-- Set once the user picks a colour, so the server's colour no longer replaces it.
ALTER TABLE calendars ADD COLUMN color_chosen INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX calendars_by_remote ON calendars (account_id, remote_id)
    WHERE remote_id IS NOT NULL;

CREATE TABLE calendar_resources (
    id INTEGER PRIMARY KEY,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    href TEXT NOT NULL,
    -- The server's ETag for `ics` (NULL for a local resource never written to the server).
    etag TEXT,
    -- The whole iCalendar object (VCALENDAR with its VTIMEZONEs).
    ics TEXT NOT NULL,
    -- A local change the server has not accepted yet: 'create', 'update' or 'delete'.
    pending TEXT,
    -- The server's version when it refused our write (412): shown with what changed.
    conflict_ics TEXT,
    conflict_etag TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (calendar_id, href)
);

ALTER TABLE events ADD COLUMN resource_id INTEGER REFERENCES calendar_resources(id) ON DELETE CASCADE;
CREATE INDEX events_by_resource ON events (resource_id);
