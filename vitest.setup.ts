import fc from 'fast-check';

// @fast-check/vitest names each test `... (with seed=N)` with a fresh seed on every run, so the
// names in JUnit output would change between identical runs. Pinning the global seed keeps the
// names, and the runs themselves, reproducible; set CKPTSIM_FC_SEED to explore other seeds.
const seed = Number(process.env.CKPTSIM_FC_SEED ?? 42);
if (!Number.isSafeInteger(seed)) {
  // A typo here would otherwise pin every property to NaN, silently.
  throw new Error(`CKPTSIM_FC_SEED must be an integer, got ${process.env.CKPTSIM_FC_SEED}`);
}
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
