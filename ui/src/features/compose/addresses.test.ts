import { describe, expect, it } from "vitest";
import { addressFieldError, formatAddressList, isValidEmail, parseAddressList } from "./addresses";

describe("recipient fields", () => {
  it.each([
    ["dana@acme.test", [{ name: null, email: "dana@acme.test" }]],
    ["Dana Whitfield <dana@acme.test>, omar@acme.test", [
      { name: "Dana Whitfield", email: "dana@acme.test" },
      { name: null, email: "omar@acme.test" },
    ]],
    ['"Whitfield, Dana" <dana@acme.test>; legal@acme.test ,', [
      { name: "Whitfield, Dana", email: "dana@acme.test" },
      { name: null, email: "legal@acme.test" },
    ]],
    ["  ", []],
    ["bob@", [{ name: null, email: "bob@" }]],
  ])("%j parses", (text, want) => {
    expect(parseAddressList(text)).toEqual(want);
  });

  it("formats back to what parses to the same list", () => {
    const list = [
      { name: "Whitfield, Dana", email: "dana@acme.test" },
      { name: null, email: "omar@acme.test" },
    ];
    expect(formatAddressList(list)).toBe('"Whitfield, Dana" <dana@acme.test>, omar@acme.test');
    expect(parseAddressList(formatAddressList(list))).toEqual(list);
  });

  it.each([
    ["a@b.example", true],
    ["first.last+tag@sub.example.org", true],
    ["nobody", false],
    ["@b.example", false],
    ["a@", false],
    ["a b@c.example", false],
    ["a@b@c.example", false],
    ["a@.example", false],
  ])("%s valid: %s", (email, ok) => {
    expect(isValidEmail(email)).toBe(ok);
  });

  it("names every bad address", () => {
    expect(addressFieldError("dana@acme.test")).toBeNull();
    expect(addressFieldError("dana@acme.test, bob@")).toBe(
      "“bob@” is not a valid email address (expected name@example.com)",
    );
    expect(addressFieldError("x, y")).toMatch(/^“x”, “y” are not valid/);
  });
});
