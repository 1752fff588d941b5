/**
 * @module The shapes every tool shares: the scopes an agent's configuration grants, the services
 * the built-ins call, the context a call runs in, and the definition the registry holds. Built-in
 * and MCP tools, and tools run in a sandbox, are all a {@link ToolDefinition}.
 */
import type { z } from 'zod';

/**
 * What an agent's tools may touch, from its validated configuration. Paths are absolute.
 * A missing section means the agent has no tool of that family.
 */
export interface ToolScopes {
  /**
   * Allowed root directories. Writing implies reading, so `read` need not repeat `write` roots.
   * `maxReadBytes` (default 1 MiB) and `maxWriteBytes` (default 10 MiB) cap one call.
   */
  fs?: { read: string[]; write: string[]; maxReadBytes?: number; maxWriteBytes?: number };
  /**
   * Hosts like `api.example.com` (any port), `localhost:8080` (that port only) or
   * `*.example.com` (any subdomain, not the apex).
   */
  http?: { hosts: string[]; maxBytes: number; timeoutMs: number };
  /** Commands by basename (`ls`) or exact path (`/usr/bin/git`); `cwd` is the root of all cwds. */
  shell?: { commands: string[]; cwd: string; timeoutMs: number; maxOutputBytes: number };
}

/** A memory item as the memory service stores it. */
export interface ToolMemoryItem {
  component: 'episodic' | 'semantic' | 'procedural';
  content: string;
  tags?: string[];
}

/** A memory search hit. */
export interface ToolMemoryHit {
  id: string;
  component: string;
  content: string;
  score: number;
}

/** A goal as an agent proposes it. */
export interface ToolGoalInput {
  title: string;
  description?: string;
  priority?: number;
  parentId?: string;
}

/** The services the memory, message and goal built-ins call; implemented elsewhere, injected. */
export interface ToolServices {
  memory: {
    put(agentId: string, item: ToolMemoryItem): Promise<{ id: string }>;
    search(
      agentId: string,
      query: string,
      options?: { limit?: number; components?: string[] },
    ): Promise<ToolMemoryHit[]>;
  };
  messages: {
    send(
      from: string,
      to: string,
      body: string,
      options?: { subject?: string },
    ): Promise<{ id: string }>;
  };
  goals: {
    push(agentId: string, goal: ToolGoalInput): Promise<{ id: string }>;
    complete(agentId: string, goalId: string, outcome: string): Promise<void>;
  };
  permissions: {
    /** Opens an escalation approval item for the agent. */
    request(
      agentId: string,
      request: {
        capability: string;
        scope?: { paths?: string[]; hosts?: string[]; commands?: string[] };
        reason: string;
      },
    ): Promise<{ id: string; expiresAt: string }>;
  };
  humans: {
    /** Opens a question approval item for the agent; the answer comes to its inbox. */
    ask(
      agentId: string,
      question: { question: string; ttlSeconds: number },
    ): Promise<{ id: string; expiresAt: string }>;
  };
}

/** Everything one tool call runs with. */
export interface ToolContext {
  agentId: string;
  scopes: ToolScopes;
  services: ToolServices;
  /** Aborted when the caller gives up; tools stop work and release what they hold. */
  signal: AbortSignal;
  /** Stable across retries of the same call; sent as `Idempotency-Key` by unsafe HTTP methods. */
  idempotencyKey: string;
}

/** What a tool returns: text for the model, structured data for programs. */
export interface ToolResult {
  content: string;
  data?: unknown;
  /** True when output was cut at a size cap. */
  truncated?: boolean;
}

/** A tool: its name and description for the model, its argument schema, its effect, its code. */
export interface ToolDefinition<A = unknown> {
  name: string;
  description: string;
  /** JSON Schema shown to the model. */
  inputSchema: Record<string, unknown>;
  /** Built-ins validate with zod; tools without it are validated with ajv against `inputSchema`. */
  args?: z.ZodType<A>;
  /** `read` tools change nothing outside the agent; anything else is `write`. */
  effect: 'read' | 'write';
  run(ctx: ToolContext, args: A): Promise<ToolResult>;
}
