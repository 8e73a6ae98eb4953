// Settings: how long Undo stays offered after Send (5–30 s, default 10).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getUndoSendSecs, setUndoSendSecs } from "../../ipc/bindings";
import { ErrorNote } from "../../components/ErrorNote";

const KEY = ["undoSendSecs"] as const;
const CHOICES = [5, 10, 20, 30];

export function UndoSendSetting() {
  const queryClient = useQueryClient();
  const secs = useQuery({ queryKey: KEY, queryFn: getUndoSendSecs });
  const set = useMutation({
    mutationFn: (value: number) => setUndoSendSecs(value),
    onSuccess: (kept) => queryClient.setQueryData(KEY, kept),
  });
  return (
    <section className="card card--row">
      <div>
        <h2>Undo send</h2>
        <p className="muted">How long a sent message waits, so you can take it back.</p>
        {(secs.isError || set.isError) && <ErrorNote error={secs.error ?? set.error} />}
      </div>
      <select
        className="select"
        aria-label="Undo send window"
        data-testid="undo-send-secs"
        disabled={!secs.data || set.isPending}
        value={secs.data ?? 10}
        onChange={(e) => set.mutate(Number(e.target.value))}
      >
        {CHOICES.map((s) => (
          <option key={s} value={s}>
            {s} seconds
          </option>
        ))}
      </select>
    </section>
  );
}
