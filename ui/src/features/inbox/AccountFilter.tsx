import { useQuery } from "@tanstack/react-query";
import { listAccounts } from "../../ipc/bindings";
import { queryKeys } from "../../ipc/queryKeys";

/** Unified inbox (null) or one account. */
export function AccountFilter({ value, onChange }: { value: number | null; onChange: (id: number | null) => void }) {
  const accounts = useQuery({ queryKey: queryKeys.accounts, queryFn: listAccounts });
  return (
    <select
      className="select select--compact"
      data-testid="account-filter"
      aria-label="Account"
      value={value === null ? "" : String(value)}
      onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}
    >
      <option value="">All accounts</option>
      {accounts.data?.map((a) => (
        <option key={a.id} value={a.id}>
          {a.name}
          {a.unread_count > 0 ? ` (${a.unread_count})` : ""}
        </option>
      ))}
    </select>
  );
}
