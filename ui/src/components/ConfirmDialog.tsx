import { useId, type KeyboardEvent, type ReactNode } from "react";

/**
 * Asks before something that cannot be undone. Cancel has the focus, so Enter on a
 * reflex does not destroy anything; Esc cancels.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
}) {
  const titleId = useId();
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // A modal owns the keyboard: app shortcuts must not act behind it.
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    }
  };
  return (
    <div className="modal-backdrop">
      <div
        className="modal confirm"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="confirm-dialog"
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{title}</h2>
        {children && <p className="modal__hint">{children}</p>}
        <div className="confirm__actions">
          <button type="button" className="btn" autoFocus data-testid="confirm-cancel" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="btn btn--danger" data-testid="confirm-ok" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
