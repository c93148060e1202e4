// Chaos run sizes: a bounded set that CI runs in a few minutes (`npm run test:chaos:ci`), and
// the full sizes of issue 9 with CHAOS_FULL=1 (`npm run test:chaos`).
const FULL = process.env.CHAOS_FULL === "1";

export const SIZES = FULL
  ? { receiverFaultMessages: 5000, killMessages: 20000, kills: 10, fuzzRequests: 10000, oversizedBodies: 1000 }
  : { receiverFaultMessages: 400, killMessages: 1000, kills: 2, fuzzRequests: 2000, oversizedBodies: 200 };

export const SIZE_LABEL = FULL ? "full" : "ci";
