// "Move to…": a folder picker over the account's folders (by label, indented by depth),
// with a filter field. Typing filters, ↑/↓ choose, Enter moves, Esc closes.
//
// A thread does not say which account it belongs to, so with every inbox on screen
// (no account chosen) the picker lists each account's folders under its name; the
// backend refuses a folder of another account with a message that is then shown.
import { useQueries, useQuery } from "@tanstack/react-query";
import { useId, useState, type CSSProperties, type KeyboardEvent } from "react";
import { listAccounts, listFolders, type FolderView } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { Loading } from "../../components/Spinner";
import { folderLabel } from "./FolderTree";
import { folderKeys } from "./folderKeys";

interface Props {
  /** The account whose folders are offered; null offers every account's. */
  accountId: number | null;
  onPick(folderId: number): void;
  onClose(): void;
}

export function MoveToDialog({ accountId, onPick, onClose }: Props) {
  const ids = { title: useId(), list: useId() };
  const [filter, setFilter] = useState("");
  const [active, setActive] = useState(0);
  const accounts = useQuery({ queryKey: queryKeys.accounts, queryFn: listAccounts });
  const shown = (accounts.data ?? []).filter((a) => accountId === null || a.id === accountId);
  const folders = useQueries({
    queries: shown.map((a) => ({ queryKey: folderKeys.account(a.id), queryFn: () => listFolders(a.id) })),
  });

  const needle = filter.trim().toLowerCase();
  const matches = (f: FolderView) =>
    needle === "" || f.name.toLowerCase().includes(needle) || folderLabel(f).toLowerCase().includes(needle);
  const groups = shown.map((account, i) => ({ account, folders: (folders[i]?.data ?? []).filter(matches) }));
  const choices = groups.flatMap((g) => g.folders);
  const activeIndex = Math.min(active, choices.length - 1);
  const loading = accounts.isPending || folders.some((q) => q.isPending);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // A modal owns the keyboard: app shortcuts must not act behind it.
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive(Math.max(0, Math.min(choices.length - 1, activeIndex + step)));
    } else if (e.key === "Enter" && e.target instanceof HTMLInputElement) {
      e.preventDefault();
      const folder = choices[activeIndex];
      if (folder) onPick(folder.id);
    }
  };

  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className="modal move-to"
        role="dialog"
        aria-modal="true"
        aria-labelledby={ids.title}
        data-testid="move-to-dialog"
        onKeyDown={onKeyDown}
      >
        <h2 id={ids.title}>Move to</h2>
        <input
          className="input move-to__filter"
          type="text"
          autoFocus
          placeholder="Folder name"
          aria-label="Filter folders"
          aria-controls={ids.list}
          data-testid="move-to-filter"
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value);
            setActive(0);
          }}
        />
        <div className="move-to__list" id={ids.list}>
          {loading && <Loading />}
          {groups.map(({ account, folders: list }) => (
            <section key={account.id} aria-label={account.name}>
              {shown.length > 1 && <h3 className="move-to__account">{account.name}</h3>}
              {list.map((f) => {
                const index = choices.indexOf(f);
                return (
                  <button
                    key={f.id}
                    type="button"
                    className={`move-to__folder${index === activeIndex ? " is-active" : ""}`}
                    style={{ "--depth": f.depth } as CSSProperties}
                    data-testid="move-target"
                    data-folder-id={f.id}
                    title={f.name}
                    onMouseEnter={() => setActive(index)}
                    onClick={() => onPick(f.id)}
                  >
                    {folderLabel(f)}
                  </button>
                );
              })}
            </section>
          ))}
          {!loading && choices.length === 0 && <p className="muted move-to__empty">No folder matches.</p>}
        </div>
        <div className="move-to__actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
