// Single-key shortcuts. One window-level listener owns the keyboard so that shortcuts are
// consistent everywhere: `/` search, `g` + letter to switch views, j/k/Enter/Esc
// forwarded to whichever list is on screen (the most recently mounted one wins), and
// action keys (`c` compose, `r`/`a`/`f` reply, reply all, forward) registered by whatever
// offers the action (again, the most recently mounted one wins).
import { createContext, useContext, useEffect, useMemo, useRef, type ReactNode, type RefObject } from "react";
import { isTypingTarget } from "../lib/typing";
import { useNavigation, type View } from "./navigation";

export interface ListKeys {
  next(): void;
  prev(): void;
  open(): void;
  /** Returns true when it closed something, so outer handlers do not also act. */
  close(): boolean;
}

const G_TARGETS: Record<string, View> = {
  i: "inbox",
  c: "calendar",
  t: "tickets",
  k: "contacts",
  s: "settings",
  y: "sync",
};

interface KeyboardRegistry {
  register(keys: RefObject<ListKeys>): () => void;
  registerAction(key: string, action: RefObject<() => void>): () => void;
}

const KeyboardContext = createContext<KeyboardRegistry | null>(null);

export function KeyboardProvider({
  searchInput,
  children,
}: {
  searchInput: RefObject<HTMLInputElement | null>;
  children: ReactNode;
}) {
  const nav = useNavigation();
  const stack = useRef<RefObject<ListKeys>[]>([]);
  const actions = useRef<Map<string, RefObject<() => void>[]>>(new Map());
  const navRef = useRef(nav);
  useEffect(() => {
    navRef.current = nav;
  }, [nav]);

  useEffect(() => {
    let pendingG = false;
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || e.isComposing) return;
      if (isTypingTarget(e.target)) return;
      if (pendingG) {
        pendingG = false;
        const view = G_TARGETS[e.key];
        if (view) {
          e.preventDefault();
          navRef.current.go(view);
        }
        return;
      }
      const list = stack.current[stack.current.length - 1]?.current;
      switch (e.key) {
        case "/":
          e.preventDefault();
          searchInput.current?.focus();
          searchInput.current?.select();
          return;
        case "g":
          pendingG = true;
          return;
        case "j":
          e.preventDefault();
          list?.next();
          return;
        case "k":
          e.preventDefault();
          list?.prev();
          return;
        case "Enter":
          // A focused button or link handles Enter itself (as a click).
          if (e.target instanceof HTMLElement && e.target.closest("button, a, [role=button]")) return;
          if (list) {
            e.preventDefault();
            list.open();
          }
          return;
        case "Escape":
          if (list?.close()) e.preventDefault();
          return;
      }
      const action = actions.current.get(e.key)?.at(-1)?.current;
      if (action) {
        e.preventDefault();
        action();
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [searchInput]);

  const registry = useMemo<KeyboardRegistry>(
    () => ({
      register(keys) {
        stack.current.push(keys);
        return () => {
          stack.current = stack.current.filter((k) => k !== keys);
        };
      },
      registerAction(key, action) {
        actions.current.set(key, [...(actions.current.get(key) ?? []), action]);
        return () => {
          actions.current.set(
            key,
            (actions.current.get(key) ?? []).filter((a) => a !== action),
          );
        };
      },
    }),
    [],
  );
  return <KeyboardContext.Provider value={registry}>{children}</KeyboardContext.Provider>;
}

/** Route j/k/Enter/Esc to this list while the calling component is mounted. */
export function useListKeys(keys: ListKeys): void {
  const registry = useContext(KeyboardContext);
  const latest = useRef(keys);
  useEffect(() => {
    latest.current = keys;
  });
  useEffect(() => registry?.register(latest), [registry]);
}

/** Runs `action` when `key` is pressed (outside text fields) while the caller is mounted. */
export function useActionKey(key: string, action: () => void): void {
  const registry = useContext(KeyboardContext);
  const latest = useRef(action);
  useEffect(() => {
    latest.current = action;
  });
  useEffect(() => registry?.registerAction(key, latest), [registry, key]);
}

export interface ListCursor {
  /** How many rows the list has. */
  count: number;
  cursor: number | null;
  setCursor(index: number): void;
  /** Scrolls the row at `index` into view. */
  reveal(index: number): void;
  /** Opens the row at `index` (Enter). */
  open(index: number): void;
  close: ListKeys["close"];
}

/** j/k move a cursor over a list's rows (clamped to the list), Enter opens the row under it. */
export function useListCursor(list: ListCursor): void {
  const moveTo = (index: number) => {
    if (list.count === 0) return;
    const clamped = Math.max(0, Math.min(list.count - 1, index));
    list.setCursor(clamped);
    list.reveal(clamped);
  };
  useListKeys({
    next: () => moveTo(list.cursor === null ? 0 : list.cursor + 1),
    prev: () => moveTo(list.cursor === null ? 0 : list.cursor - 1),
    open: () => {
      if (list.cursor !== null) list.open(list.cursor);
    },
    close: list.close,
  });
}
