// Query keys for the folder tree. Kept beside the tree until ipc/queryKeys.ts gains them
// (that file is shared); `all` is the prefix every folder query starts with.
export const folderKeys = {
  all: ["folders"] as const,
  account: (accountId: number) => ["folders", accountId] as const,
};
