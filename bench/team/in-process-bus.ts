/**
 * @module In-process bus figures (target: >= 500,000 messages/s, p99 <= 50 µs). Everything a
 * real send does is included: the message check with id and timestamp, routing, the
 * conversation queue, dispatch, the handler call and the processed-id record.
 * - Throughput: bursts of 1,000 sends (each burst awaited), timed from the first send to the
 *   last handler; median of 3 rounds after a warm-up.
 * - Latency: send call → handler start, with 1 message in flight (send, wait until handled,
 *   repeat: the path itself) and with 16 (a burst of 16 sent, then awaited: a message also
 *   waits for the sends after it in its burst, since dispatch starts when the sender yields).
 *   Within a burst of 1,000 the last message necessarily waits for the 999 sends before it,
 *   which measures the burst, not the bus.
 */
import { InProcessBus } from '../../src/team/index.js';
import { percentile } from '../lib.js';
import { type BusFigures, LatencyLog, PAYLOAD } from './workload.js';

const BURST = 1_000;
/** Messages in flight in the latency runs. */
export const IN_FLIGHT = [1, 16] as const;

async function throughputRound(messages: number): Promise<number> {
  const bus = new InProcessBus({ rateLimit: false, queueCapacity: 4 * BURST });
  let handled = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await bus.subscribe({ name: 'sink' }, () => {
    if (++handled === messages) done();
  });
  const start = performance.now();
  for (let sent = 0; sent < messages; sent += BURST) {
    let last: Promise<unknown> | undefined;
    for (let i = 0; i < BURST; i++) {
      last = bus.send({ source: 'lead', target: 'agent:sink', type: 'task', payload: PAYLOAD });
    }
    await last;
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await bus.close();
  return messages / seconds;
}

async function latencyRun(messages: number, inFlight: number): Promise<LatencyLog> {
  const bus = new InProcessBus({ rateLimit: false, queueCapacity: 4 * BURST });
  const log = new LatencyLog(messages);
  let waiting: () => void = () => {};
  await bus.subscribe({ name: 'sink' }, (m) => {
    log.handled(m.payload.context['seq'] as number);
    if (log.count % inFlight === 0) waiting();
  });
  for (let seq = 0; seq < messages; ) {
    const drained = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    for (let i = 0; i < inFlight; i++, seq++) {
      const input = {
        source: 'lead',
        target: 'agent:sink',
        type: 'task' as const,
        payload: { ...PAYLOAD, context: { ...PAYLOAD.context, seq } },
      };
      log.sentAt[seq] = performance.now();
      void bus.send(input);
    }
    await drained;
  }
  await bus.close();
  return log;
}

/** Send→handle latency with a given number of messages in flight, µs. */
export interface LatencyFigures {
  readonly inFlight: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly messages: number;
}

/** Runs the in-process measurements; `p50Us`/`p99Us` are those of 1 message in flight. */
export async function measureInProcessBus(
  quick: boolean,
): Promise<BusFigures & { rounds: number[]; latency: LatencyFigures[] }> {
  const messages = quick ? 200_000 : 1_000_000;
  await throughputRound(messages / 2);
  const rounds: number[] = [];
  for (let i = 0; i < 3; i++) rounds.push(await throughputRound(messages));
  const sorted = [...rounds].sort((a, b) => a - b);
  const latency: LatencyFigures[] = [];
  for (const inFlight of IN_FLIGHT) {
    const count = quick ? 48_000 : 192_000;
    await latencyRun(count / 4, inFlight);
    const log = await latencyRun(count, inFlight);
    latency.push({
      inFlight,
      p50Us: percentile(log.samples(), 50),
      p99Us: percentile(log.samples(), 99),
      messages: count,
    });
  }
  return {
    perSecond: sorted[1]!,
    rounds,
    p50Us: latency[0]!.p50Us,
    p99Us: latency[0]!.p99Us,
    messages,
    latency,
  };
}
