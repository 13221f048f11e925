// Seeded pseudo-random numbers: re-exported from protocols/rng.ts, where grading (below the runtime) can use them too.
export { rngNext, rngSeed, SeededRng, type RngState } from '../protocols/rng.ts';
