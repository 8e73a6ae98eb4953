import { useMemo, useRef, useState } from "react";
import { useActionKey } from "../../app/keyboard";
import { useNavigation } from "../../app/navigation";
import { EmptyState } from "../../components/EmptyState";
import { SearchResults } from "../search/SearchResults";
import { AccountFilter } from "./AccountFilter";
import { FolderTree } from "./FolderTree";
import { CommandFailureToast, useMailCommands } from "./mailCommands";
import { MoveToDialog } from "./MoveToDialog";
import { ReadingPane } from "./ReadingPane";
import { ThreadList, type ThreadListHandle } from "./ThreadList";
import type { ThreadCommands } from "./ThreadToolbar";

/** Thread list (or search hits) on the left, the open conversation on the right. */
export function InboxView() {
  const nav = useNavigation();
  const { threadId, searchQuery, searchSerial, accountId } = nav.state;
  // The chosen folder; it only counts while its account is still the selected one. No
  // folder means the Inbox: the account's, or every account's (unified).
  const [folder, setFolder] = useState<{ accountId: number; folderId: number } | null>(null);
  const folderId = folder !== null && folder.accountId === accountId ? folder.folderId : null;
  const closeThread = () => {
    if (threadId === null) return false;
    nav.closeThread();
    return true;
  };

  const list = useRef<ThreadListHandle>(null);
  // The thread the Move to picker is open for.
  const [moving, setMoving] = useState<number | null>(null);
  const mail = useMailCommands({
    // Like Gmail: a conversation archived, trashed or moved closes, and the cursor goes on
    // to the next one.
    onLeave: (id) => {
      if (id === threadId) nav.closeThread();
      list.current?.advancePast(id);
    },
    // Marking the open conversation unread returns to the list, so it is not read again.
    onMarkedUnread: (id) => {
      if (id === threadId) nav.closeThread();
    },
  });
  const { archive, trash, markRead, markUnread, toggleStar } = mail;
  const commands = useMemo<ThreadCommands>(
    () => ({
      archive: (id) => void archive(id),
      trash: (id) => void trash(id),
      markRead: (id) => void markRead(id),
      markUnread: (id) => void markUnread(id),
      toggleStar: (id) => void toggleStar(id),
      chooseFolder: setMoving,
    }),
    [archive, trash, markRead, markUnread, toggleStar],
  );

  // The keys act on the open conversation, else on the thread under the list cursor.
  const onTarget = (command: (id: number) => void) => {
    const id = threadId ?? list.current?.cursorThread()?.id ?? null;
    if (id !== null) command(id);
  };
  useActionKey("e", () => onTarget(commands.archive));
  useActionKey("#", () => onTarget(commands.trash));
  useActionKey("s", () => onTarget(commands.toggleStar));
  useActionKey("I", () => onTarget(commands.markRead));
  useActionKey("U", () => onTarget(commands.markUnread));
  useActionKey("v", () => onTarget(commands.chooseFolder));

  return (
    <div className="split">
      <FolderTree
        selection={{ accountId, folderId }}
        onSelect={(next) => {
          const { accountId: account, folderId: id } = next;
          setFolder(account !== null && id !== null ? { accountId: account, folderId: id } : null);
          nav.setAccount(account);
        }}
        onEmptyTrash={(account) => void mail.emptyTrash(account)}
      />
      <div className="split__list">
        {searchQuery !== null ? (
          <SearchResults
            key={`${searchSerial}:${searchQuery}`}
            query={searchQuery}
            openThreadId={threadId}
            onOpen={nav.openThread}
            onClose={closeThread}
            onClear={nav.clearSearch}
          />
        ) : (
          <>
            <div className="list-toolbar">
              <span className="list-toolbar__title">Inbox</span>
              <AccountFilter value={accountId} onChange={nav.setAccount} />
            </div>
            <ThreadList
              key={`${accountId}:${folderId}`}
              ref={list}
              accountId={accountId}
              folderId={folderId}
              openThreadId={threadId}
              onOpen={nav.openThread}
              onClose={closeThread}
              onToggleStar={commands.toggleStar}
            />
          </>
        )}
      </div>
      <div className="split__detail">
        {threadId !== null ? (
          <ReadingPane key={threadId} threadId={threadId} onClose={nav.closeThread} commands={commands} />
        ) : (
          <EmptyState title="No conversation selected">
            Pick one from the list, or move with <kbd>j</kbd>/<kbd>k</kbd> and open it with <kbd>Enter</kbd>.
          </EmptyState>
        )}
      </div>
      {moving !== null && (
        <MoveToDialog
          accountId={accountId}
          onClose={() => setMoving(null)}
          onPick={(folderId) => {
            const id = moving;
            setMoving(null);
            void mail.moveTo(id, folderId);
          }}
        />
      )}
      {mail.failure && <CommandFailureToast failure={mail.failure} onDismiss={mail.dismissFailure} />}
    </div>
  );
}
