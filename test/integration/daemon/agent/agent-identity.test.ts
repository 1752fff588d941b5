/**
 * Agent identities on SQLite and PostgreSQL: created once with a UUIDv7 and an Ed25519 key
 * sealed by the keyring, the same after a restart, signatures that verify with any Ed25519
 * implementation, and clear errors for a wrong passphrase, a changed id or an altered key row.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AgentConfig, agentConfigSchema, isUuidV7 } from '../../../../src/core/index.js';
import {
  AgentRegistry,
  agentKeyId,
  definitionDigest,
  verifyAgentSignature,
} from '../../../../src/daemon/agent/index.js';
import { Keyring } from '../../../../src/ledger/index.js';
import type { Store } from '../../../../src/store/index.js';
import { DIALECTS, storePerTest } from './dialects.js';
import { failure } from './failure.js';

const PASSPHRASE_ENV = 'AGENTVISOR_TEST_AGENT_PASSPHRASE';

function definition(overrides: Record<string, unknown> = {}): AgentConfig {
  return agentConfigSchema.parse({ name: 'researcher', model: 'smart', ...overrides });
}

function keyring(store: Store, dataDir: string, passphrase?: string): Promise<Keyring> {
  return Keyring.open({
    store,
    dataDir,
    passphraseEnv: PASSPHRASE_ENV,
    keyFile: 'keys/keyring.key',
    env: passphrase === undefined ? {} : { [PASSPHRASE_ENV]: passphrase },
  });
}

const bytes = new TextEncoder().encode('hello kernel');

describe.each(DIALECTS)('agent identity: $label', ({ skip, open }) => {
  const opened = storePerTest({ skip, open });

  it.skipIf(skip)('is created on first start and is the same after a restart', async () => {
    const registry = new AgentRegistry({
      store: opened.store,
      sealer: await keyring(opened.store, opened.dataDir),
    });
    const first = await registry.ensure(definition(), { createdBy: 'human:ops' });
    expect(first.created).toBe(true);
    const { identity } = first;
    expect(isUuidV7(identity.id)).toBe(true);
    expect(identity.name).toBe('researcher');
    expect(identity.publicKey).toHaveLength(32);
    expect(identity.keyId).toBe(
      createHash('sha256').update(identity.publicKey).digest().subarray(0, 16).toString('hex'),
    );
    expect(identity.keyId).toBe(agentKeyId(identity.publicKey));
    expect(identity.createdBy).toBe('human:ops');
    expect(identity.state).toBe('initializing');
    expect(identity.definitionSha256).toBe(definitionDigest(definition()));

    const row = await opened.store.db
      .selectFrom('agents')
      .selectAll()
      .where('name', '=', 'researcher')
      .executeTakeFirstOrThrow();
    expect(row.private_key_enc).toMatch(/^v1:/);
    const signature = await registry.sign('researcher', bytes);

    const store = await opened.reopen();
    const again = new AgentRegistry({ store, sealer: await keyring(store, opened.dataDir) });
    const second = await again.ensure(definition(), { createdBy: 'someone-else' });
    expect(second).toMatchObject({ created: false, definitionChanged: false });
    expect(second.identity).toEqual(identity);

    // The restarted registry signs with the same key: Ed25519 is deterministic.
    expect(await again.sign('researcher', bytes)).toEqual(signature);
    expect(await again.verify('researcher', bytes, signature)).toBe(true);
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(identity.publicKey).toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, bytes, publicKey, signature)).toBe(true);
  });

  it.skipIf(skip)('signatures do not verify for other bytes or another agent', async () => {
    const registry = new AgentRegistry({
      store: opened.store,
      sealer: await keyring(opened.store, opened.dataDir),
    });
    const a = (await registry.ensure(definition())).identity;
    await registry.ensure(definition({ name: 'writer' }));
    const signature = await registry.sign('researcher', bytes);
    expect(
      await registry.verify('researcher', new TextEncoder().encode('hello kernel!'), signature),
    ).toBe(false);
    expect(await registry.verify('writer', bytes, signature)).toBe(false);
    expect(verifyAgentSignature(a.publicKey, bytes, signature.subarray(1))).toBe(false);
    expect(verifyAgentSignature(new Uint8Array(5), bytes, signature)).toBe(false);
  });

  it.skipIf(skip)('uses a configured id, and refuses to change or share it', async () => {
    const registry = new AgentRegistry({
      store: opened.store,
      sealer: await keyring(opened.store, opened.dataDir),
    });
    const id = '0190b2a4-7c3e-7d11-8a2b-3f4c5d6e7f80';
    const { identity } = await registry.ensure(definition({ id }));
    expect(identity.id).toBe(id);

    const other = '0190b2a4-7c3e-7d11-8a2b-3f4c5d6e7f81';
    const changed = await failure(registry.ensure(definition({ id: other })));
    expect(changed.code).toBe('CONFLICT');
    expect(changed.message).toBe(
      `agent "researcher" already has the identity ${id}, but its definition says id ${other}; an agent's id never changes: remove the id or set it back to ${id}`,
    );

    const shared = await failure(registry.ensure(definition({ name: 'writer', id })));
    expect(shared.code).toBe('CONFLICT');
    expect(shared.message).toContain(`agent id ${id} already belongs to agent "researcher"`);
    expect(await registry.find('writer')).toBeUndefined();
  });

  it.skipIf(skip)('records a changed definition without changing the identity', async () => {
    const registry = new AgentRegistry({
      store: opened.store,
      sealer: await keyring(opened.store, opened.dataDir),
    });
    const before = (await registry.ensure(definition())).identity;
    const after = await registry.ensure(definition({ description: 'now with a description' }));
    expect(after.definitionChanged).toBe(true);
    expect(after.identity.id).toBe(before.id);
    expect(after.identity.keyId).toBe(before.keyId);
    expect(after.identity.definitionSha256).not.toBe(before.definitionSha256);
    expect((await registry.get('researcher')).definitionSha256).toBe(
      after.identity.definitionSha256,
    );
  });

  it.skipIf(skip)('lists identities, records states, and names unknown agents', async () => {
    const registry = new AgentRegistry({
      store: opened.store,
      sealer: await keyring(opened.store, opened.dataDir),
    });
    await registry.ensure(definition());
    await registry.ensure(definition({ name: 'writer' }));
    expect((await registry.list()).map((i) => i.name).sort()).toEqual(['researcher', 'writer']);
    expect((await registry.setState('writer', 'running')).state).toBe('running');
    expect((await registry.get('writer')).state).toBe('running');

    const unknown = await failure(registry.get('ghost'));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toBe(
      'no identity for agent "ghost": it has never been started on this store',
    );
    expect((await failure(registry.sign('ghost', bytes))).code).toBe('NOT_FOUND');
    expect((await failure(registry.setState('ghost', 'ready'))).code).toBe('NOT_FOUND');
    const bad = await failure(registry.setState('writer', 'dancing' as 'ready'));
    expect(bad.code).toBe('INPUT_INVALID');
    expect(bad.message).toContain('expected one of initializing, ready, running');
    expect((await failure(registry.ensure(definition(), { createdBy: ' ' }))).code).toBe(
      'INPUT_INVALID',
    );
  });

  it.skipIf(skip)(
    'a wrong passphrase is a clear error, for the keyring and for the agent key',
    async () => {
      const sealer = await keyring(opened.store, opened.dataDir, 'correct horse');
      const registry = new AgentRegistry({ store: opened.store, sealer });
      const { identity } = await registry.ensure(definition());

      const wrong = await failure(keyring(opened.store, opened.dataDir, 'battery staple'));
      expect(wrong.code).toBe('KEY_PASSPHRASE_WRONG');
      expect(wrong.message).toContain(`the passphrase in ${PASSPHRASE_ENV} is wrong`);

      // A keyring re-initialised under another passphrase (its check value reset) opens, but
      // cannot open what the old one sealed.
      await opened.store.db
        .deleteFrom('agentvisor_meta')
        .where('key', 'like', 'keyring.%')
        .execute();
      const other = await keyring(opened.store, opened.dataDir, 'battery staple');
      const stranger = new AgentRegistry({ store: opened.store, sealer: other });
      const error = await failure(stranger.sign('researcher', bytes));
      expect(error.code).toBe('KEY_PASSPHRASE_WRONG');
      expect(error.message).toBe(
        `cannot decrypt the private key of agent "researcher" (key ${identity.keyId}): the keyring's passphrase or key file is not the one it was sealed with; restore that passphrase or key file`,
      );
    },
  );

  it.skipIf(skip)('a private key swapped between agents is refused', async () => {
    const registry = new AgentRegistry({
      store: opened.store,
      sealer: await keyring(opened.store, opened.dataDir),
    });
    await registry.ensure(definition());
    await registry.ensure(definition({ name: 'writer' }));
    const writer = await opened.store.db
      .selectFrom('agents')
      .select('private_key_enc')
      .where('name', '=', 'writer')
      .executeTakeFirstOrThrow();
    await opened.store.db
      .updateTable('agents')
      .set({ private_key_enc: writer.private_key_enc })
      .where('name', '=', 'researcher')
      .execute();
    const fresh = new AgentRegistry({
      store: opened.store,
      sealer: await keyring(opened.store, opened.dataDir),
    });
    const error = await failure(fresh.sign('researcher', bytes));
    expect(error.code).toBe('KEYRING_INVALID');
    expect(error.message).toContain('does not match its public key');
  });
});
