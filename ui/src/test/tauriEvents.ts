// Stand-in for @tauri-apps/api/event: records listeners so tests can emit backend events.
type Handler = (event: { event: string; id: number; payload: unknown }) => void;

const listeners = new Map<string, Set<Handler>>();
let nextId = 1;

export async function listen(name: string, handler: Handler): Promise<() => void> {
  let set = listeners.get(name);
  if (!set) listeners.set(name, (set = new Set()));
  set.add(handler);
  return () => set.delete(handler);
}

export function emitTauriEvent(name: string, payload: unknown): void {
  for (const handler of listeners.get(name) ?? []) handler({ event: name, id: nextId++, payload });
}

export function listenerCount(name: string): number {
  return listeners.get(name)?.size ?? 0;
}

export function resetTauriEvents(): void {
  listeners.clear();
}
