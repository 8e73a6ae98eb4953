import { useMutation } from "@tanstack/react-query";
import { openAttachment, saveAttachment, type AttachmentInfo, type SavedAttachment } from "../../ipc/bindings";
import { toApiError } from "../../ipc/errors";
import { formatBytes } from "../../lib/time";
import { Icon } from "../../components/Icon";

/** A message's attachments, each with Open (default app) and Save (to Downloads). */
export function Attachments({ messageId, attachments }: { messageId: number; attachments: AttachmentInfo[] }) {
  if (attachments.length === 0) return null;
  return (
    <ul className="attachments" data-testid="attachments" aria-label="Attachments">
      {attachments.map((a) => (
        <AttachmentRow key={a.index} messageId={messageId} attachment={a} />
      ))}
    </ul>
  );
}

function AttachmentRow({ messageId, attachment: a }: { messageId: number; attachment: AttachmentInfo }) {
  const open = useMutation({ mutationFn: () => openAttachment({ message_id: messageId, index: a.index }) });
  const save = useMutation<SavedAttachment, unknown, boolean>({
    mutationFn: (overwrite) => saveAttachment({ message_id: messageId, index: a.index, overwrite }),
  });
  const label = a.name || "(unnamed)";
  const saveError = save.error ? toApiError(save.error) : null;
  const openError = open.error ? toApiError(open.error) : null;
  return (
    <li className="attachment" data-testid="attachment" data-index={a.index} title={a.mime_type}>
      <Icon name="paperclip" />
      <span className="attachment__name">{label}</span>
      <span className="attachment__size">{formatBytes(a.size)}</span>
      <span className="attachment__actions">
        <button
          type="button"
          className="btn btn--link"
          aria-label={`Open ${label}`}
          disabled={open.isPending}
          onClick={() => {
            save.reset();
            open.mutate();
          }}
        >
          Open
        </button>
        <button
          type="button"
          className="btn btn--link"
          aria-label={`Save ${label}`}
          disabled={save.isPending}
          onClick={() => {
            open.reset();
            save.mutate(false);
          }}
        >
          Save
        </button>
      </span>
      {save.isSuccess && (
        <span className="attachment__status" role="status" data-testid="attachment-saved">
          Saved to {save.data.path}
        </span>
      )}
      {saveError?.code === "conflict" && (
        <span className="attachment__status attachment__status--warn" role="alert" data-testid="attachment-exists">
          {saveError.message}
          {" — "}
          <button type="button" className="btn btn--link" onClick={() => save.mutate(true)}>
            Replace it
          </button>
        </span>
      )}
      {saveError && saveError.code !== "conflict" && (
        <span className="attachment__status attachment__status--error" role="alert">
          {saveError.message}
        </span>
      )}
      {openError && (
        <span className="attachment__status attachment__status--error" role="alert" data-testid="attachment-open-error">
          {openError.message}
        </span>
      )}
    </li>
  );
}
