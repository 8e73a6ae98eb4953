import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  allowRemoteContent,
  fetchBody,
  forgetRemoteContent,
  openLink,
  type MessageView,
  type ThreadDetail,
} from "../../ipc/bindings";
import { toApiError } from "../../ipc/errors";
import { linkPieces, textBlocks } from "./linkify";
import { estimateBodyHeight, messageSrcDoc } from "./srcdoc";

export function MessageBody({ message }: { message: MessageView }) {
  if (!message.body_complete) return <BodyNotDownloaded message={message} />;
  if (message.html !== null) return <HtmlBody message={message} html={message.html} />;
  if (message.text !== null) return <PlainTextBody text={message.text} />;
  return <div className="message-text message-text--empty">(no text)</div>;
}

/** Puts a message's new view into every cached thread that shows it. */
function useReplaceMessage() {
  const queryClient = useQueryClient();
  return (view: MessageView) => {
    queryClient.setQueriesData<ThreadDetail>({ queryKey: ["thread"] }, (old) =>
      old && old.messages.some((m) => m.id === view.id)
        ? { ...old, messages: old.messages.map((m) => (m.id === view.id ? view : m)) }
        : old,
    );
  };
}

/** Older mail is stored header-only; its body is downloaded when it is opened. */
function BodyNotDownloaded({ message }: { message: MessageView }) {
  const queryClient = useQueryClient();
  const replace = useReplaceMessage();
  const body = useQuery({
    queryKey: ["body", message.id],
    queryFn: async () => {
      const view = await fetchBody(message.id);
      replace(view);
      // The thread's snippet and attachment marker come from the body too.
      void queryClient.invalidateQueries({ queryKey: ["threads"] });
      return view;
    },
    retry: false,
    staleTime: Infinity,
    gcTime: 0,
  });

  if (body.isError) {
    const error = toApiError(body.error);
    return (
      <div className="body-missing" role="note" data-testid="body-missing" data-code={error.code}>
        <span>
          {error.code === "offline"
            ? "Body not downloaded yet (offline)"
            : `Body not downloaded yet: ${error.message}`}
        </span>
        <button type="button" className="btn btn--small" onClick={() => void body.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  return (
    <div className="body-missing" role="status" data-testid="body-downloading">
      Downloading the message…
    </div>
  );
}

function HtmlBody({ message, html }: { message: MessageView; html: string }) {
  return (
    <>
      <ContentNotices message={message} />
      <div className="message-frame-wrap">
        <iframe
          className="message-frame"
          data-testid="message-body"
          title={`Message: ${message.subject}`}
          // Empty sandbox: no scripts, no same-origin, no forms, no popups, no navigation.
          sandbox=""
          referrerPolicy="no-referrer"
          srcDoc={messageSrcDoc(html, { allowRemoteImages: message.remote_allowed })}
          style={{ height: estimateBodyHeight(html) }}
        />
      </div>
    </>
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Blocked remote images (with the way to allow the sender), removed trackers. */
function ContentNotices({ message }: { message: MessageView }) {
  const queryClient = useQueryClient();
  const sender = message.from?.email ?? null;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["thread"] });
  const allow = useMutation({ mutationFn: (email: string) => allowRemoteContent(email), onSuccess: refresh });
  const forget = useMutation({ mutationFn: (email: string) => forgetRemoteContent(email), onSuccess: refresh });
  const failed = allow.error ?? forget.error;
  const showAllowed = message.remote_allowed && sender !== null;
  if (message.blocked_remote === 0 && message.trackers_removed === 0 && !showAllowed && !failed) return null;
  return (
    <div className="content-notices">
      {message.blocked_remote > 0 && (
        <div className="remote-blocked" role="note">
          <span data-testid="remote-blocked">{plural(message.blocked_remote, "remote image", "remote images")} blocked</span>
          {sender !== null && (
            <>
              {" — "}
              <button
                type="button"
                className="btn btn--link"
                data-testid="allow-remote"
                disabled={allow.isPending}
                onClick={() => allow.mutate(sender)}
              >
                Load images from this sender
              </button>
            </>
          )}
        </div>
      )}
      {showAllowed && (
        <div className="remote-allowed" role="note" data-testid="remote-allowed">
          Images from {sender} are shown
          {" — "}
          <button
            type="button"
            className="btn btn--link"
            disabled={forget.isPending}
            onClick={() => forget.mutate(sender)}
          >
            Block them again
          </button>
        </div>
      )}
      {message.trackers_removed > 0 && (
        <div className="trackers-removed" role="note" data-testid="trackers-removed">
          {plural(message.trackers_removed, "tracker", "trackers")} removed
        </div>
      )}
      {failed && (
        <div className="content-notices__error" role="alert">
          {toApiError(failed).message}
        </div>
      )}
    </div>
  );
}

/** The plain-text part: line breaks kept, quoted runs set apart, web and mail links
 * clickable (they open in the default browser or mail client, never in the app). */
function PlainTextBody({ text }: { text: string }) {
  return (
    <div className="message-text" data-testid="message-text">
      {textBlocks(text).map((block, b) => {
        const lines = block.lines.map((line, i) => (
          <span key={i}>
            {i > 0 && "\n"}
            <LinkedLine line={line} />
          </span>
        ));
        return block.quoted ? (
          <blockquote key={b} className="message-text__quote" data-depth={Math.min(block.depth, 3)}>
            {lines}
          </blockquote>
        ) : (
          // A run after a quote starts on its own line already (the quote is a block).
          <span key={b}>{lines}</span>
        );
      })}
    </div>
  );
}

function LinkedLine({ line }: { line: string }) {
  return (
    <>
      {linkPieces(line).map((piece, i) =>
        piece.kind === "text" ? (
          piece.text
        ) : (
          <a
            key={i}
            href={piece.href}
            target="_blank"
            rel="noopener noreferrer"
            onClick={(e) => {
              e.preventDefault();
              void openLink(piece.href);
            }}
          >
            {piece.text}
          </a>
        ),
      )}
    </>
  );
}
