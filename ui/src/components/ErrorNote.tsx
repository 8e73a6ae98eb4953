import type { ApiError } from "../ipc/bindings";
import { errorTitle, toApiError } from "../ipc/errors";

/** A failed command, explained by its code, with the backend's message as detail. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e: ApiError = toApiError(error);
  return (
    <div className="error-note" role="alert" data-testid="error-note" data-code={e.code}>
      <strong>{errorTitle(e.code)}</strong>
      <span className="error-note__message">{e.message}</span>
      {onRetry && (
        <button type="button" className="btn btn--small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
