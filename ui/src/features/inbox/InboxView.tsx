import { useState } from "react";
import { useNavigation } from "../../app/navigation";
import { EmptyState } from "../../components/EmptyState";
import { SearchResults } from "../search/SearchResults";
import { AccountFilter } from "./AccountFilter";
import { FolderTree } from "./FolderTree";
import { ReadingPane } from "./ReadingPane";
import { ThreadList } from "./ThreadList";

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
  return (
    <div className="split">
      <FolderTree
        selection={{ accountId, folderId }}
        onSelect={(next) => {
          const { accountId: account, folderId: id } = next;
          setFolder(account !== null && id !== null ? { accountId: account, folderId: id } : null);
          nav.setAccount(account);
        }}
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
              accountId={accountId}
              folderId={folderId}
              openThreadId={threadId}
              onOpen={nav.openThread}
              onClose={closeThread}
            />
          </>
        )}
      </div>
      <div className="split__detail">
        {threadId !== null ? (
          <ReadingPane key={threadId} threadId={threadId} onClose={nav.closeThread} />
        ) : (
          <EmptyState title="No conversation selected">
            Pick one from the list, or move with <kbd>j</kbd>/<kbd>k</kbd> and open it with <kbd>Enter</kbd>.
          </EmptyState>
        )}
      </div>
    </div>
  );
}
