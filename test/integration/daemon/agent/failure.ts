/** The `AgentvisorError` a call rejects with, for asserting on its code and details. */
import { expect } from 'vitest';
import { AgentvisorError } from '../../../../src/core/index.js';

/** Awaits `promise` and returns its `AgentvisorError`; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<AgentvisorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    return error as AgentvisorError;
  }
  throw new Error('expected the call to fail');
}
