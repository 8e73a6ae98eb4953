// "Insert my available times": a small popover that asks the backend for a few free
// meeting times from the user's calendars and hands their text (one line per day, in the
// recipient's zone) to the composer.
import { useState } from "react";
import { availableTimes } from "../../ipc/bindings";
import { ErrorNote } from "../../components/ErrorNote";
import { Spinner } from "../../components/Spinner";
import { ZonePicker } from "../calendar/ZonePicker";
import { systemZone } from "../calendar/tz";
import "./availableTimes.css";

const DURATIONS = [15, 30, 45, 60, 90];
const DAYS = [3, 5, 10, 14];

interface Props {
  /** Called with the block to insert into the message. */
  onInsert(text: string): void;
}

export function AvailableTimesButton({ onInsert }: Props) {
  const myZone = systemZone();
  // Zone abbreviations shown in the picker are those in force when the popover opened.
  const [now] = useState(() => Date.now());
  const [open, setOpen] = useState(false);
  const [duration, setDuration] = useState(30);
  const [days, setDays] = useState(5);
  const [zone, setZone] = useState(myZone);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [nothing, setNothing] = useState<string[] | null>(null);

  const insert = async () => {
    setBusy(true);
    setError(null);
    setNothing(null);
    try {
      const result = await availableTimes({
        duration_minutes: duration,
        days,
        recipient_time_zone: zone,
        my_time_zone: myZone,
        max_slots: 6,
      });
      if (result.slots.length === 0) {
        setNothing(result.obstacles);
      } else {
        onInsert(`Here are some times that work for me:\n${result.text}`);
        setOpen(false);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="available-times">
      <button
        type="button"
        className="btn btn--small"
        data-testid="compose-available-times"
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        Insert my available times
      </button>
      {open && (
        <div
          className="available-times__popover"
          role="dialog"
          aria-label="Insert my available times"
          data-testid="available-times-popover"
          onKeyDown={(e) => {
            // Esc closes this popover, not the whole message.
            if (e.key === "Escape") {
              e.stopPropagation();
              setOpen(false);
            }
          }}
        >
          <label>
            Meeting length
            <select
              className="select"
              data-testid="available-times-duration"
              value={duration}
              onChange={(e) => setDuration(Number(e.target.value))}
            >
              {DURATIONS.map((d) => (
                <option key={d} value={d}>
                  {d} minutes
                </option>
              ))}
            </select>
          </label>
          <label>
            Look ahead
            <select className="select" data-testid="available-times-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {DAYS.map((d) => (
                <option key={d} value={d}>
                  {d} days
                </option>
              ))}
            </select>
          </label>
          <div className="available-times__zone">
            <span>Recipient’s time zone</span>
            <ZonePicker label="Recipient’s time zone" value={zone} now={now} onChange={(z) => setZone(z ?? myZone)} testId="available-times-zone-picker" />
          </div>
          {nothing && (
            <p className="available-times__none" role="status" data-testid="available-times-none">
              No free times in the next {days} days{nothing.length > 0 ? `: ${nothing.join("; ")}` : "."}
            </p>
          )}
          {error !== null && <ErrorNote error={error} />}
          <div className="available-times__actions">
            <button type="button" className="btn btn--small btn--primary" data-testid="available-times-insert" disabled={busy} onClick={() => void insert()}>
              {busy ? <Spinner label="Finding times…" /> : "Insert"}
            </button>
            <button type="button" className="btn btn--small" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
