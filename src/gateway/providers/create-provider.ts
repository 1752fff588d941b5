/**
 * @module Builds a {@link Provider} from one `gateway.providers[]` config entry. The key is
 * read from the environment here, once, and handed only to the provider's header map.
 */
import { AgentvisorError } from '../../core/index.js';
import type { Provider, ProviderKind } from '../provider.js';
import { ANTHROPIC_DEFAULT_BASE_URL, AnthropicProvider } from './anthropic-provider.js';
import { GEMINI_DEFAULT_BASE_URL, GeminiProvider } from './gemini-provider.js';
import { OPENAI_DEFAULT_BASE_URL, OpenAIProvider } from './openai-provider.js';

/** The provider config fields this factory uses (a subset of the config schema's entry). */
export interface ProviderFactoryConfig {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly base_url?: string | undefined;
  readonly api_key_env?: string | undefined;
  readonly local: boolean;
  readonly timeout_ms: number;
}

/** A provider that can release its pooled connections. */
export type ClosableProvider = Provider & { close(): Promise<void> };

/**
 * Creates the provider for `config`. The key comes from `env[api_key_env]`; a configured but
 * unset variable is a `CONFIG_INVALID` error naming the variable (never its value). Without
 * `api_key_env` no key is sent (local servers). `openai-compatible` requires `base_url` (the
 * config schema checks it too).
 */
export function createProvider(
  config: ProviderFactoryConfig,
  env: NodeJS.ProcessEnv,
): ClosableProvider {
  let apiKey: string | undefined;
  if (config.api_key_env !== undefined) {
    apiKey = env[config.api_key_env];
    if (apiKey === undefined || apiKey === '') {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        `provider "${config.name}": environment variable ${config.api_key_env} is not set`,
        { details: { provider: config.name, env: config.api_key_env } },
      );
    }
  }
  const common = {
    name: config.name,
    local: config.local,
    timeoutMs: config.timeout_ms,
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
  switch (config.kind) {
    case 'openai':
      return new OpenAIProvider({
        ...common,
        kind: 'openai',
        baseUrl: config.base_url ?? OPENAI_DEFAULT_BASE_URL,
      });
    case 'openai-compatible':
      if (config.base_url === undefined) {
        throw new AgentvisorError(
          'CONFIG_INVALID',
          `provider "${config.name}": base_url is required for an openai-compatible provider`,
          { details: { provider: config.name } },
        );
      }
      return new OpenAIProvider({ ...common, kind: 'openai-compatible', baseUrl: config.base_url });
    case 'anthropic':
      return new AnthropicProvider({
        ...common,
        baseUrl: config.base_url ?? ANTHROPIC_DEFAULT_BASE_URL,
      });
    case 'gemini':
      return new GeminiProvider({ ...common, baseUrl: config.base_url ?? GEMINI_DEFAULT_BASE_URL });
  }
}
