// Reply, Reply all and Forward on a message in the reading pane, and the same as
// `r` / `a` / `f` for the open conversation (acting on its latest message).
import type { MessageView } from "../../ipc/bindings";
import { useActionKey } from "../../app/keyboard";
import { useCompose } from "./ComposeProvider";

export function MessageActions({ messageId }: { messageId: number }) {
  const compose = useCompose();
  return (
    <div className="message__actions" role="group" aria-label="Respond">
      <button type="button" className="btn btn--small" title="Reply (r)" onClick={() => compose.openReply(messageId, false)}>
        Reply
      </button>
      <button type="button" className="btn btn--small" title="Reply all (a)" onClick={() => compose.openReply(messageId, true)}>
        Reply all
      </button>
      <button type="button" className="btn btn--small" title="Forward (f)" onClick={() => compose.openForward(messageId)}>
        Forward
      </button>
    </div>
  );
}

/** `r`, `a` and `f` answer the latest message of the conversation on screen. */
export function useReplyKeys(messages: MessageView[] | undefined): void {
  const compose = useCompose();
  const latest = messages?.at(-1)?.id ?? null;
  useActionKey("r", () => {
    if (latest !== null) compose.openReply(latest, false);
  });
  useActionKey("a", () => {
    if (latest !== null) compose.openReply(latest, true);
  });
  useActionKey("f", () => {
    if (latest !== null) compose.openForward(latest);
  });
}

/** The New message button (also `c`). */
export function NewMessageButton() {
  const compose = useCompose();
  return (
    <button
      type="button"
      className="btn btn--primary new-message"
      data-testid="new-message"
      title="New message (c)"
      onClick={() => compose.openNew()}
    >
      New message
    </button>
  );
}
