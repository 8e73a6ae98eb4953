// Commands reject with an ApiError; the UI decides what to do from `code` alone and only
// ever shows `message` to the person, never parses it.
import type { ApiError, ErrorCode } from "./bindings";

const CODES: readonly ErrorCode[] = [
  "auth_expired",
  "rate_limited",
  "offline",
  "invalid_input",
  "not_found",
  "conflict",
  "store_unusable",
  "internal",
];

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === "string" && CODES.includes(v.code as ErrorCode);
}

/** Whatever a command rejected with, as an ApiError (non-API failures become `internal`). */
export function toApiError(value: unknown): ApiError {
  if (isApiError(value)) return value;
  if (value instanceof Error) return { code: "internal", message: value.message };
  return { code: "internal", message: String(value) };
}

/** A headline for each code; the server's message goes underneath as detail. */
export function errorTitle(code: ErrorCode): string {
  switch (code) {
    case "auth_expired":
      return "Sign-in expired";
    case "rate_limited":
      return "The provider is rate limiting us";
    case "offline":
      return "You are offline";
    case "invalid_input":
      return "That request was not valid";
    case "not_found":
      return "Not found";
    case "conflict":
      return "Changed elsewhere";
    case "store_unusable":
      return "The local database cannot be used";
    case "internal":
      return "Something went wrong";
  }
}

/** Transient conditions where trying again later can help. */
export function isRetryable(code: ErrorCode): boolean {
  return code === "offline" || code === "rate_limited";
}
