// A searchable list of IANA zones (Intl.supportedValuesOf), opened from a button.
import { useEffect, useRef, useState } from "react";
import { searchZones, zoneAbbreviation } from "./tz";

export function ZonePicker({
  label,
  value,
  now,
  onChange,
  testId,
  allowNone,
}: {
  label: string;
  value: string | null;
  now: number;
  onChange(zone: string | null): void;
  testId: string;
  /** Offer "None" (for the optional second zone). */
  allowNone?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);
  const matches = open ? searchZones(query) : [];
  const choose = (zone: string | null) => {
    onChange(zone);
    setOpen(false);
    setQuery("");
  };
  return (
    <div
      className="zone-picker"
      data-testid={testId}
      onBlur={(e) => {
        // Focus left the picker (a click elsewhere): close it.
        if (open && !e.currentTarget.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        type="button"
        className="btn btn--small"
        aria-haspopup="listbox"
        aria-expanded={open}
        title={label}
        data-testid={`${testId}-button`}
        onClick={() => setOpen((o) => !o)}
      >
        {value ? `${value.replace(/_/g, " ")} (${zoneAbbreviation(now, value)})` : label}
      </button>
      {open && (
        <div
          className="zone-picker__popover"
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === "Escape") setOpen(false);
            if (e.key === "Enter" && matches[0]) choose(matches[0]);
          }}
        >
          <input
            ref={input}
            type="search"
            className="input"
            placeholder="Search zones (e.g. Berlin)"
            aria-label={label}
            data-testid={`${testId}-search`}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <ul role="listbox" aria-label={label} className="zone-picker__list">
            {allowNone && (
              <li role="option" tabIndex={-1} aria-selected={value === null} onClick={() => choose(null)} data-zone="">
                None
              </li>
            )}
            {matches.map((z) => (
              <li
                key={z}
                role="option"
                tabIndex={-1}
                aria-selected={z === value}
                data-zone={z}
                onClick={() => choose(z)}
              >
                {z.replace(/_/g, " ")} <span className="muted">{zoneAbbreviation(now, z)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
