// Lints the UI (the only JavaScript/TypeScript in the repository so far).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "**/dist/**", "target/**", "ui/src/ipc/bindings.ts"],
  },
  {
    files: ["ui/**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended, reactHooks.configs.flat.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.browser },
    },
    rules: {
      // TanStack Virtual returns fresh functions each render; this app does not use the
      // React Compiler, so the warning about memoising them does not apply.
      "react-hooks/incompatible-library": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
    },
  },
  {
    files: ["ui/vite.config.ts"],
    languageOptions: { globals: { ...globals.node } },
  },
);
