/**
 * @module OpenTelemetry traces for beats, kernel operations and model calls, with the GenAI
 * semantic conventions' `gen_ai.*` attributes, exported over OTLP/HTTP through a batch span
 * processor. Without an endpoint nothing is created: every span method returns one shared
 * non-recording span, so an unconfigured kernel pays a property read and a return per span.
 * The provider is never registered globally, so two kernels in one process keep their traces
 * apart and tests leave no global state behind.
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { AGENTVISOR_ATTR, GEN_AI } from './genai-attributes.js';

/** The `telemetry:` config section's shape (see `telemetryConfigSchema` in core). */
export interface TracingConfig {
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces; a bare origin gets /v1/traces. */
  readonly otlp_endpoint?: string;
  readonly service_name?: string;
}

/** The model call a {@link Tracing.modelCallSpan} describes. */
export interface ModelCallDescription {
  /** The provider: "anthropic", "openai", "gcp.gemini" ... (`gen_ai.provider.name`). */
  readonly system: string;
  readonly model: string;
  readonly operation: 'chat' | 'embeddings';
}

/** What a model call used, set on its span by {@link Tracing.recordModelUsage}. */
export interface ModelCallUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly responseModel?: string;
  readonly finishReasons?: readonly string[];
}

/** An agent as a beat span names it. */
export type TracedAgent = string | { readonly id?: string; readonly name: string };

/** The span every method returns when tracing is off: records nothing, exports nothing. */
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url.toString();
}

/**
 * Creates spans for beats, operations and model calls.
 *
 * @example
 * const tracing = Tracing.fromConfig(config.telemetry);
 * const beat = tracing.beatSpan({ id: agent.id, name: agent.name }, 42);
 * const call = tracing.modelCallSpan({ system: 'anthropic', model: 'claude-sonnet-4', operation: 'chat' }, beat);
 * tracing.recordModelUsage(call, { inputTokens: 812, outputTokens: 97 });
 * call.end();
 * beat.end();
 * await tracing.shutdown();
 */
export class Tracing {
  readonly #provider: BasicTracerProvider | undefined;
  readonly #tracer: Tracer | undefined;

  private constructor(provider: BasicTracerProvider | undefined) {
    this.#provider = provider;
    this.#tracer = provider?.getTracer('agentvisor');
  }

  /** Tracing that exports to `config.otlp_endpoint`, or does nothing when it is unset. */
  static fromConfig(config: TracingConfig = {}): Tracing {
    if (config.otlp_endpoint === undefined) return Tracing.disabled();
    return Tracing.withExporter(
      new OTLPTraceExporter({ url: tracesUrl(config.otlp_endpoint) }),
      config.service_name,
    );
  }

  /** Tracing that exports through `exporter` (batched); for custom transports and tests. */
  static withExporter(exporter: SpanExporter, serviceName = 'agentvisor'): Tracing {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    return new Tracing(provider);
  }

  /** Tracing that records nothing. */
  static disabled(): Tracing {
    return new Tracing(undefined);
  }

  /** True when spans are recorded and exported. */
  get enabled(): boolean {
    return this.#tracer !== undefined;
  }

  #start(name: string, kind: SpanKind, parent: Span | undefined): Span {
    const tracer = this.#tracer as Tracer;
    const ctx = parent === undefined ? context.active() : trace.setSpan(context.active(), parent);
    return tracer.startSpan(name, { kind }, ctx);
  }

  /** A span for one beat of an agent (GenAI `invoke_agent`). End it when the beat completes. */
  beatSpan(agent: TracedAgent, beatNo: number, parent?: Span): Span {
    if (this.#tracer === undefined) return NOOP_SPAN;
    const name = typeof agent === 'string' ? agent : agent.name;
    const span = this.#start(`invoke_agent ${name}`, SpanKind.INTERNAL, parent);
    span.setAttribute(GEN_AI.operationName, 'invoke_agent');
    span.setAttribute(GEN_AI.agentName, name);
    if (typeof agent !== 'string' && agent.id !== undefined)
      span.setAttribute(GEN_AI.agentId, agent.id);
    span.setAttribute(AGENTVISOR_ATTR.beatNumber, beatNo);
    return span;
  }

  /** A span for one kernel operation call; close it with {@link endOp}. */
  opSpan(op: string, actor: string, parent?: Span): Span {
    if (this.#tracer === undefined) return NOOP_SPAN;
    const span = this.#start(`op ${op}`, SpanKind.INTERNAL, parent);
    span.setAttribute(AGENTVISOR_ATTR.operation, op);
    span.setAttribute(AGENTVISOR_ATTR.actor, actor);
    return span;
  }

  /** Sets an op span's outcome (an error status unless `ok`) and ends it. */
  endOp(span: Span, outcome: 'ok' | 'denied' | 'rejected' | 'error', code?: string): void {
    if (span === NOOP_SPAN) return;
    span.setAttribute(AGENTVISOR_ATTR.outcome, outcome);
    if (code !== undefined) span.setAttribute(AGENTVISOR_ATTR.code, code);
    if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? outcome });
    span.end();
  }

  /** A client span for one model call, named `{operation} {model}` as the conventions ask. */
  modelCallSpan(call: ModelCallDescription, parent?: Span): Span {
    if (this.#tracer === undefined) return NOOP_SPAN;
    const span = this.#start(`${call.operation} ${call.model}`, SpanKind.CLIENT, parent);
    span.setAttribute(GEN_AI.operationName, call.operation);
    span.setAttribute(GEN_AI.providerName, call.system);
    span.setAttribute(GEN_AI.system, call.system);
    span.setAttribute(GEN_AI.requestModel, call.model);
    return span;
  }

  /** Sets a model call span's token usage and response model (`gen_ai.usage.*`). */
  recordModelUsage(span: Span, usage: ModelCallUsage): void {
    if (span === NOOP_SPAN) return;
    span.setAttribute(GEN_AI.inputTokens, usage.inputTokens);
    span.setAttribute(GEN_AI.outputTokens, usage.outputTokens);
    if (usage.responseModel !== undefined)
      span.setAttribute(GEN_AI.responseModel, usage.responseModel);
    if (usage.finishReasons !== undefined) {
      span.setAttribute(GEN_AI.responseFinishReasons, [...usage.finishReasons]);
    }
  }

  /**
   * Records a finished kernel call as a span after the fact, from the gate's call event (its
   * end time `at` and its duration), so the gate's hot path starts no span of its own.
   */
  recordOp(event: {
    readonly op: string;
    readonly actor: string;
    readonly outcome: 'ok' | 'denied' | 'rejected' | 'error';
    readonly code?: string;
    readonly durationUs: number;
    readonly at: number;
  }): void {
    if (this.#tracer === undefined) return;
    const span = this.#tracer.startSpan(`op ${event.op}`, {
      kind: SpanKind.INTERNAL,
      startTime: event.at - event.durationUs / 1000,
      attributes: {
        [AGENTVISOR_ATTR.operation]: event.op,
        [AGENTVISOR_ATTR.actor]: event.actor,
        [AGENTVISOR_ATTR.outcome]: event.outcome,
        ...(event.code === undefined ? {} : { [AGENTVISOR_ATTR.code]: event.code }),
      },
    });
    if (event.outcome !== 'ok') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.code ?? event.outcome });
    }
    span.end(event.at);
  }

  /** Records a finished beat (GenAI `invoke_agent`) with its phase timings, after the fact. */
  recordBeat(
    agent: TracedAgent,
    beat: {
      readonly beat: number;
      readonly phases: Readonly<Record<string, number>>;
      readonly tokens: number;
      readonly idle: boolean;
    },
    endedAt: number,
  ): void {
    if (this.#tracer === undefined) return;
    const total = Object.values(beat.phases).reduce((a, b) => a + b, 0);
    // A finished beat's span is reconstructed from its timings.
    const started = this.#tracer.startSpan(
      `invoke_agent ${typeof agent === 'string' ? agent : agent.name}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: endedAt - total,
      },
    );
    started.setAttribute(GEN_AI.operationName, 'invoke_agent');
    started.setAttribute(GEN_AI.agentName, typeof agent === 'string' ? agent : agent.name);
    if (typeof agent !== 'string' && agent.id !== undefined) {
      started.setAttribute(GEN_AI.agentId, agent.id);
    }
    started.setAttribute(AGENTVISOR_ATTR.beatNumber, beat.beat);
    started.setAttribute('agentvisor.beat.idle', beat.idle);
    started.setAttribute(GEN_AI.inputTokens, beat.tokens);
    for (const [phase, ms] of Object.entries(beat.phases)) {
      started.setAttribute(`agentvisor.beat.${phase}_ms`, ms);
    }
    started.end(endedAt);
  }

  /** Records a finished model call (`{operation} {model}`, GenAI attributes), after the fact. */
  recordModelCall(
    call: ModelCallDescription,
    timing: { readonly startedAt: number; readonly endedAt: number },
    usage?: ModelCallUsage,
    error?: string,
  ): void {
    if (this.#tracer === undefined) return;
    const span = this.#tracer.startSpan(`${call.operation} ${call.model}`, {
      kind: SpanKind.CLIENT,
      startTime: timing.startedAt,
      attributes: {
        [GEN_AI.operationName]: call.operation,
        [GEN_AI.providerName]: call.system,
        [GEN_AI.system]: call.system,
        [GEN_AI.requestModel]: call.model,
      },
    });
    if (usage !== undefined) this.recordModelUsage(span, usage);
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end(timing.endedAt);
  }

  /** Exports every ended span now. */
  async forceFlush(): Promise<void> {
    await this.#provider?.forceFlush();
  }

  /** Flushes and stops the exporter; later spans are dropped. */
  async shutdown(): Promise<void> {
    await this.#provider?.shutdown();
  }
}
