/**
 * @module The alert engine: evaluates the rules over a {@link SignalSource} and moves each alert
 * (a rule and one label set) through inactive → pending (the condition holds, `for` has not
 * elapsed) → firing → resolved, as Prometheus does. A firing alert is notified when it fires,
 * again every repeat interval, and once when it resolves. Event rules (ledger verification,
 * budget critical) are raised with {@link AlertEngine.raise} and resolve when cleared.
 *
 * State lives in the store, not in memory: a restarted node picks up pending and firing alerts
 * where they were (no second "firing" notification, no forgotten `for` clock), and several
 * nodes on one database notify once, because every notification is claimed by a conditional
 * update that only one of them can win (see `alert-store.ts`). Time comes from an injectable
 * clock and {@link AlertEngine.evaluate} is one evaluation, so tests need no timers.
 */
import { AgentvisorError, type Clock, type LedgerStage, systemClock } from '../core/index.js';
import type { AlertTable, Store } from '../store/index.js';
import {
  type AlertLabels,
  type AlertRule,
  alertFingerprint,
  compare,
  renderSummary,
  sortedLabels,
} from './alert-rule.js';
import { type AlertPatch, AlertStore } from './alert-store.js';
import {
  type AlertEvent,
  type AlertNotification,
  type AlertState,
  type AlertTransition,
  type AlertView,
  alertViewOf,
} from './alert-view.js';
import { type SignalSample, type SignalSource, samplesOf } from './signal-source.js';

/** Options for {@link AlertEngine}. */
export interface AlertEngineOptions {
  readonly rules: readonly AlertRule[];
  readonly signals: SignalSource;
  readonly store: Store;
  readonly clock?: Clock;
  /** How long resolved alerts stay listed (default 24 h). */
  readonly resolvedRetentionMs?: number;
  /** Receives every notification this engine claimed; must return at once (queue it). */
  readonly notify?: (notification: AlertNotification) => void;
  /** Records alerts that fire and resolve (`alert.fired`, `alert.resolved`). */
  readonly ledger?: LedgerStage;
  /** Receives failures of readers, the store and the ledger; evaluation goes on. */
  readonly onError?: (error: unknown, context: string) => void;
}

/** What one evaluation did. */
export interface EvaluationReport {
  readonly at: number;
  /** Rules whose signal had no reader or whose reader failed. */
  readonly skipped: readonly string[];
  readonly pending: number;
  readonly firing: number;
  /** Notifications this engine claimed. */
  readonly notified: number;
}

/** Filters for {@link AlertEngine.list}. */
export interface AlertListOptions {
  /** One state, or `active` for pending and firing. */
  readonly state?: AlertState | 'active';
  readonly rule?: string;
  readonly limit?: number;
}

/** Extra facts of a raised alert. */
export interface RaiseOptions {
  /** The event's value (default 1), e.g. the first bad ledger seq or a budget's fraction. */
  readonly value?: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

const ACTOR = 'system:alerts';
const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };
const STATE_ORDER: Record<string, number> = { firing: 0, pending: 1, resolved: 2 };
const isActive = (row: AlertTable) => row.state === 'pending' || row.state === 'firing';

/**
 * See the module comment.
 *
 * @example
 * const engine = new AlertEngine({ rules, signals, store, clock, notify: (n) => queue.enqueue(n) });
 * await engine.evaluate(); // one evaluation
 * engine.start(15_000); // or every 15 s
 * await engine.raise('ledger_verification_failed', {}, { value: 1234 });
 */
export class AlertEngine {
  readonly #rules: ReadonlyMap<string, AlertRule>;
  readonly #signals: SignalSource;
  readonly #alerts: AlertStore;
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #notify: (notification: AlertNotification) => void;
  readonly #ledger: LedgerStage | undefined;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #listeners = new Set<(event: AlertEvent) => void>();
  /** The rows as last seen by this engine (refreshed at each evaluation). */
  #rows = new Map<string, AlertTable>();
  #serial: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #evaluating = false;
  #notified = 0;
  #lastEvaluation: EvaluationReport | undefined;

  constructor(options: AlertEngineOptions) {
    this.#rules = new Map(options.rules.map((r) => [r.name, r]));
    this.#signals = options.signals;
    this.#alerts = new AlertStore(options.store);
    this.#clock = options.clock ?? systemClock;
    this.#retentionMs = options.resolvedRetentionMs ?? 86_400_000;
    this.#notify = options.notify ?? (() => {});
    this.#ledger = options.ledger;
    this.#onError = options.onError ?? (() => {});
  }

  /** The rules evaluated, in name order. */
  get rules(): readonly AlertRule[] {
    return [...this.#rules.values()];
  }

  /** The last evaluation's report, if any. */
  get lastEvaluation(): EvaluationReport | undefined {
    return this.#lastEvaluation;
  }

  /** Calls `listener` on every transition this engine makes; returns the unsubscribe function. */
  onAlert(listener: (event: AlertEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Evaluates every `intervalMs` until {@link stop}; an evaluation still running skips a tick. */
  start(intervalMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#evaluating) return;
      this.evaluate().catch((error) => this.#onError(error, 'alert evaluation'));
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for the evaluation in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#serial.catch(() => {});
  }

  /** One evaluation of every rule at the clock's current time. */
  evaluate(): Promise<EvaluationReport> {
    return this.#run(async () => {
      this.#evaluating = true;
      try {
        return await this.#evaluate();
      } finally {
        this.#evaluating = false;
      }
    });
  }

  /**
   * Raises an event rule's alert for `labels` (the rule's own labels are added). Raising an
   * alert already pending or firing only refreshes its value and annotations. A rule that is
   * disabled is ignored (resolves to undefined); a sampled rule cannot be raised.
   */
  raise(
    ruleName: string,
    labels: AlertLabels = {},
    options: RaiseOptions = {},
  ): Promise<AlertView | undefined> {
    return this.#run(async () => {
      const rule = this.#eventRule(ruleName);
      if (rule === undefined) return undefined;
      const now = this.#clock.now();
      const full = { ...labels, ...rule.labels };
      const fingerprint = alertFingerprint(rule.name, full);
      const row = await this.#alerts.get(fingerprint);
      if (row === undefined) this.#rows.delete(fingerprint);
      else this.#rows.set(fingerprint, row);
      const value = options.value ?? 1;
      await this.#hold(rule, fingerprint, full, value, options.annotations, now);
      const after = this.#rows.get(fingerprint);
      return after === undefined ? undefined : alertViewOf(after);
    });
  }

  /**
   * Clears an event rule's alert for `labels` (every alert of the rule when `labels` is
   * omitted): a firing alert resolves and is notified, a pending one is dropped.
   */
  clear(ruleName: string, labels?: AlertLabels): Promise<void> {
    return this.#run(async () => {
      const rule = this.#rules.get(ruleName);
      if (rule === undefined) return;
      const now = this.#clock.now();
      let rows: AlertTable[];
      if (labels === undefined) {
        rows = (await this.#alerts.current(now)).filter((r) => r.rule === ruleName && isActive(r));
      } else {
        const row = await this.#alerts.get(
          alertFingerprint(ruleName, { ...labels, ...rule.labels }),
        );
        rows = row !== undefined && isActive(row) ? [row] : [];
      }
      for (const row of rows) await this.#release(row, now);
    });
  }

  /** Alerts from the store: firing first, then pending, then recently resolved. */
  async list(options: AlertListOptions = {}): Promise<AlertView[]> {
    const now = this.#clock.now();
    const rows = (await this.#alerts.current(now - this.#retentionMs)).filter(
      (r) =>
        (options.rule === undefined || r.rule === options.rule) &&
        (options.state === undefined ||
          (options.state === 'active' ? isActive(r) : r.state === options.state)),
    );
    rows.sort(
      (a, b) =>
        (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3) ||
        (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3) ||
        Number(b.started_at) - Number(a.started_at),
    );
    return rows.slice(0, options.limit ?? rows.length).map(alertViewOf);
  }

  /**
   * Holds back an alert's notifications for `durationMs` from now (0 lifts the silence). The
   * alert keeps its state; a repeat due during the silence is sent when it ends, if still firing.
   */
  silence(fingerprint: string, durationMs: number): Promise<AlertView> {
    return this.#run(async () => {
      const untilMs = durationMs > 0 ? this.#clock.now() + durationMs : null;
      for (let attempt = 0; attempt < 5; attempt++) {
        const row = await this.#alerts.get(fingerprint);
        if (row === undefined) {
          throw new AgentvisorError('NOT_FOUND', `no alert with fingerprint ${fingerprint}`);
        }
        if (await this.#alerts.update(fingerprint, row.version, { silenced_until: untilMs })) {
          const next = { ...row, silenced_until: untilMs, version: row.version + 1 };
          this.#rows.set(fingerprint, next);
          return alertViewOf(next);
        }
      }
      throw new AgentvisorError('CONFLICT', `alert ${fingerprint} kept changing; try again`);
    });
  }

  /** Pending and firing alerts as last seen (for gauges; no store access). */
  activeAlerts(): AlertView[] {
    return [...this.#rows.values()].filter(isActive).map(alertViewOf);
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(fn, fn);
    this.#serial = next.catch(() => {});
    return next;
  }

  #eventRule(name: string): AlertRule | undefined {
    const rule = this.#rules.get(name);
    if (rule !== undefined && rule.kind !== 'event') {
      throw new AgentvisorError(
        'INPUT_INVALID',
        `rule ${name} watches ${rule.signal}, a sampled signal; only event rules are raised`,
      );
    }
    return rule;
  }

  async #evaluate(): Promise<EvaluationReport> {
    const now = this.#clock.now();
    const notifiedBefore = this.#notified;
    const rows = await this.#alerts.current(now - this.#retentionMs);
    this.#rows = new Map(rows.map((r) => [r.fingerprint, r]));
    const activeByRule = new Map<string, AlertTable[]>();
    for (const row of rows) {
      if (!isActive(row)) continue;
      const list = activeByRule.get(row.rule) ?? [];
      list.push(row);
      activeByRule.set(row.rule, list);
    }
    const skipped: string[] = [];
    for (const rule of this.#rules.values()) {
      const active = activeByRule.get(rule.name) ?? [];
      activeByRule.delete(rule.name);
      const holding = await this.#holding(rule, active, now);
      if (holding === undefined) {
        skipped.push(rule.name);
        continue;
      }
      for (const [fingerprint, h] of holding) {
        await this.#guard(
          () => this.#hold(rule, fingerprint, h.labels, h.value, h.annotations, now),
          rule,
        );
      }
      for (const row of active) {
        if (!holding.has(row.fingerprint)) {
          await this.#guard(() => this.#release(row, now), rule);
        }
      }
    }
    // Alerts of rules removed or disabled since they fired: nothing will clear them otherwise.
    for (const rows of activeByRule.values()) {
      for (const row of rows) await this.#guard(() => this.#release(row, now), undefined);
    }
    await this.#alerts
      .purgeResolved(now - this.#retentionMs)
      .catch((error) => this.#onError(error, 'alert purge'));
    let pending = 0;
    let firing = 0;
    for (const row of this.#rows.values()) {
      if (row.state === 'pending') pending++;
      else if (row.state === 'firing') firing++;
    }
    const report = { at: now, skipped, pending, firing, notified: this.#notified - notifiedBefore };
    this.#lastEvaluation = report;
    return report;
  }

  /** Runs one alert's step; a store failure is reported and the next alert goes on. */
  async #guard(step: () => Promise<void>, rule: AlertRule | undefined): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.#onError(error, `alert rule ${rule?.name ?? '(removed)'}`);
    }
  }

  /**
   * The alerts whose condition holds now, by fingerprint; `undefined` when the rule cannot be
   * evaluated (no reader, or the reader failed), in which case nothing changes.
   */
  async #holding(
    rule: AlertRule,
    active: readonly AlertTable[],
    now: number,
  ): Promise<
    | Map<
        string,
        { labels: AlertLabels; value: number; annotations?: Readonly<Record<string, string>> }
      >
    | undefined
  > {
    const out = new Map<
      string,
      { labels: AlertLabels; value: number; annotations?: Readonly<Record<string, string>> }
    >();
    const reader = this.#signals[rule.signal];
    if (reader === undefined) {
      if (rule.kind === 'sample') return undefined;
      // An event rule with no reader holds what was raised until it is cleared.
      for (const row of active) {
        out.set(row.fingerprint, {
          labels: JSON.parse(row.labels) as AlertLabels,
          value: row.value ?? 1,
        });
      }
      return out;
    }
    let samples: SignalSample[];
    try {
      samples = samplesOf(await reader({ now, windowMs: rule.windowMs }));
    } catch (error) {
      this.#onError(error, `alert signal ${rule.signal}`);
      return undefined;
    }
    for (const sample of samples) {
      if (rule.kind === 'sample' && !compare(rule.op, sample.value, rule.threshold ?? 0)) continue;
      const labels = { ...sample.labels, ...rule.labels };
      out.set(alertFingerprint(rule.name, labels), { labels, value: sample.value });
    }
    return out;
  }

  /** The condition holds for one alert at `now`. */
  async #hold(
    rule: AlertRule,
    fingerprint: string,
    labels: AlertLabels,
    value: number,
    annotations: Readonly<Record<string, string>> | undefined,
    now: number,
    retried = false,
  ): Promise<void> {
    const row = this.#rows.get(fingerprint);
    const summary = renderSummary(rule.summary, labels, value, rule.threshold);
    const silenced = row?.silenced_until != null && Number(row.silenced_until) > now;
    if (row === undefined || row.state === 'resolved') {
      const fires = rule.forMs === 0;
      const claim = fires && !silenced;
      const fresh: AlertTable = {
        fingerprint,
        rule: rule.name,
        labels: JSON.stringify(sortedLabels(labels)),
        severity: rule.severity,
        state: fires ? 'firing' : 'pending',
        value,
        summary,
        annotations: JSON.stringify(annotations ?? {}),
        started_at: now,
        fired_at: fires ? now : null,
        resolved_at: null,
        updated_at: now,
        notified_at: claim ? now : null,
        notified_state: claim ? 'firing' : null,
        notifications: (row?.notifications ?? 0) + (claim ? 1 : 0),
        silenced_until: row?.silenced_until ?? null,
        version: (row?.version ?? 0) + 1,
      };
      const won =
        row === undefined
          ? await this.#alerts.insert(fresh)
          : await this.#alerts.update(fingerprint, row.version, {
              ...withoutIdentity(fresh),
              notify: claim,
            });
      if (!won) {
        // Another node changed or created the row first; or this one is resolved long enough
        // ago to be out of the listing but not yet purged. Look again, once.
        const current = await this.#alerts.get(fingerprint);
        if (current === undefined) this.#rows.delete(fingerprint);
        else this.#rows.set(fingerprint, current);
        if (!retried && current?.state === 'resolved') {
          await this.#hold(rule, fingerprint, labels, value, annotations, now, true);
        }
        return;
      }
      this.#rows.set(fingerprint, fresh);
      this.#emit(fires ? 'firing' : 'pending', fresh);
      if (fires) this.#record('alert.fired', fresh);
      if (claim) this.#send(fresh, 'firing', false);
      return;
    }
    if (row.state === 'pending') {
      if (now - Number(row.started_at) >= rule.forMs) {
        const patch: AlertPatch = {
          state: 'firing',
          fired_at: now,
          value,
          summary,
          updated_at: now,
          ...(silenced ? {} : { notified_at: now, notified_state: 'firing', notify: true }),
        };
        await this.#transition(row, patch, 'firing');
        return;
      }
    } else if (!silenced) {
      const last = row.notified_at === null ? null : Number(row.notified_at);
      if (last === null || now - last >= rule.repeatIntervalMs) {
        const repeat = row.notified_state === 'firing';
        const patch: AlertPatch = {
          value,
          summary,
          updated_at: now,
          notified_at: now,
          notified_state: 'firing',
          notify: true,
        };
        await this.#transition(row, patch, repeat ? 'repeat' : 'firing');
        return;
      }
    }
    const nextAnnotations =
      annotations === undefined ? row.annotations : JSON.stringify(annotations);
    if (row.value !== value || row.summary !== summary || row.annotations !== nextAnnotations) {
      const fields = { value, summary, annotations: nextAnnotations, updated_at: now };
      await this.#alerts.refresh(fingerprint, fields);
      this.#rows.set(fingerprint, { ...row, ...fields });
    }
  }

  /** The condition no longer holds for an active alert at `now`. */
  async #release(row: AlertTable, now: number): Promise<void> {
    if (row.state === 'pending') {
      if (await this.#alerts.remove(row.fingerprint, row.version)) {
        this.#rows.delete(row.fingerprint);
        this.#emit('cleared', row);
      }
      return;
    }
    const silenced = row.silenced_until !== null && Number(row.silenced_until) > now;
    // A firing alert nobody heard of (it fired during a silence) resolves without a word.
    const tell = !silenced && row.notified_state === 'firing';
    const patch: AlertPatch = {
      state: 'resolved',
      resolved_at: now,
      updated_at: now,
      ...(tell ? { notified_at: now, notified_state: 'resolved', notify: true } : {}),
    };
    await this.#transition(row, patch, 'resolved');
  }

  /** Applies a claimed change; only the node whose update wins emits, records and notifies. */
  async #transition(
    row: AlertTable,
    patch: AlertPatch,
    transition: AlertTransition,
  ): Promise<void> {
    if (!(await this.#alerts.update(row.fingerprint, row.version, patch))) return;
    const { notify, ...columns } = patch;
    const next: AlertTable = {
      ...row,
      ...columns,
      version: row.version + 1,
      notifications: row.notifications + (notify === true ? 1 : 0),
    };
    this.#rows.set(row.fingerprint, next);
    this.#emit(transition, next);
    if (transition === 'firing') this.#record('alert.fired', next);
    if (transition === 'resolved') this.#record('alert.resolved', next);
    if (notify === true) {
      this.#send(next, transition === 'resolved' ? 'resolved' : 'firing', transition === 'repeat');
    }
  }

  #emit(transition: AlertTransition, row: AlertTable): void {
    if (this.#listeners.size === 0) return;
    const event: AlertEvent = { kind: 'alert.event', transition, alert: alertViewOf(row) };
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onError(error, 'alert listener');
      }
    }
  }

  #send(row: AlertTable, status: 'firing' | 'resolved', repeat: boolean): void {
    this.#notified++;
    try {
      this.#notify({ kind: 'alert.notification', status, repeat, alert: alertViewOf(row) });
    } catch (error) {
      this.#onError(error, 'alert notify');
    }
  }

  #record(type: 'alert.fired' | 'alert.resolved', row: AlertTable): void {
    if (this.#ledger === undefined) return;
    const view = alertViewOf(row);
    this.#ledger
      .append({
        type,
        actor: ACTOR,
        subject: view.rule,
        payload: {
          fingerprint: view.fingerprint,
          severity: view.severity,
          labels: { ...view.labels },
          value: view.value,
          summary: view.summary,
        },
      })
      .catch((error) => this.#onError(error, `ledger ${type}`));
  }
}

function withoutIdentity(row: AlertTable): AlertPatch {
  const { fingerprint: _f, rule: _r, labels: _l, version: _v, notifications: _n, ...rest } = row;
  return rest;
}
