import { describe, expect, it } from "vitest";
import { linkPieces, textBlocks } from "./linkify";

const links = (line: string) =>
  linkPieces(line)
    .filter((p) => p.kind === "link")
    .map((p) => (p.kind === "link" ? [p.text, p.href] : []));

describe("linkPieces", () => {
  it.each([
    ["see https://acme.test/q?a=1&b=2.", [["https://acme.test/q?a=1&b=2", "https://acme.test/q?a=1&b=2"]]],
    ["(https://acme.test/x)", [["https://acme.test/x", "https://acme.test/x"]]],
    ["https://en.wikipedia.org/wiki/Foo_(bar), ok", [["https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"]]],
    ["mail mailto:dana@acme.test!", [["mailto:dana@acme.test", "mailto:dana@acme.test"]]],
    ["www.acme.test/pricing", [["www.acme.test/pricing", "https://www.acme.test/pricing"]]],
    ["HTTP://ACME.TEST", [["HTTP://ACME.TEST", "HTTP://ACME.TEST"]]],
    ["javascript:alert(1) and file:///etc/passwd", []],
    ["<https://acme.test/a>", [["https://acme.test/a", "https://acme.test/a"]]],
    ["just https:// here", []],
    ["no links at all", []],
  ])("%s", (line, want) => {
    expect(links(line)).toEqual(want);
  });

  it("keeps every character of the line, in order", () => {
    const line = "Go to https://acme.test/a, then www.acme.test.";
    expect(
      linkPieces(line)
        .map((p) => p.text)
        .join(""),
    ).toBe(line);
  });
});

describe("textBlocks", () => {
  it("groups quoted and unquoted runs and measures quote depth", () => {
    const blocks = textBlocks("Thanks!\r\n\r\nOn Tue, Dana wrote:\n> The quote\n>> older\n> more\nBye");
    expect(blocks.map((b) => [b.quoted, b.depth, b.lines])).toEqual([
      [false, 0, ["Thanks!", "", "On Tue, Dana wrote:"]],
      [true, 1, ["> The quote", ">> older", "> more"]],
      [false, 0, ["Bye"]],
    ]);
  });
});
