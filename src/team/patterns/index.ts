/** @module Seed 002's inter-agent patterns as library functions over the kernel. */
export {
  broadcast,
  handoff,
  type PatternContext,
  parallel,
  peerConsult,
  sequential,
  type WorkItem,
  type WorkOutcome,
} from './collaboration-patterns.js';
