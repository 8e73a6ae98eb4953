// The HTML body as the editor shows it and as the backend stores it. Stored HTML names
// inline images as `cid:` URLs, which a browser cannot show; the editor shows them as
// data: URLs marked with `data-cid`, and saving turns them back.
import type { DraftInlineImage } from "../../ipc/bindings";

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Plain text as HTML paragraphs (blank lines separate them, single newlines break). */
export function textToHtml(text: string): string {
  if (text.trim() === "") return "<p><br></p>";
  return text
    .split(/\n{2,}/)
    .map((para) => `<p>${escapeHtml(para).replace(/\n/g, "<br>")}</p>`)
    .join("");
}

/** Stored HTML → what the editor element holds. */
export function htmlForEditor(html: string, images: DraftInlineImage[]): string {
  const box = document.createElement("div");
  box.innerHTML = html;
  for (const img of box.querySelectorAll("img")) {
    const src = img.getAttribute("src") ?? "";
    if (!src.toLowerCase().startsWith("cid:")) continue;
    const cid = src.slice(4);
    const image = images.find((i) => i.content_id === cid);
    if (!image) continue;
    img.setAttribute("data-cid", cid);
    img.setAttribute("src", `data:${image.mime_type};base64,${image.data_base64}`);
  }
  return box.innerHTML;
}

/** The editor element's content → stored HTML, and the Content-IDs it still shows. */
export function htmlFromEditor(editor: HTMLElement): { html: string; cids: string[] } {
  const box = editor.cloneNode(true) as HTMLElement;
  const cids: string[] = [];
  for (const img of box.querySelectorAll("img[data-cid]")) {
    const cid = img.getAttribute("data-cid") ?? "";
    img.setAttribute("src", `cid:${cid}`);
    img.removeAttribute("data-cid");
    cids.push(cid);
  }
  return { html: box.innerHTML, cids };
}

const BLOCKS = new Set(["P", "DIV", "LI", "BLOCKQUOTE", "H1", "H2", "H3", "H4", "TR", "UL", "OL", "PRE"]);

/** The editor's text for the plain-text body: line breaks where the blocks were. */
export function htmlToPlainText(editor: HTMLElement): string {
  let out = "";
  const walk = (node: Node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      out += node.textContent ?? "";
      return;
    }
    if (!(node instanceof HTMLElement)) return;
    if (node.tagName === "BR") {
      out += "\n";
      return;
    }
    const block = BLOCKS.has(node.tagName);
    if (block && out !== "" && !out.endsWith("\n")) out += "\n";
    if (node.tagName === "LI") out += "• ";
    node.childNodes.forEach(walk);
    if (block && !out.endsWith("\n")) out += "\n";
  };
  editor.childNodes.forEach(walk);
  return out.replace(/\n{3,}/g, "\n\n").replace(/\s+$/, "") + "\n";
}
