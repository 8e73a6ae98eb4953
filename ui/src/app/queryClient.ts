import { QueryClient } from "@tanstack/react-query";
import { isRetryable, toApiError } from "../ipc/errors";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // The backend tells us when data changes (workspace://changed), so there is no
        // need to refetch on focus; transient failures get two more tries.
        staleTime: 60_000,
        refetchOnWindowFocus: false,
        retry: (failures, error) => failures < 2 && isRetryable(toApiError(error).code),
      },
      mutations: { retry: false },
    },
  });
}
