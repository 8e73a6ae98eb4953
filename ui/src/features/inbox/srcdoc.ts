// The document a message's HTML is shown in. The HTML is already sanitised by the
// backend; this is the second wall: the frame is sandboxed with no scripts and an opaque
// origin, and the CSP below (first thing in <head>, before any message markup) forbids
// every load except inline styles and data: images (inline `cid:` parts arrive as data:
// URIs), so remote images, fonts and tracking pixels cannot reach the network even if
// the sanitiser missed one. A <meta> policy inside the message can only add
// restrictions, never lift these.
export const MESSAGE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

// For a sender whose remote content the user allowed: images (only images) may also
// come over https. The backend has upgraded http image URLs and removed tracking pixels.
export const MESSAGE_CSP_REMOTE_IMAGES = "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'";

export function messageCsp(allowRemoteImages: boolean): string {
  return allowRemoteImages ? MESSAGE_CSP_REMOTE_IMAGES : MESSAGE_CSP;
}

const BASE_STYLE = [
  "html{color-scheme:light}",
  "body{margin:0;padding:12px 16px;background:#fff;color:#1f2328;",
  "font:14px/1.5 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;",
  "overflow-wrap:anywhere}",
  "img{max-width:100%;height:auto}",
  "pre{white-space:pre-wrap}",
  "blockquote{margin:0 0 0 .5em;padding-left:.75em;border-left:3px solid #d0d7de;color:#57606a}",
  "table{max-width:100%}",
].join("");

export function messageSrcDoc(html: string, options: { allowRemoteImages?: boolean } = {}): string {
  return (
    "<!doctype html><html><head>" +
    '<meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${messageCsp(options.allowRemoteImages === true)}">` +
    // No Referer on the image requests an allowed sender's message makes.
    '<meta name="referrer" content="no-referrer">' +
    // Links try to open a new window, which the sandbox (no allow-popups) refuses, so a
    // click can neither navigate the frame to a remote page nor leave the app.
    '<base target="_blank">' +
    `<style>${BASE_STYLE}</style>` +
    "</head><body>" +
    html +
    "</body></html>"
  );
}

/**
 * A sandboxed frame without allow-same-origin cannot be measured from outside, so its
 * height is estimated from the markup; the frame scrolls for anything taller.
 */
export function estimateBodyHeight(html: string): number {
  const text = html.replace(/<style[\s\S]*?<\/style>/gi, "").replace(/<[^>]+>/g, "");
  const blocks = (html.match(/<(p|div|br|tr|li|h[1-6])\b/gi) ?? []).length;
  const images = (html.match(/<img\b/gi) ?? []).length;
  const lines = Math.ceil(text.trim().length / 90) + blocks;
  return Math.min(900, Math.max(120, 32 + lines * 21 + images * 120));
}
