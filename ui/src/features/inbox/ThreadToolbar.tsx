// The open conversation's commands, in the reading pane's header. Each button's title
// names its key; the keys themselves are bound in InboxView so that they also work on
// the thread under the list cursor when no conversation is open.
import { Icon, type IconName } from "../../components/Icon";

/** Commands on one conversation, with the inbox's follow-up (close it, move the cursor). */
export interface ThreadCommands {
  archive(threadId: number): void;
  trash(threadId: number): void;
  markRead(threadId: number): void;
  markUnread(threadId: number): void;
  toggleStar(threadId: number): void;
  /** Opens the Move to picker. */
  chooseFolder(threadId: number): void;
}

export function ThreadToolbar({
  threadId,
  starred,
  commands,
}: {
  threadId: number;
  starred: boolean;
  commands: ThreadCommands;
}) {
  const button = (label: string, keys: string, icon: IconName, onClick: () => void, extra?: object) => (
    <button
      type="button"
      className="icon-btn"
      aria-label={label}
      title={`${label} (${keys})`}
      onClick={onClick}
      {...extra}
    >
      <Icon name={icon} />
    </button>
  );
  return (
    <div className="thread-toolbar" role="toolbar" aria-label="Conversation actions" data-testid="thread-toolbar">
      {button("Archive", "e", "archive", () => commands.archive(threadId))}
      {button("Move to Trash", "#", "trash", () => commands.trash(threadId))}
      {button("Move to…", "v", "move", () => commands.chooseFolder(threadId))}
      <span className="thread-toolbar__sep" aria-hidden="true" />
      {button("Mark unread", "Shift+U", "unread", () => commands.markUnread(threadId))}
      {button("Star", "s", "star", () => commands.toggleStar(threadId), {
        "aria-pressed": starred,
        title: starred ? "Unstar (s)" : "Star (s)",
        className: `icon-btn${starred ? " is-starred" : ""}`,
      })}
    </div>
  );
}
