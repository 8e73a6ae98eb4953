import { useQueries, useQuery } from "@tanstack/react-query";
import { useState, type CSSProperties } from "react";
import { listAccounts, listFolders, type AccountSummary, type FolderView } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNote } from "../../components/ErrorNote";
import { folderKeys } from "./folderKeys";
import "./folders.css";
import "./actions.css";

/** What the inbox shows: every inbox (account null), one account, or one of its folders. */
export interface FolderSelection {
  accountId: number | null;
  folderId: number | null;
}

const ROLE_LABELS: Record<string, string> = {
  inbox: "Inbox",
  sent: "Sent",
  drafts: "Drafts",
  archive: "Archive",
  trash: "Trash",
  junk: "Junk",
};

// 16px line icons for the special-use folders, drawn like components/Icon.
const ROLE_PATHS: Record<string, string> = {
  inbox: "M2 9.5 4 3h8l2 6.5V13H2V9.5Zm0 0h3.5l1 1.5h3l1-1.5H14",
  sent: "M2 7.5 14 2l-4.5 12-2-5-5.5-1.5Zm5.5 1.5L14 2",
  drafts: "M3 13l.5-2.5L10.5 3.5l2 2-7 7L3 13Zm6-8 2 2",
  archive: "M2 3h12v3H2V3Zm1 3v7h10V6M6.5 8.5h3",
  trash: "M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9",
  junk: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2ZM3.8 3.8l8.4 8.4",
  folder: "M2 4h4.5l1.5 1.5h6V13H2V4Z",
};

function FolderIcon({ role }: { role: string | null }) {
  return (
    <svg
      className="icon"
      width="16"
      height="16"
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.4"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={ROLE_PATHS[role ?? "folder"] ?? ROLE_PATHS.folder} />
    </svg>
  );
}

/** Special-use folders get their role's name ("[Gmail]/Sent Mail" is "Sent"). */
export function folderLabel(folder: FolderView): string {
  return (folder.role && ROLE_LABELS[folder.role]) || folder.label;
}

interface Props {
  selection: FolderSelection;
  onSelect(selection: FolderSelection): void;
  /** Deletes everything in the account's Trash for good (asked first); no Empty button without it. */
  onEmptyTrash?(accountId: number): void;
}

/**
 * The inbox sidebar: "All inboxes" first, then each account with its folder hierarchy,
 * indented by depth; unread counts are bold.
 */
export function FolderTree({ selection, onSelect, onEmptyTrash }: Props) {
  const [emptying, setEmptying] = useState<FolderView | null>(null);
  const accounts = useQuery({ queryKey: queryKeys.accounts, queryFn: listAccounts });
  const list = accounts.data ?? [];
  const folders = useQueries({
    queries: list.map((a) => ({ queryKey: folderKeys.account(a.id), queryFn: () => listFolders(a.id) })),
  });
  const inboxUnread = folders.reduce(
    (sum, q) => sum + (q.data ?? []).filter((f) => f.role === "inbox").reduce((n, f) => n + f.unread_count, 0),
    0,
  );
  const allSelected = selection.accountId === null;
  return (
    <nav className="folder-tree" aria-label="Folders" data-testid="folder-tree">
      <ul className="folder-tree__list">
        <li>
          <TreeButton
            testId="folder-all"
            selected={allSelected}
            depth={0}
            unread={inboxUnread}
            label="All inboxes"
            role="inbox"
            onClick={() => onSelect({ accountId: null, folderId: null })}
          />
        </li>
        {list.map((account, i) => (
          <AccountFolders
            key={account.id}
            account={account}
            folders={folders[i]?.data}
            error={folders[i]?.error}
            selection={selection}
            onSelect={onSelect}
            onEmpty={onEmptyTrash ? setEmptying : undefined}
          />
        ))}
      </ul>
      {accounts.isError && <ErrorNote error={accounts.error} onRetry={() => void accounts.refetch()} />}
      {emptying && onEmptyTrash && (
        <ConfirmDialog
          title={`Permanently delete ${emptying.message_count.toLocaleString()} ${emptying.message_count === 1 ? "message" : "messages"} in Trash?`}
          confirmLabel="Empty Trash"
          onCancel={() => setEmptying(null)}
          onConfirm={() => {
            setEmptying(null);
            onEmptyTrash(emptying.account_id);
          }}
        >
          They are deleted here and on the server, and cannot be brought back.
        </ConfirmDialog>
      )}
    </nav>
  );
}

function AccountFolders({
  account,
  folders,
  error,
  selection,
  onSelect,
  onEmpty,
}: {
  account: AccountSummary;
  folders: FolderView[] | undefined;
  error: Error | null | undefined;
  selection: FolderSelection;
  onSelect: Props["onSelect"];
  /** Asks to empty this Trash folder. */
  onEmpty?(trash: FolderView): void;
}) {
  const accountSelected = selection.accountId === account.id && selection.folderId === null;
  return (
    <li className="folder-tree__account" data-testid="folder-account" data-account-id={account.id}>
      <TreeButton
        testId="folder-account-button"
        selected={accountSelected}
        depth={0}
        unread={account.unread_count}
        label={account.name}
        title={account.email ?? undefined}
        heading
        onClick={() => onSelect({ accountId: account.id, folderId: null })}
      />
      {error && <p className="folder-tree__error">Folders could not be loaded.</p>}
      {folders && folders.length > 0 && (
        <ul className="folder-tree__list">
          {folders.map((f) => (
            <li key={f.id} className="folder-tree__row">
              <TreeButton
                testId="folder"
                folder={f}
                selected={selection.accountId === account.id && selection.folderId === f.id}
                depth={f.depth + 1}
                unread={f.unread_count}
                label={folderLabel(f)}
                title={f.name}
                role={f.role ?? "folder"}
                onClick={() => onSelect({ accountId: account.id, folderId: f.id })}
              />
              {f.role === "trash" && f.message_count > 0 && onEmpty && (
                <button
                  type="button"
                  className="folder-tree__empty"
                  data-testid="empty-trash"
                  title="Delete everything in Trash for good"
                  onClick={() => onEmpty(f)}
                >
                  Empty
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function TreeButton({
  testId,
  folder,
  selected,
  depth,
  unread,
  label,
  title,
  role,
  heading,
  onClick,
}: {
  testId: string;
  folder?: FolderView;
  selected: boolean;
  depth: number;
  unread: number;
  label: string;
  title?: string;
  role?: string;
  heading?: boolean;
  onClick(): void;
}) {
  return (
    <button
      type="button"
      className={[
        "folder-tree__item",
        selected && "is-active",
        unread > 0 && "has-unread",
        heading && "folder-tree__item--account",
      ]
        .filter(Boolean)
        .join(" ")}
      style={{ "--depth": depth } as CSSProperties}
      data-testid={testId}
      data-folder-id={folder?.id}
      data-depth={depth}
      data-role={folder?.role ?? undefined}
      aria-current={selected ? "true" : undefined}
      title={title}
      onClick={onClick}
    >
      {role && <FolderIcon role={role} />}
      <span className="folder-tree__label">{label}</span>
      {unread > 0 && (
        <strong className="folder-tree__unread" data-testid="folder-unread">
          {unread.toLocaleString()}
        </strong>
      )}
    </button>
  );
}
