import { useEffect, useRef } from "react";
import type { ApiError } from "../../ipc/bindings";

/**
 * The database cannot be used (written by a newer version, corrupt). Nothing else is
 * rendered behind this dialog, so nothing can read or write the file.
 */
export function StoreErrorDialog({ error, dataDir }: { error: ApiError; dataDir: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="modal-backdrop">
      <div
        ref={ref}
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="store-error-title"
        aria-describedby="store-error-message"
        data-testid="store-error"
        data-code={error.code}
        tabIndex={-1}
      >
        <h2 id="store-error-title">Switchboard cannot open its database</h2>
        <p id="store-error-message" className="modal__message">
          {error.message}
        </p>
        <p className="modal__hint">
          The file was left untouched. Data directory: <code>{dataDir}</code>
        </p>
      </div>
    </div>
  );
}
