// The toast after Send: "Sending in 8 s · Undo" until the undo window closes, then it
// goes away (the outbox sends in the background; Sync health shows how it went).
import { useEffect, useState } from "react";
import type { ApiError, QueuedSendView } from "../../ipc/bindings";
import { errorTitle } from "../../ipc/errors";

export type ToastState =
  | { kind: "sending"; queued: QueuedSendView }
  | { kind: "undoing"; queued: QueuedSendView }
  | { kind: "error"; title: string; error: ApiError };

function secondsLeft(sendAfter: number, now: number): number {
  return Math.max(0, Math.ceil((sendAfter - now) / 1000));
}

export function UndoToast({
  state,
  onUndo,
  onDismiss,
}: {
  state: ToastState;
  onUndo(queued: QueuedSendView): void;
  onDismiss(): void;
}) {
  const [now, setNow] = useState(() => Date.now());
  const sendAfter = state.kind === "sending" ? state.queued.send_after : null;
  useEffect(() => {
    if (sendAfter === null) return;
    const tick = window.setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= sendAfter) {
        window.clearInterval(tick);
        onDismiss();
      }
    }, 250);
    return () => window.clearInterval(tick);
  }, [sendAfter, onDismiss]);

  if (state.kind === "error") {
    return (
      <div className="toast toast--error" role="alert" data-testid="compose-toast" data-code={state.error.code}>
        <strong>{state.title}</strong>
        <span className="toast__detail">
          {errorTitle(state.error.code)}: {state.error.message}
        </span>
        <button type="button" className="btn btn--small" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  const left = secondsLeft(state.queued.send_after, now);
  return (
    <div className="toast" role="status" data-testid="compose-toast">
      <span>{state.kind === "undoing" ? "Undoing…" : left > 0 ? `Sending in ${left} s` : "Sending…"}</span>
      {state.kind === "sending" && (
        <button type="button" className="btn btn--small" data-testid="undo-send" onClick={() => onUndo(state.queued)}>
          Undo
        </button>
      )}
    </div>
  );
}
