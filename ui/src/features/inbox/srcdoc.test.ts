import { describe, expect, it } from "vitest";
import { MESSAGE_CSP, MESSAGE_CSP_REMOTE_IMAGES, estimateBodyHeight, messageSrcDoc } from "./srcdoc";

function policyOf(doc: string): string | null {
  const parsed = new DOMParser().parseFromString(doc, "text/html");
  return parsed.head.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? null;
}

describe("messageSrcDoc", () => {
  it("allows only data: images by default (inline cid: parts arrive as data: URIs)", () => {
    expect(policyOf(messageSrcDoc('<img src="data:image/png;base64,AA==">'))).toBe(MESSAGE_CSP);
    expect(MESSAGE_CSP).toContain("img-src data:;");
    expect(MESSAGE_CSP).toContain("default-src 'none'");
  });

  it("adds https: images, and nothing else, for an allowed sender", () => {
    const policy = policyOf(messageSrcDoc("<p>x</p>", { allowRemoteImages: true }));
    expect(policy).toBe(MESSAGE_CSP_REMOTE_IMAGES);
    expect(policy).toBe("default-src 'none'; img-src https: data:; style-src 'unsafe-inline'");
    expect(policy).not.toContain("http:");
  });

  it("puts the policy and a no-referrer rule before any message markup", () => {
    const doc = new DOMParser().parseFromString(
      messageSrcDoc('<meta http-equiv="Content-Security-Policy" content="img-src *"><p>hi</p>'),
      "text/html",
    );
    const metas = doc.head.querySelectorAll("meta");
    expect(metas[1]?.getAttribute("content")).toBe(MESSAGE_CSP);
    expect(metas[2]?.getAttribute("name")).toBe("referrer");
    expect(metas[2]?.getAttribute("content")).toBe("no-referrer");
  });

  it("estimates a bounded height", () => {
    expect(estimateBodyHeight("")).toBe(120);
    expect(estimateBodyHeight("<p>x</p>".repeat(500))).toBe(900);
  });
});
