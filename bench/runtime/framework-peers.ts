/**
 * @module One tool-calling turn (model → echo tool → model) in the peer frameworks, against the
 * same stub: OpenAI's Agents SDK and LangGraph's prebuilt ReAct agent. Each returns a function
 * that runs one turn, so the benchmark times them exactly like Agentvisor's.
 */
import { z } from 'zod';

/** `@openai/agents`: an Agent with one function tool, Chat Completions API, tracing off. */
export async function openaiAgentsTurn(baseUrl: string): Promise<() => Promise<void>> {
  const agents = await import('@openai/agents');
  const { default: OpenAI } = await import('openai');
  agents.setTracingDisabled(true);
  agents.setDefaultOpenAIClient(new OpenAI({ baseURL: baseUrl, apiKey: 'sk-bench' }) as never);
  agents.setOpenAIAPI('chat_completions');
  const echo = agents.tool({
    name: 'echo',
    description: 'Echo the text back.',
    parameters: z.object({ text: z.string() }),
    execute: async ({ text }) => text,
  });
  const agent = new agents.Agent({
    name: 'bench',
    instructions: 'Use echo.',
    tools: [echo],
    model: 'gpt-4o-mini',
  });
  return async () => {
    const result = await agents.run(agent, 'say hi');
    if (result.finalOutput !== 'done')
      throw new Error(`@openai/agents: unexpected ${String(result.finalOutput)}`);
  };
}

/** `@langchain/langgraph`: `createReactAgent` with `ChatOpenAI` and one tool. */
export async function langGraphTurn(baseUrl: string): Promise<() => Promise<void>> {
  const { createReactAgent } = await import('@langchain/langgraph/prebuilt');
  const { ChatOpenAI } = await import('@langchain/openai');
  const { tool } = await import('@langchain/core/tools');
  const echo = tool(async ({ text }: { text: string }) => text, {
    name: 'echo',
    description: 'Echo the text back.',
    schema: z.object({ text: z.string() }),
  });
  const llm = new ChatOpenAI({
    model: 'gpt-4o-mini',
    apiKey: 'sk-bench',
    configuration: { baseURL: baseUrl },
    maxRetries: 0,
  });
  const agent = createReactAgent({ llm, tools: [echo] });
  return async () => {
    const result = await agent.invoke({ messages: [{ role: 'user', content: 'say hi' }] });
    const last = result.messages.at(-1);
    if (last?.content !== 'done') throw new Error(`LangGraph: unexpected ${String(last?.content)}`);
  };
}
