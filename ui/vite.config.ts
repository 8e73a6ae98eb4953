import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Calendar tests assert local wall-clock positions, so every test worker runs in one
// fixed zone that has DST and is not UTC; otherwise a UTC/local mix-up would pass.
const TEST_TZ = "America/New_York";
if (process.env.VITEST) process.env.TZ = TEST_TZ;

export default defineConfig({
  plugins: [react()],
  // Tauri serves the built files from its own protocol; relative asset URLs work there
  // and from file paths alike.
  base: "./",
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
  test: {
    environment: "jsdom",
    env: { TZ: TEST_TZ },
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
