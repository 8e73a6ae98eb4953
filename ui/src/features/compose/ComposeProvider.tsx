// Where compose lives: one message being written at a time, opened from anywhere (the
// New message button, `c`, a message's Reply / Reply all / Forward, `r`/`a`/`f`), and the
// Undo toast that follows a send for the length of its undo window.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { cancelSend, composeForward, composeNew, composeReply, type DraftView, type QueuedSendView } from "../../ipc/bindings";
import { toApiError } from "../../ipc/errors";
import { useActionKey } from "../../app/keyboard";
import { ComposeDialog } from "./ComposeDialog";
import { UndoToast, type ToastState } from "./UndoToast";
import "./compose.css";

export interface Compose {
  openNew(accountId?: number | null): void;
  openReply(messageId: number, all: boolean): void;
  openForward(messageId: number): void;
  /** Reopens a draft (e.g. one an undo brought back). */
  openDraft(draft: DraftView): void;
}

const ComposeContext = createContext<Compose | null>(null);

export function useCompose(): Compose {
  const compose = useContext(ComposeContext);
  if (!compose) throw new Error("useCompose outside ComposeProvider");
  return compose;
}

export function ComposeProvider({ accountId, children }: { accountId: number | null; children: ReactNode }) {
  // A serial per opened draft, so the dialog starts fresh each time.
  const [open, setOpen] = useState<{ serial: number; draft: DraftView } | null>(null);
  const [toast, setToast] = useState<ToastState | null>(null);

  const show = useCallback((draft: DraftView) => setOpen((o) => ({ serial: (o?.serial ?? 0) + 1, draft })), []);
  const prefill = useCallback(
    (what: string, load: () => Promise<DraftView>) => {
      load().then(show, (e: unknown) => setToast({ kind: "error", title: `Could not start ${what}`, error: toApiError(e) }));
    },
    [show],
  );

  const compose = useMemo<Compose>(
    () => ({
      openNew: (id) => prefill("a new message", () => composeNew(id ?? accountId)),
      openReply: (messageId, all) =>
        prefill(all ? "the reply to all" : "the reply", () => composeReply({ message_id: messageId, all })),
      openForward: (messageId) => prefill("the forward", () => composeForward(messageId)),
      openDraft: show,
    }),
    [prefill, show, accountId],
  );

  useActionKey("c", () => {
    if (!open) compose.openNew();
  });

  const dismiss = useCallback(() => setToast(null), []);

  const onSent = (queued: QueuedSendView) => {
    setOpen(null);
    setToast({ kind: "sending", queued });
  };

  const undo = (queued: QueuedSendView) => {
    setToast({ kind: "undoing", queued });
    cancelSend(queued.outbox_id).then(
      (draft) => {
        setToast(null);
        show(draft);
      },
      (e: unknown) => setToast({ kind: "error", title: "Could not undo", error: toApiError(e) }),
    );
  };

  return (
    <ComposeContext.Provider value={compose}>
      {children}
      {open && (
        <ComposeDialog key={open.serial} initial={open.draft} onClose={() => setOpen(null)} onSent={onSent} />
      )}
      {toast && <UndoToast state={toast} onUndo={undo} onDismiss={dismiss} />}
    </ComposeContext.Provider>
  );
}
