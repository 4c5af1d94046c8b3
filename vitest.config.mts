import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    // Builds dist/ once: the CLI tests spawn the compiled binary, the package tests pack it.
    globalSetup: ['./test/build-package.ts'],
    // A property test's runs all count against one test's timeout; the properties bound
    // themselves with fast-check's interruptAfterTimeLimit well below this.
    testTimeout: 60_000,
    // Child processes rather than worker threads: a runaway simulation can be killed cleanly
    // and a crash in one file does not take the others down.
    pool: 'forks',
    // One test file per core. Vitest's default leaves a core for its main process (cores - 1),
    // which on a 2-core CI machine runs the files one at a time while the main process idles.
    maxWorkers: availableParallelism(),
  },
});
