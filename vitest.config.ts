import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: two files at a time keeps PGlite boots from starving each other.
    maxWorkers: 2,
    fileParallelism: true,
    // Test files share a worker's module cache instead of importing the app again for each
    // file (about a second of CPU per file). Every file still gets its own fresh database
    // (test/support/db.ts), and no test mocks modules or changes module state.
    isolate: false,
  },
});
