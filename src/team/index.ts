/**
 * @module Teams of agents: `team/` holds the message bus (in-process and Redis Streams, with
 * its dead-letter queue and send limits), the collaboration patterns (sequential, parallel,
 * peer consult, broadcast, handoff), the orchestrator that runs role agents through the
 * 7-phase algorithm, and hooks. This file is the module's public surface.
 */

// The message bus
export * from './bus/index.js';
// Conversations with the orchestrator (the dashboard's chat)
export * from './conversation/index.js';
// Hooks
export * from './hooks/index.js';
// The orchestrator and the 7-phase algorithm
export * from './orchestrator/index.js';
// The five collaboration patterns
export * from './patterns/index.js';
