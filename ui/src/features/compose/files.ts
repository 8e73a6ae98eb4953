// Files travel to the backend as base64 inside the draft (see DraftFile); the backend
// builds the MIME. Messages are held to 25 MB of files, as most providers refuse more.
import type { DraftFile, DraftInlineImage } from "../../ipc/bindings";

export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** A file's bytes as standard base64 (no data: prefix). */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("the file could not be read"));
    reader.readAsDataURL(file);
  });
}

/** Decoded size of a base64 string. */
export function base64Bytes(b64: string): number {
  const clean = b64.replace(/\s/g, "");
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.max(0, (clean.length / 4) * 3 - padding);
}

export function totalBytes(files: (DraftFile | DraftInlineImage)[]): number {
  return files.reduce((sum, f) => sum + base64Bytes(f.data_base64), 0);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A Content-ID for an image pasted into the body (without angle brackets). */
export function newContentId(): string {
  const random = Math.random().toString(36).slice(2, 10);
  return `img-${Date.now().toString(36)}-${random}@switchboard.local`;
}
