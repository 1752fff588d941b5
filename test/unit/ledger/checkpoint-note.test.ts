import fc from 'fast-check';
import sodium from 'sodium-native';
import { describe, expect, it } from 'vitest';
import { AgentvisorError } from '../../../src/core/errors.js';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpointBody,
  formatVerifierKey,
  NOTE_ALG_ED25519,
  NOTE_ALG_UNIDENTIFIED,
  noteKeyHash,
  openCheckpoint,
  parseCheckpointBody,
  parseSignedNote,
  parseVerifierKey,
  signNote,
  verifyNoteSignature,
} from '../../../src/ledger/checkpoint-note.js';

// Published vectors from golang.org/x/mod, repository github.com/golang/mod, file
// sumdb/note/note_test.go (TestSign, TestOpen, TestVerifierList); BSD-3-Clause. Data only.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY_B64 = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 || Ed25519 seed
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const NOTE_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

function keypairFromSeed(seed: Uint8Array): { publicKey: Buffer; secretKey: Buffer } {
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, Buffer.from(seed));
  return { publicKey, secretKey };
}

const peterSeed = new Uint8Array(Buffer.from(PETER_SKEY_B64, 'base64')).subarray(1);
const peter = keypairFromSeed(peterSeed);

function expectInputInvalid(fn: () => unknown, mention: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('INPUT_INVALID');
    expect((error as AgentvisorError).message).toContain(mention);
    return;
  }
  throw new Error(`expected INPUT_INVALID mentioning ${mention}`);
}

describe('golang.org/x/mod/sumdb/note vectors', () => {
  it('parses the published verifier keys and checks their key IDs', () => {
    const key = parseVerifierKey(PETER_VKEY);
    expect(key.name).toBe('PeterNeumann');
    expect(Buffer.from(key.keyHash).toString('hex')).toBe('c74f20a3');
    expect(key.algorithm).toBe(NOTE_ALG_ED25519);
    expect(Buffer.from(key.publicKey).equals(peter.publicKey)).toBe(true);
    expect(formatVerifierKey('PeterNeumann', peter.publicKey)).toBe(PETER_VKEY);
    expect(parseVerifierKey(ENOCH_VKEY).name).toBe('EnochRoot');
  });

  it('rejects mangled verifier keys (x/mod TestNewVerifier)', () => {
    expectInputInvalid(
      () =>
        parseVerifierKey(
          'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
        ),
      'verifier key',
    );
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const mangled =
        PETER_VKEY.slice(0, i) +
        String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) +
        PETER_VKEY.slice(i + 1);
      expect(() => parseVerifierKey(mangled), mangled).toThrow(AgentvisorError);
    }
    expectInputInvalid(() => parseVerifierKey(PETER_VKEY.slice(0, -4)), 'verifier key');
  });

  it('signs exactly like x/mod (Ed25519 is deterministic)', () => {
    const signer = ed25519NoteSigner('PeterNeumann', peter.secretKey);
    expect(Buffer.from(signer.keyHash).toString('hex')).toBe('c74f20a3');
    expect(signNote(NOTE_TEXT, [signer])).toBe(`${NOTE_TEXT}\n${PETER_SIG}`);
  });

  it('verifies a doubly signed note and ignores unknown keys', () => {
    const note = parseSignedNote(`${NOTE_TEXT}\n${PETER_SIG}${ENOCH_SIG}`);
    expect(note.body).toBe(NOTE_TEXT);
    expect(note.signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    const peterKey = parseVerifierKey(PETER_VKEY);
    const enochKey = parseVerifierKey(ENOCH_VKEY);
    expect(verifyNoteSignature(note, ed25519NoteVerifier(peterKey.name, peterKey.publicKey))).toBe(
      true,
    );
    expect(verifyNoteSignature(note, ed25519NoteVerifier(enochKey.name, enochKey.publicKey))).toBe(
      true,
    );
    // Same key under another name: a different key ID, so no matching signature.
    expect(verifyNoteSignature(note, ed25519NoteVerifier('CarmenSandiego', peter.publicKey))).toBe(
      false,
    );
  });

  it('rejects the malformed notes x/mod rejects', () => {
    const bad = [
      NOTE_TEXT,
      `${NOTE_TEXT}\n`,
      `${NOTE_TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\u0001${NOTE_TEXT}\n${PETER_SIG}`,
      `${NOTE_TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${NOTE_TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${NOTE_TEXT}\n${PETER_SIG.repeat(101)}`,
      `${NOTE_TEXT}\n\uD800${PETER_SIG}`,
    ];
    for (const text of bad) expect(() => parseSignedNote(text), text).toThrow(AgentvisorError);
    expectInputInvalid(() => parseSignedNote(NOTE_TEXT), 'no blank line');
    expectInputInvalid(
      () => parseSignedNote(`${NOTE_TEXT}\n${PETER_SIG}Unexpected line.\n`),
      'note line 5 (signature)',
    );
    expectInputInvalid(() => parseSignedNote(`\u0001${NOTE_TEXT}\n${PETER_SIG}`), 'offset 0');
  });
});

describe('checkpoint body', () => {
  const rootHash = new Uint8Array(32).map((_, i) => i);

  it('formats and parses the C2SP layout with a time extension', () => {
    const body = formatCheckpointBody({
      origin: 'example.com/log',
      size: 8,
      rootHash,
      timeMs: 1700000000123,
    });
    expect(body).toBe(
      `example.com/log\n8\n${Buffer.from(rootHash).toString('base64')}\ntime 1700000000123\n`,
    );
    expect(parseCheckpointBody(body)).toEqual({
      origin: 'example.com/log',
      size: 8,
      rootHash,
      timeMs: 1700000000123,
      extensions: ['time 1700000000123'],
    });
  });

  it('parses the c2sp.org/tlog-checkpoint example body (no extensions)', () => {
    const parsed = parseCheckpointBody(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    expect(parsed.size).toBe(20852163);
    expect(parsed.timeMs).toBeUndefined();
    expect(parsed.extensions).toEqual([]);
  });

  it('rejects malformed bodies, naming the line', () => {
    const root = Buffer.from(rootHash).toString('base64');
    expectInputInvalid(() => parseCheckpointBody(`o\n1\n${root}`), 'end with a newline');
    expectInputInvalid(() => parseCheckpointBody('o\n1\n'), 'at least 3 lines');
    expectInputInvalid(() => parseCheckpointBody(`\n1\n${root}\n`), 'line 1 (origin)');
    expectInputInvalid(() => parseCheckpointBody(`o\n01\n${root}\n`), 'line 2 (tree size)');
    expectInputInvalid(() => parseCheckpointBody(`o\n-1\n${root}\n`), 'line 2 (tree size)');
    expectInputInvalid(() => parseCheckpointBody(`o\n1e3\n${root}\n`), 'line 2 (tree size)');
    expectInputInvalid(() => parseCheckpointBody('o\n1\nAAAA\n'), 'line 3 (root hash)');
    expectInputInvalid(() => parseCheckpointBody(`o\n1\n${root.slice(0, -1)}B\n`), 'line 3');
    expectInputInvalid(() => parseCheckpointBody(`o\n1\n${root}\n\n`), 'line 4 (extension)');
    expectInputInvalid(() => parseCheckpointBody(`o\n1\n${root}\ntime 0x1\n`), 'line 4 (time)');
    expectInputInvalid(() => formatCheckpointBody({ origin: 'a\nb', size: 1, rootHash }), 'origin');
    expectInputInvalid(
      () => formatCheckpointBody({ origin: 'o', size: 1, rootHash: new Uint8Array(31) }),
      'rootHash',
    );
  });
});

describe('signed checkpoints', () => {
  const seedA = new Uint8Array(32).fill(7);
  const seedB = new Uint8Array(32).fill(9);
  const a = keypairFromSeed(seedA);
  const b = keypairFromSeed(seedB);
  const signerA = ed25519NoteSigner('example.com/log', a.secretKey);
  const signerB = ed25519NoteSigner('witness.example/w1', b.secretKey);
  const verifierA = ed25519NoteVerifier('example.com/log', a.publicKey);
  const verifierB = ed25519NoteVerifier('witness.example/w1', b.publicKey);

  /** True only when the text parses and carries a valid signature from `verifier`. */
  function accepts(text: string, verifier = verifierA): boolean {
    try {
      return verifyNoteSignature(parseSignedNote(text), verifier);
    } catch (error) {
      expect(error).toBeInstanceOf(AgentvisorError);
      return false;
    }
  }

  const checkpointArb = fc.record({
    origin: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\n\p{Cc}]/u.test(s)),
    size: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    timeMs: fc.nat({ max: 4102444800000 }),
  });

  it('round-trips checkpoints through sign, parse, verify and openCheckpoint', () => {
    fc.assert(
      fc.property(checkpointArb, (cp) => {
        const body = formatCheckpointBody(cp);
        const text = signNote(body, [signerA, signerB]);
        const note = parseSignedNote(text);
        expect(note.body).toBe(body);
        expect(verifyNoteSignature(note, verifierA)).toBe(true);
        expect(verifyNoteSignature(note, verifierB)).toBe(true);
        expect(openCheckpoint(text, verifierA)).toEqual({
          ...cp,
          extensions: [`time ${cp.timeMs}`],
        });
      }),
      { numRuns: 200 },
    );
  });

  it('fails verification when any byte of the body or signature line is flipped', () => {
    fc.assert(
      fc.property(checkpointArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (cp, pos, bit) => {
        const bytes = Buffer.from(signNote(formatCheckpointBody(cp), [signerA]), 'utf8');
        const at = pos % bytes.length;
        bytes[at] = (bytes[at] as number) ^ (1 << bit);
        // Invalid UTF-8 decodes to U+FFFD, which also changes the signed text.
        expect(accepts(bytes.toString('utf8'))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('openCheckpoint reports a missing or wrong signature as LEDGER_PROOF_INVALID', () => {
    const rootHash = new Uint8Array(32);
    const text = signNote(formatCheckpointBody({ origin: 'o', size: 0, rootHash }), [signerB]);
    try {
      openCheckpoint(text, verifierA);
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as AgentvisorError).code).toBe('LEDGER_PROOF_INVALID');
    }
  });

  it('a bad signature from the known key fails the note even next to a good one', () => {
    const body = formatCheckpointBody({ origin: 'o', size: 1, rootHash: new Uint8Array(32) });
    const good = signNote(body, [signerA]);
    const forged = signNote(body, [{ ...signerA, sign: () => new Uint8Array(64) }]);
    const combined = good + forged.slice(forged.lastIndexOf('\n\n') + 2);
    expect(accepts(combined)).toBe(false);
  });

  it('computes key IDs for unidentified algorithms with type byte 0xff', () => {
    const pub = new Uint8Array([1, 2, 3]);
    const id = noteKeyHash('k', NOTE_ALG_UNIDENTIFIED, pub);
    const digest = Buffer.alloc(32);
    sodium.crypto_hash_sha256(digest, Buffer.from([0x6b, 0x0a, 0xff, 1, 2, 3]));
    expect(Buffer.from(id).equals(digest.subarray(0, 4))).toBe(true);
    const vkey = formatVerifierKey('k', pub, NOTE_ALG_UNIDENTIFIED);
    expect(parseVerifierKey(vkey)).toEqual({
      name: 'k',
      keyHash: id,
      algorithm: 0xff,
      publicKey: pub,
    });
  });

  it('rejects invalid key names and bodies when signing', () => {
    expectInputInvalid(() => ed25519NoteSigner('has space', a.secretKey), 'name');
    expectInputInvalid(() => ed25519NoteSigner('a+b', a.secretKey), 'name');
    expectInputInvalid(() => ed25519NoteSigner('ok', a.publicKey), 'secretKey: expected 64 bytes');
    expectInputInvalid(() => signNote('no newline', [signerA]), 'end with a newline');
    expectInputInvalid(() => signNote('tab\there\n', [signerA]), 'control character');
    expectInputInvalid(() => signNote('x\n', []), 'at least one signer');
  });
});
