import type { MessageView } from "../../ipc/bindings";
import { estimateBodyHeight, messageSrcDoc } from "./srcdoc";

export function MessageBody({ message }: { message: MessageView }) {
  if (message.html !== null) {
    return (
      <>
        {message.blocked_remote > 0 && (
          <div className="remote-blocked" data-testid="remote-blocked" role="note">
            {message.blocked_remote} remote {message.blocked_remote === 1 ? "image" : "images"} blocked
          </div>
        )}
        <div className="message-frame-wrap">
          <iframe
            className="message-frame"
            data-testid="message-body"
            title={`Message: ${message.subject}`}
            // Empty sandbox: no scripts, no same-origin, no forms, no popups, no navigation.
            sandbox=""
            referrerPolicy="no-referrer"
            srcDoc={messageSrcDoc(message.html)}
            style={{ height: estimateBodyHeight(message.html) }}
          />
        </div>
      </>
    );
  }
  if (message.text !== null) {
    return (
      <div className="message-text" data-testid="message-text">
        {message.text}
      </div>
    );
  }
  return <div className="message-text message-text--empty">(no text)</div>;
}
