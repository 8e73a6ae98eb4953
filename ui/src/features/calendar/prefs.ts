// The calendar's view choices, kept in localStorage: the zone the grid is drawn in, an
// optional second zone for the gutter, and day/week/month.
import { useCallback, useState } from "react";
import { isValidZone, systemZone } from "./tz";

export type ViewMode = "day" | "week" | "month";

export const PREF_ZONE = "calendar.zone";
export const PREF_SECOND_ZONE = "calendar.secondZone";
export const PREF_VIEW = "calendar.view";

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // Storage unavailable: the choice lasts for this session only.
  }
}

function usePref<T extends string | null>(key: string, parse: (raw: string | null) => T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => parse(read(key)));
  const set = useCallback(
    (v: T) => {
      write(key, v);
      setValue(v);
    },
    [key],
  );
  return [value, set];
}

export function useZonePref() {
  return usePref<string>(PREF_ZONE, (raw) => (raw && isValidZone(raw) ? raw : systemZone()));
}

export function useSecondZonePref() {
  return usePref<string | null>(PREF_SECOND_ZONE, (raw) => (raw && isValidZone(raw) ? raw : null));
}

export function useViewPref() {
  return usePref<ViewMode>(PREF_VIEW, (raw) => (raw === "day" || raw === "month" ? raw : "week"));
}
