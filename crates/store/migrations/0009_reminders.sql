-- Event reminders as durable scheduled jobs: one row per alarm firing (an event's VALARM
-- or the default reminder, for one occurrence), planned ahead from the events. A row is
-- shown once: `fired` on time, or `missed` when the app was not running at its moment
-- (then shown late, once). A planned row whose event moved or went away is dropped.
CREATE TABLE reminders (
    -- calendar:uid:occurrence ms:alarm index:fire ms
    key TEXT PRIMARY KEY,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    uid TEXT NOT NULL,
    recurrence_id INTEGER,
    summary TEXT NOT NULL,
    instance_start INTEGER NOT NULL,
    fire_at INTEGER NOT NULL,
    -- scheduled, fired or missed
    state TEXT NOT NULL DEFAULT 'scheduled',
    shown_at INTEGER
);
CREATE INDEX reminders_due ON reminders (state, fire_at);
