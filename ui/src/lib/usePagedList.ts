// A virtualised window over a server-paged list. Only the pages under the visible rows
// are fetched (each page is its own cached query), so scrolling to row 40,000 loads the
// page holding row 40,000 and never the ones before it.
import { keepPreviousData, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { RefObject } from "react";

export interface Page<T> {
  total: number;
  items: T[];
}

export interface PagedListOptions<T> {
  /** Identifies the list (filters included); the page number is appended. */
  queryKey: readonly unknown[];
  fetchPage: (offset: number, limit: number) => Promise<Page<T>>;
  pageSize: number;
  rowHeight: number;
  scrollRef: RefObject<HTMLElement | null>;
}

export function usePagedList<T>({ queryKey, fetchPage, pageSize, rowHeight, scrollRef }: PagedListOptions<T>) {
  const queryClient = useQueryClient();
  const first = useQuery({
    queryKey: [...queryKey, 0],
    queryFn: () => fetchPage(0, pageSize),
    // Keep the old rows on screen while a new filter loads, instead of a blank flash.
    placeholderData: keepPreviousData,
  });
  const total = first.data?.total ?? 0;

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const pageNumbers = [...new Set(virtualItems.map((v) => Math.floor(v.index / pageSize)))].filter((p) => p > 0);

  const pages = useQueries({
    queries: pageNumbers.map((page) => ({
      queryKey: [...queryKey, page],
      queryFn: () => fetchPage(page * pageSize, pageSize),
    })),
  });
  const pageError = pages.find((p) => p.error)?.error ?? null;

  // Reads the query cache directly, so a row anywhere in the list (the keyboard cursor may
  // sit outside the rendered window) resolves when its page has been fetched.
  const itemAt = (index: number): T | undefined => {
    const page = Math.floor(index / pageSize);
    const data = page === 0 ? first.data : queryClient.getQueryData<Page<T>>([...queryKey, page]);
    return data?.items[index % pageSize];
  };

  return {
    total,
    isPending: first.isPending,
    error: first.error ?? pageError,
    virtualizer,
    virtualItems,
    itemAt,
  };
}
