/**
 * @module A real system (SQLite in a temp dir) with agents, and a stub model server playing
 * OpenAI that scripts the model's tool calls.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type CallerRef, configSchema } from '../../../../src/core/index.js';
import {
  type AgentvisorSystem,
  createLogger,
  type DiskSpaceReader,
  OPERATOR_CAPABILITIES,
  openSystem,
} from '../../../../src/system/index.js';
import { tempDir } from '../../../support/services.js';
import { type StubProvider, startStubProvider } from '../../../support/stub-provider.js';

export interface AgentHarness {
  readonly dir: string;
  readonly stub: StubProvider;
  readonly system: AgentvisorSystem;
  readonly operator: CallerRef;
  close(): Promise<void>;
}

/** The gateway section pointing the `smart` alias at the stub. */
export function stubGateway(stub: StubProvider): Record<string, unknown> {
  return {
    providers: [{ name: 'stub', kind: 'openai', base_url: `${stub.url}/v1` }],
    models: { smart: { chain: [{ provider: 'stub', model: 'gpt-4o-mini' }] } },
    retry: { max_attempts: 1, initial_delay_ms: 1, max_delay_ms: 5 },
    rate_limits: { burst: 10_000, refill_per_second: 1000 },
  };
}

/** Opens a system whose config has `agents` (and `mcp_servers`) in a fresh temp dir. */
export async function startAgents(
  configure: (dir: string) => {
    agents: unknown[];
    mcp_servers?: Record<string, unknown>;
    [section: string]: unknown;
  },
  options: { dir?: string; stub?: StubProvider; diskSpace?: DiskSpaceReader } = {},
): Promise<AgentHarness> {
  const stub = options.stub ?? (await startStubProvider());
  const tmp = options.dir === undefined ? tempDir('agentvisor-agents-') : undefined;
  const dir = options.dir ?? tmp!.dir;
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'out'), { recursive: true });
  const config = configSchema.parse({ gateway: stubGateway(stub), ...configure(dir) });
  const logger = createLogger({ level: 'silent', format: 'json' });
  const system = await openSystem({
    config,
    dataDir: path.join(dir, '.agentvisor'),
    logger,
    configDir: dir,
    env: { ...process.env, AGENTVISOR_REDIS_URL: '' },
    ...(options.diskSpace === undefined ? {} : { diskSpace: options.diskSpace }),
  });
  const operator: CallerRef = { kind: 'human', id: 'tester' };
  system.principals.register({ ...operator, capabilities: new Set(OPERATOR_CAPABILITIES) });
  return {
    dir,
    stub,
    system,
    operator,
    async close() {
      await system.close();
      if (options.stub === undefined) await stub.close();
      tmp?.remove();
    },
  };
}
