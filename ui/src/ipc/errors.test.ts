import { describe, expect, it } from "vitest";
import { isApiError, isRetryable, toApiError } from "./errors";

describe("ApiError handling", () => {
  it("recognises the backend's error shape by its code", () => {
    expect(isApiError({ code: "offline", message: "no network" })).toBe(true);
    expect(isApiError({ code: "teapot", message: "x" })).toBe(false);
    expect(isApiError("offline")).toBe(false);
  });

  it("turns anything else into an internal error, keeping its text", () => {
    expect(toApiError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(toApiError("plain")).toEqual({ code: "internal", message: "plain" });
  });

  it("retries only transient codes", () => {
    expect(isRetryable("offline")).toBe(true);
    expect(isRetryable("rate_limited")).toBe(true);
    expect(isRetryable("not_found")).toBe(false);
    expect(isRetryable("auth_expired")).toBe(false);
  });
});
