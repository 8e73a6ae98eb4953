import { useNavigation } from "../../app/navigation";
import { EmptyState } from "../../components/EmptyState";
import { SearchResults } from "../search/SearchResults";
import { AccountFilter } from "./AccountFilter";
import { ReadingPane } from "./ReadingPane";
import { ThreadList } from "./ThreadList";

/** Thread list (or search hits) on the left, the open conversation on the right. */
export function InboxView() {
  const nav = useNavigation();
  const { threadId, searchQuery, searchSerial, accountId } = nav.state;
  const closeThread = () => {
    if (threadId === null) return false;
    nav.closeThread();
    return true;
  };
  return (
    <div className="split">
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
              key={String(accountId)}
              accountId={accountId}
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
