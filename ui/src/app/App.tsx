import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { appStatus } from "../ipc/bindings";
import { queryKeys } from "../ipc/queryKeys";
import { ErrorNote } from "../components/ErrorNote";
import { Loading } from "../components/Spinner";
import { FirstRun } from "../features/firstrun/FirstRun";
import { StoreErrorDialog } from "../features/firstrun/StoreErrorDialog";
import { useWorkspaceEvents } from "./backendEvents";
import { initialNavState, NavigationProvider } from "./navigation";
import { Shell } from "./Shell";

/**
 * Decides what the window shows from the app status: a blocking dialog when the store
 * cannot be used, the first-run screen while it is empty, the workspace otherwise.
 */
export function App() {
  useWorkspaceEvents();
  const status = useQuery({ queryKey: queryKeys.appStatus, queryFn: appStatus });
  // "Add account" on the first-run screen opens Settings in an empty workspace.
  const [enteredEmpty, setEnteredEmpty] = useState(false);

  if (status.isPending) return <Loading label="Starting…" />;
  if (status.isError) {
    return (
      <div className="fatal">
        <ErrorNote error={status.error} onRetry={() => void status.refetch()} />
      </div>
    );
  }
  const s = status.data;
  if (s.store_error) return <StoreErrorDialog error={s.store_error} dataDir={s.data_dir} />;
  if (!s.has_data && !enteredEmpty) return <FirstRun onAddAccount={() => setEnteredEmpty(true)} />;
  const initial = s.has_data ? initialNavState("inbox") : { ...initialNavState("settings"), settingsNote: "add-account" as const };
  return (
    // Remounting on has_data resets navigation when the demo workspace arrives.
    <NavigationProvider key={String(s.has_data)} initial={initial}>
      <Shell status={s} onShowWelcome={s.has_data ? undefined : () => setEnteredEmpty(false)} />
    </NavigationProvider>
  );
}
