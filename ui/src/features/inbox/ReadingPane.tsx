import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { getThread, type Address, type MessageView } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { formatDateTime } from "../../lib/time";
import { ErrorNote } from "../../components/ErrorNote";
import { Loading } from "../../components/Spinner";
import { Icon } from "../../components/Icon";
import { Attachments } from "./Attachments";
import { MessageBody } from "./MessageBody";
import { InvitationCard } from "./InvitationCard";
import { MessageActions, useReplyKeys } from "../compose/MessageActions";
import { isStarred } from "./threadActions";
import { ThreadToolbar, type ThreadCommands } from "./ThreadToolbar";
import "./reading.css";
import "./actions.css";

const MAX_INDENT = 5;

export function ReadingPane({
  threadId,
  onClose,
  commands,
}: {
  threadId: number;
  onClose: () => void;
  commands: ThreadCommands;
}) {
  const thread = useQuery({ queryKey: queryKeys.thread(threadId), queryFn: () => getThread(threadId) });
  useReplyKeys(thread.data?.messages);

  // Shown means read (as in Gmail): once per opening, as soon as the messages are on
  // screen. Only Enter or a click opens a thread; j/k merely move the list cursor.
  const markedRead = useRef(false);
  const hasUnread = thread.data?.messages.some((m) => m.unread) ?? false;
  useEffect(() => {
    if (!hasUnread || markedRead.current) return;
    markedRead.current = true;
    commands.markRead(threadId);
  }, [hasUnread, threadId, commands]);

  return (
    <section className="reading-pane" data-testid="reading-pane" data-thread-id={threadId} aria-label="Conversation">
      <header className="pane-header">
        <h2 className="pane-header__title">{thread.data?.subject || (thread.isPending ? "" : "(no subject)")}</h2>
        {thread.data && thread.data.messages.length > 1 && (
          <span className="pill">{thread.data.messages.length} messages</span>
        )}
        {thread.data && <ThreadToolbar threadId={threadId} starred={isStarred(thread.data.messages)} commands={commands} />}
        <button type="button" className="icon-btn" aria-label="Close conversation" title="Close (Esc)" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <div className="reading-pane__scroll">
        {thread.isPending && <Loading />}
        {thread.isError && <ErrorNote error={thread.error} onRetry={() => void thread.refetch()} />}
        {thread.data?.messages.map((m) => <MessageCard key={m.id} message={m} />)}
      </div>
    </section>
  );
}

function MessageCard({ message }: { message: MessageView }) {
  return (
    <article
      className={`message${message.unread ? " is-unread" : ""}`}
      data-testid="message"
      data-message-id={message.id}
      data-depth={message.depth ?? 0}
      // Replies sit under what they answer (JWZ reply tree), capped so deep threads stay readable.
      style={{ marginLeft: `${Math.min(message.depth ?? 0, MAX_INDENT) * 1.25}rem` }}
    >
      <header className="message__header">
        <div className="message__from">
          {message.from ? <AddressView address={message.from} /> : <span className="muted">(unknown sender)</span>}
          {message.flagged && (
            <span className="marker marker--star" data-testid="message-star">
              <Icon name="star" title="Starred" />
            </span>
          )}
          {message.parse_error !== null && (
            <span className="badge badge--warning" data-testid="parse-error" title={message.parse_error}>
              <Icon name="warning" /> Could not be fully read
            </span>
          )}
          <time className="message__date" dateTime={new Date(message.date).toISOString()}>
            {formatDateTime(message.date)}
          </time>
          <MessageActions messageId={message.id} />
        </div>
        <AddressLine label="To" list={message.to} />
        <AddressLine label="Cc" list={message.cc} />
      </header>
      {message.parse_error !== null && <div className="message__parse-error">{message.parse_error}</div>}
      <InvitationCard messageId={message.id} />
      <MessageBody message={message} />
      <Attachments messageId={message.id} attachments={message.attachments} />
    </article>
  );
}

function AddressView({ address }: { address: Address }) {
  if (!address.name) return <span className="address">{address.email}</span>;
  return (
    <span className="address" title={address.email}>
      <span className="address__name">{address.name}</span> <span className="address__email">&lt;{address.email}&gt;</span>
    </span>
  );
}

function AddressLine({ label, list }: { label: string; list: Address[] }) {
  if (list.length === 0) return null;
  return (
    <div className="message__recipients">
      <span className="message__label">{label}</span>
      {list.map((a, i) => (
        <span key={`${a.email}-${i}`}>
          {i > 0 && ", "}
          <AddressView address={a} />
        </span>
      ))}
    </div>
  );
}
