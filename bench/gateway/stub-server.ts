/**
 * @module Child process for the gateway benchmark: the test suite's stub provider
 * (`startStubProvider({ record: false })`, a fixed precomputed reply) on an ephemeral loopback
 * port. Sends `{ type: 'ready', url }` over IPC and exits when the parent disconnects.
 */
import { startStubProvider } from '../../test/support/stub-provider.js';

const stub = await startStubProvider({ record: false });
process.send?.({ type: 'ready', url: stub.url });
process.on('disconnect', () => {
  void stub.close().finally(() => process.exit(0));
});
