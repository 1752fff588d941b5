/**
 * @module The workload every bus figure of `npm run bench -- team` uses: one task message of a
 * realistic shape (an action, a small context, a memory reference), sent from `lead` to
 * `agent:sink`, and the latency bookkeeping shared by the in-process and Redis runs.
 */
import type { MessagePayloadInput } from '../../src/team/index.js';

/** The payload of every benchmark message (~110 bytes of canonical JSON). */
export const PAYLOAD: MessagePayloadInput = {
  action: 'implement_feature',
  context: { file: 'src/team/bus/bus.ts', line: 42, hint: 'keep it small' },
  memoryRefs: ['mem-0196c0de'],
};

/** Throughput and send→handle latency of one bus run. */
export interface BusFigures {
  /** Messages handled per second, sender and consumer together. */
  readonly perSecond: number;
  /** Send→handler latency, µs. */
  readonly p50Us: number;
  readonly p99Us: number;
  readonly messages: number;
}

/** Send times by sequence number, and handler-start latencies as they arrive. */
export class LatencyLog {
  readonly sentAt: Float64Array;
  readonly latencies: Float64Array;
  count = 0;

  constructor(size: number) {
    this.sentAt = new Float64Array(size);
    this.latencies = new Float64Array(size);
  }

  /** The latencies recorded so far (µs). */
  samples(): Float64Array {
    return this.latencies.subarray(0, this.count);
  }

  /** Records the handler start of message `seq`. */
  handled(seq: number): void {
    this.latencies[this.count++] = (performance.now() - this.sentAt[seq]!) * 1000;
  }
}
