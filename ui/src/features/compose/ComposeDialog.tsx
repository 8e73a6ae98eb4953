// Writing one message. Every change is saved as a local draft after a short pause (the
// backend copies it to the server's Drafts folder in the background); Send queues it
// with an undo window; Esc asks before throwing away what was written.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import {
  listAccounts,
  saveDraft,
  sendMessage,
  discardDraft,
  type DraftFile,
  type DraftInlineImage,
  type DraftInput,
  type DraftView,
  type QueuedSendView,
} from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { ErrorNote } from "../../components/ErrorNote";
import { Icon } from "../../components/Icon";
import { Spinner } from "../../components/Spinner";
import { addressFieldError, formatAddressList, parseAddressList } from "./addresses";
import { AvailableTimesButton } from "./AvailableTimesButton";
import { BodyEditor, type BodyMode } from "./BodyEditor";
import { htmlForEditor, htmlFromEditor, htmlToPlainText, textToHtml } from "./editorHtml";
import { fileToBase64, formatSize, MAX_ATTACHMENT_BYTES, newContentId, totalBytes } from "./files";

/** The pause after the last change before the draft is saved. */
export const AUTOSAVE_MS = 1500;

type Field = "to" | "cc" | "bcc";

interface SaveState {
  saving: boolean;
  savedAt: number | null;
  remoteError: string | null;
  error: unknown;
}

interface Props {
  initial: DraftView;
  onClose(): void;
  onSent(queued: QueuedSendView): void;
}

export function ComposeDialog({ initial, onClose, onSent }: Props) {
  const ids = { title: useId(), to: useId(), cc: useId(), bcc: useId(), subject: useId(), from: useId() };
  const accounts = useQuery({ queryKey: queryKeys.accounts, queryFn: listAccounts });
  const senders = (accounts.data ?? []).filter((a) => a.kind === "imap");

  const [accountId, setAccountId] = useState(initial.account_id);
  const [fields, setFields] = useState<Record<Field, string>>({
    to: formatAddressList(initial.to),
    cc: formatAddressList(initial.cc),
    bcc: formatAddressList(initial.bcc),
  });
  const [showCopies, setShowCopies] = useState(initial.cc.length > 0 || initial.bcc.length > 0);
  const [subject, setSubject] = useState(initial.subject);
  const [mode, setMode] = useState<BodyMode>(initial.html !== null ? "html" : "plain");
  const [text, setText] = useState(initial.text);
  const [seed, setSeed] = useState(() => ({
    html: initial.html !== null ? htmlForEditor(initial.html, initial.inline_images) : "<p><br></p>",
    serial: 0,
  }));
  const [attachments, setAttachments] = useState<DraftFile[]>(initial.attachments);
  const [images, setImages] = useState<DraftInlineImage[]>(initial.inline_images);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [fileError, setFileError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [save, setSave] = useState<SaveState>({
    saving: false,
    savedAt: initial.saved_at,
    remoteError: initial.remote_error,
    error: null,
  });
  const [revision, setRevision] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [sending, setSending] = useState(false);

  const editorRef = useRef<HTMLDivElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const firstFieldRef = useRef<HTMLInputElement>(null);
  const fieldRefs = { to: useRef<HTMLInputElement>(null), cc: useRef<HTMLInputElement>(null), bcc: useRef<HTMLInputElement>(null) };
  const draftId = useRef<number | null>(initial.draft_id);
  const saveChain = useRef<Promise<void>>(Promise.resolve());
  // Set once the message is sent or thrown away: no autosave may recreate it.
  const finished = useRef(false);

  const edited = () => setRevision((r) => r + 1);

  const buildInput = (): DraftInput => {
    let html: string | null = null;
    let inline = images;
    if (mode === "html" && editorRef.current) {
      const shown = htmlFromEditor(editorRef.current);
      html = shown.html;
      inline = images.filter((i) => shown.cids.includes(i.content_id));
    }
    return {
      draft_id: draftId.current,
      account_id: accountId,
      to: parseAddressList(fields.to),
      cc: parseAddressList(fields.cc),
      bcc: parseAddressList(fields.bcc),
      subject,
      text: mode === "plain" ? text : "",
      html,
      attachments,
      inline_images: inline,
      in_reply_to: initial.in_reply_to,
      references: initial.references,
    };
  };

  /** Saves what is on screen now, after any save already under way (one draft, never two). */
  const saveNow = (): Promise<void> => {
    const input = buildInput();
    setSave((s) => ({ ...s, saving: true }));
    saveChain.current = saveChain.current.then(async () => {
      try {
        const view = await saveDraft({ ...input, draft_id: draftId.current });
        draftId.current = view.draft_id;
        setSave({ saving: false, savedAt: view.saved_at, remoteError: view.remote_error, error: null });
      } catch (e) {
        setSave((s) => ({ ...s, saving: false, error: e }));
      }
    });
    return saveChain.current;
  };
  const latestSave = useRef(saveNow);
  useEffect(() => {
    latestSave.current = saveNow;
  });
  useEffect(() => {
    if (revision === 0) return;
    const timer = window.setTimeout(() => {
      if (!finished.current) void latestSave.current();
    }, AUTOSAVE_MS);
    return () => window.clearTimeout(timer);
  }, [revision]);

  useEffect(() => {
    firstFieldRef.current?.focus();
  }, []);

  const send = async () => {
    const errors: Partial<Record<Field, string>> = {};
    for (const f of ["to", "cc", "bcc"] as const) {
      const error = addressFieldError(fields[f]);
      if (error) errors[f] = error;
    }
    const count = (["to", "cc", "bcc"] as const).reduce((n, f) => n + parseAddressList(fields[f]).length, 0);
    if (count === 0) errors.to = "Add at least one recipient.";
    setFieldErrors(errors);
    const bad = (["to", "cc", "bcc"] as const).find((f) => errors[f]);
    if (bad) {
      if (bad !== "to") setShowCopies(true);
      fieldRefs[bad].current?.focus();
      return;
    }
    setSending(true);
    setActionError(null);
    finished.current = true;
    const input = buildInput();
    try {
      await saveChain.current;
      const queued = await sendMessage({ draft: { ...input, draft_id: draftId.current }, undo_secs: null });
      onSent(queued);
    } catch (e) {
      finished.current = false;
      setSending(false);
      setActionError(e);
    }
  };

  const discard = async () => {
    finished.current = true;
    await saveChain.current;
    if (draftId.current !== null) {
      try {
        await discardDraft(draftId.current);
      } catch (e) {
        finished.current = false;
        setConfirming(false);
        setActionError(e);
        return;
      }
    }
    onClose();
  };

  /** Closes, keeping the draft (saved first if anything changed). */
  const keepAndClose = async () => {
    finished.current = true;
    if (revision > 0) await saveNow();
    else await saveChain.current;
    onClose();
  };

  const askOrClose = () => {
    const untouched = revision === 0 && draftId.current === null;
    if (untouched) onClose();
    else setConfirming(true);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // A modal owns the keyboard: app shortcuts must not act behind it.
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      if (confirming) setConfirming(false);
      else askOrClose();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
  };

  const addFiles = async (files: File[]) => {
    if (files.length === 0) return;
    const total = totalBytes([...attachments, ...images]) + files.reduce((n, f) => n + f.size, 0);
    if (total > MAX_ATTACHMENT_BYTES) {
      setFileError(
        `Attachments are limited to ${formatSize(MAX_ATTACHMENT_BYTES)} per message; these would make ${formatSize(total)}.`,
      );
      return;
    }
    const added: DraftFile[] = [];
    for (const file of files) {
      added.push({
        name: file.name,
        mime_type: file.type || "application/octet-stream",
        data_base64: await fileToBase64(file),
      });
    }
    setFileError(null);
    setAttachments((a) => [...a, ...added]);
    edited();
  };

  const addImage = async (file: File) => {
    if (totalBytes([...attachments, ...images]) + file.size > MAX_ATTACHMENT_BYTES) {
      setFileError(`Images and attachments are limited to ${formatSize(MAX_ATTACHMENT_BYTES)} per message.`);
      return null;
    }
    const image: DraftInlineImage = {
      content_id: newContentId(),
      mime_type: file.type,
      data_base64: await fileToBase64(file),
    };
    setImages((list) => [...list, image]);
    return { cid: image.content_id, src: `data:${image.mime_type};base64,${image.data_base64}` };
  };

  const switchMode = (next: BodyMode) => {
    if (next === mode) return;
    if (next === "html") {
      setSeed((s) => ({ html: textToHtml(text), serial: s.serial + 1 }));
    } else if (editorRef.current) {
      setText(htmlToPlainText(editorRef.current));
    }
    setMode(next);
    edited();
  };

  /** Adds a block of plain text at the end of the body, in either editor. */
  const appendText = (block: string) => {
    if (mode === "plain") {
      setText((t) => (t.trim() ? `${t.replace(/\s+$/, "")}\n\n${block}\n` : `${block}\n`));
    } else if (editorRef.current) {
      const escape = (line: string) => line.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      editorRef.current.insertAdjacentHTML("beforeend", block.split("\n").map((l) => `<p>${escape(l)}</p>`).join(""));
    }
    edited();
  };

  const field = (name: Field, label: string) => (
    <>
      <label htmlFor={ids[name]}>{label}</label>
      <div>
        <input
          ref={name === "to" ? mergeRefs(firstFieldRef, fieldRefs.to) : fieldRefs[name]}
          id={ids[name]}
          className="input"
          data-testid={`compose-${name}`}
          autoComplete="off"
          placeholder={name === "to" ? "name@example.com, …" : ""}
          aria-invalid={fieldErrors[name] ? true : undefined}
          aria-describedby={fieldErrors[name] ? `${ids[name]}-error` : undefined}
          value={fields[name]}
          onChange={(e) => {
            const value = e.target.value;
            setFields((f) => ({ ...f, [name]: value }));
            if (fieldErrors[name]) setFieldErrors((errs) => ({ ...errs, [name]: undefined }));
            edited();
          }}
          onBlur={() => {
            const error = addressFieldError(fields[name]);
            if (error) setFieldErrors((errs) => ({ ...errs, [name]: error }));
          }}
        />
        {fieldErrors[name] && (
          <p className="compose__error" id={`${ids[name]}-error`} data-testid={`compose-${name}-error`}>
            {fieldErrors[name]}
          </p>
        )}
      </div>
    </>
  );

  const fromOptions = senders.some((a) => a.id === accountId)
    ? senders
    : [{ id: accountId, name: initial.from.email, email: initial.from.email }, ...senders];

  return (
    <div className="modal-backdrop">
      <div
        ref={dialogRef}
        className="modal compose"
        role="dialog"
        aria-modal="true"
        aria-labelledby={ids.title}
        data-testid="compose-dialog"
        onKeyDown={onKeyDown}
      >
        <header className="compose__header">
          <h2 id={ids.title}>{subject.trim() || "New message"}</h2>
          <span className="compose__status muted" data-testid="compose-status">
            {save.saving ? "Saving…" : save.savedAt !== null ? "Draft saved" : ""}
          </span>
          <button
            type="button"
            className="icon-btn"
            aria-label="Close and keep the draft"
            title="Close (keeps the draft)"
            onClick={() => void keepAndClose()}
          >
            <Icon name="close" />
          </button>
        </header>
        <div className="compose__fields">
          <label htmlFor={ids.from}>From</label>
          <select
            id={ids.from}
            className="select"
            data-testid="compose-from"
            value={accountId}
            onChange={(e) => {
              setAccountId(Number(e.target.value));
              edited();
            }}
          >
            {fromOptions.map((a) => (
              <option key={a.id} value={a.id}>
                {a.email ? `${a.name} <${a.email}>` : a.name}
              </option>
            ))}
          </select>
          {field("to", "To")}
          {showCopies ? (
            <>
              {field("cc", "Cc")}
              {field("bcc", "Bcc")}
            </>
          ) : (
            <>
              <span />
              <div>
                <button type="button" className="btn btn--link" data-testid="compose-show-copies" onClick={() => setShowCopies(true)}>
                  Cc / Bcc
                </button>
              </div>
            </>
          )}
          <label htmlFor={ids.subject}>Subject</label>
          <input
            id={ids.subject}
            className="input"
            data-testid="compose-subject"
            value={subject}
            onChange={(e) => {
              setSubject(e.target.value);
              edited();
            }}
          />
        </div>

        <div className="compose__mode" role="radiogroup" aria-label="Body format">
          {(["plain", "html"] as const).map((m) => (
            <label key={m} className={`compose__mode-option${mode === m ? " is-active" : ""}`}>
              <input
                type="radio"
                name={`${ids.title}-mode`}
                data-testid={`compose-mode-${m}`}
                checked={mode === m}
                onChange={() => switchMode(m)}
              />
              {m === "plain" ? "Plain text" : "Formatted"}
            </label>
          ))}
        </div>
        <BodyEditor
          mode={mode}
          text={text}
          onText={(t) => {
            setText(t);
            edited();
          }}
          seed={seed}
          editorRef={editorRef}
          onHtmlInput={edited}
          onImage={addImage}
        />

        <div className="compose__files">
          <label className="btn btn--small compose__attach">
            <Icon name="paperclip" /> Attach files
            <input
              type="file"
              multiple
              className="visually-hidden"
              data-testid="compose-attach"
              onChange={(e) => {
                const files = Array.from(e.target.files ?? []);
                e.target.value = "";
                void addFiles(files);
              }}
            />
          </label>
          <AvailableTimesButton onInsert={appendText} />
          {attachments.length > 0 && (
            <ul className="compose__attachments" data-testid="compose-attachments" aria-label="Attachments">
              {attachments.map((a, i) => (
                <li key={`${a.name}-${i}`} className="attachment">
                  <Icon name="paperclip" />
                  <span className="attachment__name">{a.name}</span>
                  <span className="attachment__size">{formatSize(totalBytes([a]))}</span>
                  <button
                    type="button"
                    className="icon-btn"
                    aria-label={`Remove ${a.name}`}
                    onClick={() => {
                      setAttachments((list) => list.filter((_, j) => j !== i));
                      edited();
                    }}
                  >
                    <Icon name="close" />
                  </button>
                </li>
              ))}
            </ul>
          )}
          {fileError && (
            <p className="compose__error" role="alert" data-testid="compose-file-error">
              {fileError}
            </p>
          )}
        </div>

        {save.error !== null && <ErrorNote error={save.error} />}
        {save.remoteError && (
          <p className="compose__hint" data-testid="compose-remote-error">
            Saved on this computer; the copy in the server’s Drafts folder is not up to date yet ({save.remoteError}).
          </p>
        )}
        {actionError !== null && <ErrorNote error={actionError} />}

        {confirming ? (
          <div className="compose__confirm" role="alertdialog" aria-label="Discard this message?" data-testid="compose-confirm">
            <span>Discard this message?</span>
            <button type="button" className="btn btn--small btn--danger" data-testid="compose-discard-confirm" onClick={() => void discard()}>
              Discard
            </button>
            <button type="button" className="btn btn--small" onClick={() => void keepAndClose()}>
              Keep as draft
            </button>
            <button type="button" className="btn btn--small" onClick={() => setConfirming(false)}>
              Keep editing
            </button>
          </div>
        ) : (
          <footer className="compose__footer">
            <button
              type="button"
              className="btn btn--primary"
              data-testid="compose-send"
              disabled={sending}
              title="Send (Ctrl+Enter)"
              onClick={() => void send()}
            >
              {sending ? <Spinner label="Sending…" /> : "Send"}
            </button>
            <span className="spacer" />
            <button type="button" className="btn" data-testid="compose-discard" onClick={askOrClose}>
              Discard
            </button>
          </footer>
        )}
      </div>
    </div>
  );
}

function mergeRefs<T>(...refs: RefObject<T | null>[]) {
  return (node: T | null) => {
    for (const ref of refs) ref.current = node;
  };
}
