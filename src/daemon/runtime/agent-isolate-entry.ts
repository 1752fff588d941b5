/**
 * @module The entry point of an agent running in a worker thread or a child process. It builds
 * the same daemon an inline agent has, with an {@link IpcGate} instead of the kernel: the agent
 * holds no database handle, no key and no provider credential, only its channel to the host.
 * Imports stay within the daemon's loop so an isolate starts fast.
 */
import { parentPort } from 'node:worker_threads';
import { LlmDeliberator } from '../deliberation/llm-deliberator.js';
import { defaultUtilityDeliberator } from '../deliberation/utility-deliberator.js';
import { InboxSource } from '../perception/inbox-source.js';
import { AttentionFilter } from '../perception/observation.js';
import { Perceiver } from '../perception/perceiver.js';
import { AgentDaemon } from './agent-daemon.js';
import { AgentOps } from './agent-ops.js';
import type { AgentMessage, HostMessage, MessageChannelEnd } from './gate-protocol.js';
import { HeartbeatEngine } from './heartbeat-engine.js';
import { IpcGate } from './ipc-gate.js';
import type { RecoveryPolicy } from './recovery.js';

function channel(): MessageChannelEnd<AgentMessage, HostMessage> {
  if (parentPort !== null) {
    const port = parentPort;
    return { send: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l) };
  }
  if (process.send === undefined) {
    throw new Error('agent-isolate-entry must run as a worker thread or a forked child process');
  }
  return {
    send: (m) => {
      process.send?.(m);
    },
    onMessage: (l) => process.on('message', (m) => l(m as HostMessage)),
  };
}

const ch = channel();
let daemon: AgentDaemon | undefined;

ch.onMessage((message) => {
  if (message.type === 'init') {
    const { spec } = message;
    const ops = new AgentOps(new IpcGate({ kind: 'agent', id: spec.id }, ch));
    const inbox = new InboxSource(ops);
    const engine = new HeartbeatEngine({
      profile: {
        id: spec.id,
        name: spec.name,
        role: spec.role,
        description: spec.description,
        model: spec.model,
        constitution: spec.constitution,
        maxToolCallsPerBeat: spec.maxToolCallsPerBeat,
      },
      ops,
      perceiver: new Perceiver([inbox], new AttentionFilter(spec.attention)),
      deliberator:
        spec.deliberation === 'utility' ? defaultUtilityDeliberator() : new LlmDeliberator(),
    });
    daemon = new AgentDaemon({
      name: spec.name,
      engine,
      heartbeat: spec.heartbeat,
      recovery: spec.recovery as Partial<RecoveryPolicy>,
      maxBeats: spec.maxBeats,
      maxTokensPerHour: spec.maxTokensPerHour,
      onWake: () => inbox.notify(),
      onBeat: (report) => ch.send({ type: 'beat', report }),
      onError: (error, action) =>
        ch.send({
          type: 'beat-error',
          kind: error.kind,
          beat: error.beat,
          action,
          message: error.message,
        }),
      onStatus: (status, reason) =>
        ch.send({ type: 'status', status, ...(reason === undefined ? {} : { reason }) }),
    });
    ch.send({ type: 'ready' });
    return;
  }
  if (daemon === undefined) return;
  const d = daemon;
  if (message.type === 'run-until-idle') {
    d.runUntilIdle(message.maxBeats).then(
      (reports) => ch.send({ type: 'idle-run-done', reports }),
      (error: unknown) =>
        ch.send({ type: 'idle-run-done', reports: [], error: (error as Error).message }),
    );
    return;
  }
  if (message.type !== 'control') return;
  const done = (p: Promise<void>) =>
    p.catch((error: unknown) =>
      ch.send({ type: 'status', status: 'failed', reason: (error as Error).message }),
    );
  if (message.command === 'start') void done(d.start());
  else if (message.command === 'wake') d.wake();
  else if (message.command === 'suspend') void done(d.suspend(message.reason ?? 'suspended'));
  else if (message.command === 'resume') void done(d.resume());
  else if (message.command === 'stop') {
    void done(d.stop()).then(() => {
      ch.send({ type: 'stopped' });
    });
  }
});

// The host going away (IPC disconnect) ends an isolate, used or spare: no orphans.
process.on('disconnect', () => process.exit(0));
ch.send({ type: 'booted' });
