// "This event / this and following / all events": asked before a change to one instance
// of a recurring event is saved or deleted.
import { useId, type KeyboardEvent } from "react";
import type { EditScope } from "../../ipc/bindings";

const CHOICES: { scope: EditScope; label: string }[] = [
  { scope: "this", label: "This event" },
  { scope: "following", label: "This and following events" },
  { scope: "all", label: "All events" },
];

export function ScopePrompt({
  title,
  verb,
  onChoose,
  onCancel,
}: {
  title: string;
  verb: string;
  onChoose(scope: EditScope): void;
  onCancel(): void;
}) {
  const titleId = useId();
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    }
  };
  return (
    <div className="modal-backdrop">
      <div
        className="modal confirm scope-prompt"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="scope-prompt"
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{title}</h2>
        <p className="modal__hint">This is a repeating event. {verb} which events?</p>
        <div className="scope-prompt__choices">
          {CHOICES.map((c, i) => (
            <button
              key={c.scope}
              type="button"
              className={`btn${i === 0 ? " btn--primary" : ""}`}
              autoFocus={i === 0}
              data-testid={`scope-${c.scope}`}
              onClick={() => onChoose(c.scope)}
            >
              {c.label}
            </button>
          ))}
        </div>
        <div className="confirm__actions">
          <button type="button" className="btn" data-testid="scope-cancel" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
