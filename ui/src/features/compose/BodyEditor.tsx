// The message body: a plain textarea, or a small rich-text editor (contentEditable with
// bold, italic, link and lists). An image pasted or dropped into the rich editor becomes
// an inline image (a cid: part the backend builds); nothing is sanitised here — the
// backend builds the MIME from what is sent.
import { useEffect, useRef, type ClipboardEvent, type DragEvent, type ReactNode, type RefObject } from "react";

export type BodyMode = "plain" | "html";

interface Props {
  mode: BodyMode;
  text: string;
  onText(text: string): void;
  /** HTML to load into the rich editor; loaded again whenever `serial` changes. */
  seed: { html: string; serial: number };
  editorRef: RefObject<HTMLDivElement | null>;
  onHtmlInput(): void;
  /** An image was pasted or dropped; returns its Content-ID and a data: URL to show. */
  onImage(file: File): Promise<{ cid: string; src: string } | null>;
}

const COMMANDS: { command: string; label: string; text: ReactNode }[] = [
  { command: "bold", label: "Bold", text: <b>B</b> },
  { command: "italic", label: "Italic", text: <i>I</i> },
  { command: "insertUnorderedList", label: "Bulleted list", text: "•" },
  { command: "insertOrderedList", label: "Numbered list", text: "1." },
];

function imageFiles(list: FileList | null | undefined): File[] {
  return Array.from(list ?? []).filter((f) => f.type.startsWith("image/"));
}

export function BodyEditor({ mode, text, onText, seed, editorRef, onHtmlInput, onImage }: Props) {
  const loaded = useRef(-1);
  useEffect(() => {
    const editor = editorRef.current;
    if (mode !== "html" || !editor || loaded.current === seed.serial) return;
    editor.innerHTML = seed.html;
    loaded.current = seed.serial;
  }, [mode, seed, editorRef]);

  const run = (command: string, value?: string) => {
    editorRef.current?.focus();
    document.execCommand?.(command, false, value);
    onHtmlInput();
  };

  const insertImages = async (files: File[]) => {
    for (const file of files) {
      const image = await onImage(file);
      const editor = editorRef.current;
      if (!image || !editor) continue;
      const html = `<img src="${image.src}" data-cid="${image.cid}" alt="${file.name.replace(/"/g, "")}">`;
      editor.focus();
      // execCommand keeps the caret and the undo history; where it is missing, append.
      if (!document.execCommand?.("insertHTML", false, html)) editor.insertAdjacentHTML("beforeend", html);
      onHtmlInput();
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLDivElement>) => {
    const files = imageFiles(e.clipboardData?.files);
    if (files.length === 0) return;
    e.preventDefault();
    void insertImages(files);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    const files = imageFiles(e.dataTransfer?.files);
    if (files.length === 0) return;
    e.preventDefault();
    void insertImages(files);
  };

  if (mode === "plain") {
    return (
      <textarea
        className="compose__text"
        data-testid="compose-body"
        aria-label="Message"
        value={text}
        onChange={(e) => onText(e.target.value)}
      />
    );
  }
  return (
    <div className="compose__rich">
      <div className="compose__toolbar" role="toolbar" aria-label="Formatting">
        {COMMANDS.map((c) => (
          <button
            key={c.command}
            type="button"
            className="icon-btn compose__tool"
            aria-label={c.label}
            title={c.label}
            // Keep the selection in the editor.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => run(c.command)}
          >
            {c.text}
          </button>
        ))}
        <button
          type="button"
          className="icon-btn compose__tool compose__tool--wide"
          aria-label="Link"
          title="Link"
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            const url = window.prompt("Link to (https://…)");
            if (url) run("createLink", url);
          }}
        >
          <u>Link</u>
        </button>
      </div>
      <div
        ref={editorRef}
        className="compose__html"
        data-testid="compose-body"
        role="textbox"
        aria-multiline="true"
        aria-label="Message"
        contentEditable
        suppressContentEditableWarning
        onInput={onHtmlInput}
        onPaste={onPaste}
        onDrop={onDrop}
        onDragOver={(e) => {
          if (e.dataTransfer?.types?.includes("Files")) e.preventDefault();
        }}
      />
    </div>
  );
}
