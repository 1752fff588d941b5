/**
 * @module RFC 3161 time-stamp protocol messages: building a TimeStampReq, reading a
 * TimeStampResp, and verifying a TimeStampToken (a CMS SignedData, RFC 5652, over a TSTInfo)
 * against the data it should cover and a set of trusted certificates. Parsing uses the strict DER
 * reader in ./der.ts; signatures and certificate checks use node:crypto. Verification returns a
 * reason instead of throwing, so a report can name what is wrong with each token.
 */
import { createHash, constants as cryptoConstants, verify, X509Certificate } from 'node:crypto';
import { AgentvisorError } from '../core/index.js';
import {
  children,
  type DerNode,
  derBoolean,
  derInteger,
  derNull,
  derOctets,
  derOid,
  derSequence,
  expectTag,
  isContext,
  readBoolean,
  readDer,
  readInteger,
  readOctets,
  readOid,
  readSmallInteger,
  readTime,
  TAG,
  TAG_CLASS,
} from './der.js';

/** Object identifiers used here (RFC 3161, RFC 5652, RFC 5035, RFC 5280, RFC 8017, RFC 5758, RFC 8410). */
export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const HASH_BY_OID: Record<string, HashName> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** Digests accepted for the imprint and the signed attributes: SHA-1 is broken for both. */
const STRONG_HASHES: ReadonlySet<HashName> = new Set(['sha256', 'sha384', 'sha512']);

/** Steps when walking from the TSA certificate up to a trusted one. */
const MAX_CHAIN = 8;

function hash(name: HashName, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(name).update(data).digest());
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Options for {@link timeStampRequest}. */
export interface TimeStampRequestOptions {
  /** SHA-256 of the data to time-stamp. */
  readonly imprint: Uint8Array;
  /** A fresh random nonce, echoed in the token (RFC 3161 §2.4.1). */
  readonly nonce: bigint;
  /** Ask the TSA to include its certificate in the token. */
  readonly certReq: boolean;
}

/**
 * Encodes a TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 imprint. The algorithm identifier
 * carries NULL parameters, as OpenSSL and most TSAs send it.
 *
 * @example
 * const der = timeStampRequest({ imprint: sha256(note), nonce: randomNonce(), certReq: true });
 */
export function timeStampRequest(options: TimeStampRequestOptions): Uint8Array {
  if (options.imprint.length !== 32) {
    throw new AgentvisorError('INPUT_INVALID', 'imprint: expected a 32-byte SHA-256 digest');
  }
  if (options.nonce <= 0n) throw new AgentvisorError('INPUT_INVALID', 'nonce: must be positive');
  return derSequence(
    derInteger(1n),
    derSequence(derSequence(derOid(OID.sha256), derNull()), derOctets(options.imprint)),
    derInteger(options.nonce),
    ...(options.certReq ? [derBoolean(true)] : []),
  );
}

/** PKIStatus values (RFC 3161 §2.4.2). */
const STATUS_NAMES = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
];

/** PKIFailureInfo bits (RFC 3161 §2.4.2). */
const FAILURE_BITS: Record<number, string> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

/** A decoded TimeStampResp. */
export interface TimeStampResponse {
  /** PKIStatus: 0 granted, 1 granted with modifications, 2+ refused. */
  readonly status: number;
  /** Status name and any free text and failure bits, for messages. */
  readonly statusText: string;
  /** The token's DER bytes (a ContentInfo), present when granted. */
  readonly token: Uint8Array | undefined;
}

/**
 * Decodes a TimeStampResp (RFC 3161 §2.4.2) without verifying the token. Throws INPUT_INVALID
 * for anything that is not one.
 *
 * @example
 * const { status, token } = parseTimeStampResponse(new Uint8Array(await res.arrayBuffer()));
 */
export function parseTimeStampResponse(der: Uint8Array): TimeStampResponse {
  const [statusInfo, token, ...extra] = children(
    expectTag(readDer(der), TAG.sequence, 'TimeStampResp'),
  );
  if (extra.length > 0) throw new AgentvisorError('INPUT_INVALID', 'TimeStampResp: extra fields');
  const [statusNode, ...more] = children(expectTag(statusInfo, TAG.sequence, 'PKIStatusInfo'));
  const status = readSmallInteger(statusNode!, 'PKIStatus');
  const notes: string[] = [STATUS_NAMES[status] ?? `status ${status}`];
  for (const node of more) {
    if (node.tagNumber === TAG.sequence && node.tagClass === TAG_CLASS.universal) {
      for (const text of children(node))
        notes.push(JSON.stringify(Buffer.from(text.content).toString('utf8')));
    } else if (node.tagNumber === TAG.bitString && node.tagClass === TAG_CLASS.universal) {
      const bits = node.content.subarray(1);
      for (let i = 0; i < bits.length * 8; i++) {
        if ((bits[i >> 3]! & (0x80 >> (i & 7))) !== 0)
          notes.push(FAILURE_BITS[i] ?? `failure bit ${i}`);
      }
    }
  }
  if (token !== undefined) expectTag(token, TAG.sequence, 'TimeStampToken');
  return { status, statusText: notes.join(', '), token: token?.bytes };
}

/** The fields of a TSTInfo (RFC 3161 §2.4.2) that a verifier reports. */
export interface TstInfo {
  readonly policy: string;
  readonly imprintAlgorithm: string;
  readonly imprint: Uint8Array;
  /** Hex of the TSA's serial number for this token. */
  readonly serialNumber: string;
  readonly genTime: Date;
  readonly nonce: bigint | undefined;
}

interface SignerInfo {
  readonly sid:
    | { readonly kind: 'issuerSerial'; readonly issuer: Uint8Array; readonly serial: bigint }
    | { readonly kind: 'keyId'; readonly keyId: Uint8Array };
  readonly digestAlgorithm: string;
  /** The signed attributes as they must be hashed: re-tagged as a SET OF (RFC 5652 §5.4). */
  readonly signedAttrsDer: Uint8Array;
  readonly attributes: ReadonlyMap<string, readonly DerNode[]>;
  readonly signatureAlgorithm: DerNode;
  readonly signature: Uint8Array;
}

/** A parsed, not yet verified, TimeStampToken. */
export interface ParsedTimestampToken {
  readonly tstInfo: TstInfo;
  /** The encapsulated TSTInfo DER, as the messageDigest attribute covers it. */
  readonly eContent: Uint8Array;
  readonly certificates: readonly Uint8Array[];
  readonly signer: SignerInfo;
}

function readAlgorithm(node: DerNode | undefined, what: string): { oid: string; params?: DerNode } {
  const [oid, params] = children(expectTag(node, TAG.sequence, what));
  return { oid: readOid(oid!), ...(params === undefined ? {} : { params }) };
}

function parseTstInfo(der: Uint8Array): TstInfo {
  const fields = children(expectTag(readDer(der), TAG.sequence, 'TSTInfo'));
  const version = readSmallInteger(fields[0]!, 'TSTInfo version');
  if (version !== 1) throw new AgentvisorError('INPUT_INVALID', `TSTInfo: version ${version}`);
  const policy = readOid(fields[1]!);
  const [alg, digest] = children(expectTag(fields[2], TAG.sequence, 'messageImprint'));
  const imprintAlgorithm = readAlgorithm(alg, 'hashAlgorithm').oid;
  const imprint = readOctets(digest!, 'hashedMessage');
  const serial = readInteger(expectTag(fields[3], TAG.integer, 'serialNumber'));
  const genTime = readTime(expectTag(fields[4], TAG.generalizedTime, 'genTime'));
  let nonce: bigint | undefined;
  for (const node of fields.slice(5)) {
    if (node.tagClass === TAG_CLASS.universal && node.tagNumber === TAG.integer) {
      nonce = readInteger(node);
    }
  }
  return {
    policy,
    imprintAlgorithm,
    imprint,
    serialNumber: serial.toString(16),
    genTime,
    nonce,
  };
}

function parseSignerInfo(node: DerNode): SignerInfo {
  const fields = children(expectTag(node, TAG.sequence, 'SignerInfo'));
  let i = 1; // fields[0] is the version
  const sidNode = fields[i++]!;
  let sid: SignerInfo['sid'];
  if (isContext(sidNode, 0)) {
    sid = { kind: 'keyId', keyId: sidNode.content };
  } else {
    const [issuer, serial] = children(expectTag(sidNode, TAG.sequence, 'IssuerAndSerialNumber'));
    sid = {
      kind: 'issuerSerial',
      issuer: expectTag(issuer, TAG.sequence, 'issuer').bytes,
      serial: readInteger(expectTag(serial, TAG.integer, 'serialNumber')),
    };
  }
  const digestAlgorithm = readAlgorithm(fields[i++], 'digestAlgorithm').oid;
  const attrsNode = fields[i];
  if (!isContext(attrsNode, 0) || !attrsNode.constructed) {
    throw new AgentvisorError('INPUT_INVALID', 'SignerInfo: no signed attributes');
  }
  i++;
  const attributes = new Map<string, DerNode[]>();
  for (const attr of children(attrsNode)) {
    const [type, values] = children(expectTag(attr, TAG.sequence, 'Attribute'));
    const oid = readOid(type!);
    if (attributes.has(oid)) {
      throw new AgentvisorError('INPUT_INVALID', `SignerInfo: attribute ${oid} appears twice`);
    }
    attributes.set(oid, children(expectTag(values, TAG.set, 'attribute values')));
  }
  // RFC 5652 §5.4: the signature covers the DER of the SET OF, not the [0] IMPLICIT tag.
  const signedAttrsDer = Uint8Array.from(attrsNode.bytes);
  signedAttrsDer[0] = 0x31;
  const signatureAlgorithm = expectTag(fields[i++], TAG.sequence, 'signatureAlgorithm');
  const signature = readOctets(fields[i]!, 'signature');
  return { sid, digestAlgorithm, signedAttrsDer, attributes, signatureAlgorithm, signature };
}

/**
 * Decodes a TimeStampToken (a ContentInfo holding a SignedData over a TSTInfo) without verifying
 * it. Throws INPUT_INVALID for anything else, including a token with more than one signer
 * (RFC 3161 §2.4.2 allows only the TSA's).
 *
 * @example
 * const { tstInfo } = parseTimestampToken(token);
 */
export function parseTimestampToken(token: Uint8Array): ParsedTimestampToken {
  const [contentType, content] = children(expectTag(readDer(token), TAG.sequence, 'ContentInfo'));
  if (readOid(contentType!) !== OID.signedData) {
    throw new AgentvisorError('INPUT_INVALID', 'ContentInfo: not a SignedData');
  }
  if (!isContext(content, 0)) throw new AgentvisorError('INPUT_INVALID', 'ContentInfo: no content');
  const [signedData] = children(content);
  const fields = children(expectTag(signedData, TAG.sequence, 'SignedData'));
  readSmallInteger(fields[0]!, 'SignedData version');
  expectTag(fields[1], TAG.set, 'digestAlgorithms');
  const [eContentType, eContentWrap] = children(
    expectTag(fields[2], TAG.sequence, 'encapContentInfo'),
  );
  if (readOid(eContentType!) !== OID.tstInfo) {
    throw new AgentvisorError('INPUT_INVALID', 'encapContentInfo: the content is not a TSTInfo');
  }
  if (!isContext(eContentWrap, 0)) {
    throw new AgentvisorError('INPUT_INVALID', 'encapContentInfo: the TSTInfo is missing');
  }
  const [octets] = children(eContentWrap);
  const eContent = readOctets(octets!, 'eContent');
  const certificates: Uint8Array[] = [];
  let i = 3;
  if (isContext(fields[i], 0)) {
    for (const cert of children(fields[i]!)) {
      // Other CertificateChoices (attribute certificates ...) are not ours to use.
      if (cert.tagClass === TAG_CLASS.universal && cert.tagNumber === TAG.sequence)
        certificates.push(cert.bytes);
    }
    i++;
  }
  if (isContext(fields[i], 1)) i++; // CRLs: not used
  const signerInfos = children(expectTag(fields[i], TAG.set, 'signerInfos'));
  if (signerInfos.length !== 1) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `SignedData: expected exactly one signer (the TSA), got ${signerInfos.length}`,
    );
  }
  return {
    tstInfo: parseTstInfo(eContent),
    eContent,
    certificates,
    signer: parseSignerInfo(signerInfos[0]!),
  };
}

/** The fields of a certificate that X509Certificate does not expose. */
interface CertificateFields {
  readonly serial: bigint;
  readonly issuer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: ReadonlyMap<string, { critical: boolean; value: Uint8Array }>;
}

function certificateFields(der: Uint8Array): CertificateFields {
  const [tbs] = children(expectTag(readDer(der), TAG.sequence, 'Certificate'));
  const fields = children(expectTag(tbs, TAG.sequence, 'TBSCertificate'));
  let i = isContext(fields[0], 0) ? 1 : 0;
  const serial = readInteger(expectTag(fields[i++], TAG.integer, 'serialNumber'));
  i++; // signature algorithm
  const issuer = expectTag(fields[i++], TAG.sequence, 'issuer').bytes;
  const [notBefore, notAfter] = children(expectTag(fields[i++], TAG.sequence, 'validity'));
  const extensions = new Map<string, { critical: boolean; value: Uint8Array }>();
  for (const node of fields.slice(i)) {
    if (!isContext(node, 3)) continue;
    for (const ext of children(expectTag(children(node)[0], TAG.sequence, 'extensions'))) {
      const parts = children(expectTag(ext, TAG.sequence, 'Extension'));
      const critical = parts.length === 3 ? readBoolean(parts[1]!) : false;
      extensions.set(readOid(parts[0]!), {
        critical,
        value: readOctets(parts[parts.length - 1]!, 'extnValue'),
      });
    }
  }
  return {
    serial,
    issuer,
    notBefore: readTime(notBefore!),
    notAfter: readTime(notAfter!),
    extensions,
  };
}

/** Certificates a token may chain to: a TSA certificate pinned directly, or CAs. */
export interface TimestampTrust {
  readonly certificates: readonly X509Certificate[];
}

/**
 * Reads every certificate of a PEM bundle as trust for {@link verifyTimestampToken}. Throws
 * INPUT_INVALID when the text holds no certificate.
 *
 * @example
 * const trust = timestampTrustFromPem(readFileSync('/etc/agentvisor/tsa-ca.pem', 'utf8'));
 */
export function timestampTrustFromPem(pem: string): TimestampTrust {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new AgentvisorError('INPUT_INVALID', 'no PEM "BEGIN CERTIFICATE" block found');
  }
  return { certificates: blocks.map((b) => new X509Certificate(b)) };
}

/** What a valid token says. */
export interface TimestampInfo {
  readonly genTime: Date;
  readonly serialNumber: string;
  readonly policy: string;
  /** Subject of the TSA certificate that signed the token. */
  readonly tsa: string;
  readonly nonce: bigint | undefined;
}

/** The answer of {@link verifyTimestampToken}. */
export type TimestampVerification =
  | ({ readonly ok: true } & TimestampInfo)
  | {
      readonly ok: false;
      readonly reason: string;
      /** `modified`: the token is not for this data or was altered; `bad_signature`; `unknown_key`: not from a trusted TSA. */
      readonly kind: 'modified' | 'bad_signature' | 'unknown_key';
    };

function signerMatches(sid: SignerInfo['sid'], fields: CertificateFields): boolean {
  if (sid.kind === 'issuerSerial')
    return sid.serial === fields.serial && equalBytes(sid.issuer, fields.issuer);
  const ski = fields.extensions.get(OID.subjectKeyIdentifier);
  if (ski === undefined) return false;
  try {
    return equalBytes(readOctets(readDer(ski.value), 'subjectKeyIdentifier'), sid.keyId);
  } catch {
    return false;
  }
}

/** The RFC 5035 ESSCertID(v2) check: the signed attributes name the certificate that signs. */
function checkSigningCertificate(signer: SignerInfo, certDer: Uint8Array): string | undefined {
  const v2 = signer.attributes.get(OID.signingCertificateV2);
  const v1 = signer.attributes.get(OID.signingCertificate);
  const value = (v2 ?? v1)?.[0];
  if (value === undefined) {
    return 'the signed attributes do not name the signing certificate (no ESS signingCertificate attribute, RFC 3161 §2.4.1)';
  }
  const [certs] = children(expectTag(value, TAG.sequence, 'SigningCertificate'));
  const [first] = children(expectTag(certs, TAG.sequence, 'certs'));
  const parts = children(expectTag(first, TAG.sequence, 'ESSCertID'));
  let algorithm: HashName = v2 === undefined ? 'sha1' : 'sha256';
  let k = 0;
  if (v2 !== undefined && parts[0]?.tagNumber === TAG.sequence) {
    const oid = readAlgorithm(parts[0], 'hashAlgorithm').oid;
    const name = HASH_BY_OID[oid];
    if (name === undefined) return `ESSCertIDv2 uses an unsupported hash ${oid}`;
    algorithm = name;
    k = 1;
  }
  const certHash = readOctets(parts[k]!, 'certHash');
  if (!equalBytes(certHash, hash(algorithm, certDer))) {
    return 'the ESS signingCertificate attribute names a different certificate than the one that signed';
  }
  return undefined;
}

function checkSignature(signer: SignerInfo, cert: X509Certificate): string | undefined {
  const { oid, params } = readAlgorithm(signer.signatureAlgorithm, 'signatureAlgorithm');
  const key = cert.publicKey;
  const keyType = key.asymmetricKeyType;
  const data = signer.signedAttrsDer;
  const digest = HASH_BY_OID[signer.digestAlgorithm];
  const byOid: Record<string, [HashName, string]> = {
    [OID.sha256WithRsa]: ['sha256', 'rsa'],
    [OID.sha384WithRsa]: ['sha384', 'rsa'],
    [OID.sha512WithRsa]: ['sha512', 'rsa'],
    [OID.ecdsaWithSha256]: ['sha256', 'ec'],
    [OID.ecdsaWithSha384]: ['sha384', 'ec'],
    [OID.ecdsaWithSha512]: ['sha512', 'ec'],
  };
  let ok: boolean;
  if (oid === OID.ed25519) {
    if (keyType !== 'ed25519') return `an Ed25519 signature but a ${keyType} key`;
    ok = verify(null, data, key, signer.signature);
  } else if (oid === OID.rsaEncryption || byOid[oid] !== undefined) {
    const [hashName, wantKey] = byOid[oid] ?? [digest, 'rsa'];
    if (hashName === undefined || !STRONG_HASHES.has(hashName)) {
      return `the signature uses a weak or unknown hash (${signer.digestAlgorithm})`;
    }
    if (keyType !== wantKey) return `a ${wantKey} signature but a ${keyType} key`;
    ok = verify(hashName, data, key, signer.signature);
  } else if (oid === OID.rsaPss) {
    if (keyType !== 'rsa' && keyType !== 'rsa-pss')
      return `an RSASSA-PSS signature but a ${keyType} key`;
    const pss = pssParameters(params);
    if (typeof pss === 'string') return pss;
    ok = verify(
      pss.hash,
      data,
      { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength },
      signer.signature,
    );
  } else {
    return `unsupported signature algorithm ${oid}`;
  }
  return ok
    ? undefined
    : 'the signature over the signed attributes does not verify with the TSA certificate';
}

/** RSASSA-PSS-params (RFC 8017 §A.2.3); the SHA-1 defaults are refused as weak. */
function pssParameters(
  params: DerNode | undefined,
): { hash: HashName; saltLength: number } | string {
  let hashName: HashName = 'sha1';
  let mgfHash: HashName = 'sha1';
  let saltLength = 20;
  for (const field of params === undefined
    ? []
    : children(expectTag(params, TAG.sequence, 'RSASSA-PSS-params'))) {
    const inner = children(field)[0];
    if (isContext(field, 0))
      hashName = HASH_BY_OID[readAlgorithm(inner, 'hashAlgorithm').oid] ?? hashName;
    else if (isContext(field, 1)) {
      const mgf = readAlgorithm(inner, 'maskGenAlgorithm');
      if (mgf.oid !== OID.mgf1) return `unsupported PSS mask generation ${mgf.oid}`;
      mgfHash = HASH_BY_OID[readAlgorithm(mgf.params, 'MGF1 hash').oid] ?? mgfHash;
    } else if (isContext(field, 2)) saltLength = readSmallInteger(inner!, 'saltLength');
  }
  if (!STRONG_HASHES.has(hashName) || mgfHash !== hashName) {
    return 'the RSASSA-PSS parameters use a weak or mismatched hash';
  }
  return { hash: hashName, saltLength };
}

function certificateProblem(
  cert: X509Certificate,
  fields: CertificateFields,
  at: Date,
  role: string,
): string | undefined {
  if (at < fields.notBefore || at > fields.notAfter) {
    return `the ${role} certificate "${cert.subject}" was not valid at ${at.toISOString()} (valid ${fields.notBefore.toISOString()} to ${fields.notAfter.toISOString()})`;
  }
  return undefined;
}

function verifiesWith(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Finds a path from the TSA certificate to a trusted certificate: the TSA certificate itself when
 * it is pinned, or issuers (from the token or the trust set) each valid at `at`, each a CA,
 * each signing the one below, ending at a trusted certificate.
 */
function chainProblem(
  leaf: X509Certificate,
  pool: readonly X509Certificate[],
  trust: TimestampTrust,
  at: Date,
): string | undefined {
  const trusted = new Set(trust.certificates.map((c) => c.fingerprint256));
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (trusted.has(current.fingerprint256)) return undefined;
    const child = current;
    const issuer = [...trust.certificates, ...pool].find(
      (c) =>
        c.fingerprint256 !== child.fingerprint256 && child.checkIssued(c) && verifiesWith(child, c),
    );
    if (issuer === undefined) {
      return `the TSA certificate "${leaf.subject}" does not chain to a trusted certificate (no issuer of "${current.subject}" among the token's and the trusted certificates)`;
    }
    if (!issuer.ca) return `"${issuer.subject}" signs "${current.subject}" but is not a CA`;
    const problem = certificateProblem(
      issuer,
      certificateFields(new Uint8Array(issuer.raw)),
      at,
      'issuing',
    );
    if (problem !== undefined) return problem;
    current = issuer;
  }
  return `the TSA certificate chain is longer than ${MAX_CHAIN}`;
}

/** RFC 3161 §2.3: the TSA certificate has exactly one, critical, extended key usage: timeStamping. */
function keyUsageProblem(fields: CertificateFields): string | undefined {
  const eku = fields.extensions.get(OID.extKeyUsage);
  if (eku === undefined)
    return 'the TSA certificate has no extended key usage (RFC 3161 §2.3 requires timeStamping)';
  const purposes = children(expectTag(readDer(eku.value), TAG.sequence, 'ExtKeyUsageSyntax')).map(
    readOid,
  );
  if (purposes.length !== 1 || purposes[0] !== OID.timeStamping) {
    return `the TSA certificate's extended key usage must be timeStamping only, got ${purposes.join(', ')}`;
  }
  if (!eku.critical)
    return "the TSA certificate's extended key usage is not critical (RFC 3161 §2.3)";
  return undefined;
}

/**
 * Verifies an RFC 3161 token for `data`: the TSTInfo's message imprint is the hash of `data`,
 * the signed attributes carry the TSTInfo's content type and digest and name the signing
 * certificate, the signature verifies with that certificate, which is a TSA certificate
 * (critical timeStamping key usage) valid at the token's time and chains to `trust`.
 *
 * @example
 * const result = verifyTimestampToken(token, Buffer.from(note), trust);
 * if (!result.ok) console.log(result.reason);
 */
export function verifyTimestampToken(
  token: Uint8Array,
  data: Uint8Array,
  trust: TimestampTrust,
): TimestampVerification {
  const no = (
    reason: string,
    kind: 'modified' | 'bad_signature' | 'unknown_key' = 'modified',
  ): TimestampVerification => ({ ok: false, reason, kind });
  let parsed: ParsedTimestampToken;
  try {
    parsed = parseTimestampToken(token);
  } catch (error) {
    return no(`not a well-formed RFC 3161 token: ${(error as Error).message}`);
  }
  const { tstInfo, signer } = parsed;
  try {
    const imprintHash = HASH_BY_OID[tstInfo.imprintAlgorithm];
    if (imprintHash === undefined || !STRONG_HASHES.has(imprintHash)) {
      return no(`the token's imprint uses a weak or unknown hash (${tstInfo.imprintAlgorithm})`);
    }
    if (!equalBytes(tstInfo.imprint, hash(imprintHash, data))) {
      return no(
        `the token time-stamps other data: its message imprint ${hex(tstInfo.imprint)} is not the ${imprintHash} of this checkpoint note (${hex(hash(imprintHash, data))})`,
      );
    }
    const contentType = signer.attributes.get(OID.contentType);
    if (contentType?.length !== 1 || readOid(contentType[0]!) !== OID.tstInfo) {
      return no('the signed content-type attribute is missing or is not id-ct-TSTInfo');
    }
    const digestName = HASH_BY_OID[signer.digestAlgorithm];
    if (digestName === undefined || !STRONG_HASHES.has(digestName)) {
      return no(`the signer uses a weak or unknown digest (${signer.digestAlgorithm})`);
    }
    const messageDigest = signer.attributes.get(OID.messageDigest);
    if (
      messageDigest?.length !== 1 ||
      !equalBytes(readOctets(messageDigest[0]!, 'messageDigest'), hash(digestName, parsed.eContent))
    ) {
      return no(
        'the signed messageDigest attribute does not match the TSTInfo: the TSTInfo was altered',
      );
    }
    const pool = [...parsed.certificates.map((c) => new X509Certificate(c)), ...trust.certificates];
    const signerCert = pool.find((c) =>
      signerMatches(signer.sid, certificateFields(new Uint8Array(c.raw))),
    );
    if (signerCert === undefined) {
      return no(
        'the signing certificate is neither in the token nor among the trusted certificates',
        'unknown_key',
      );
    }
    const signerDer = new Uint8Array(signerCert.raw);
    const fields = certificateFields(signerDer);
    const badSignature =
      checkSigningCertificate(signer, signerDer) ?? checkSignature(signer, signerCert);
    if (badSignature !== undefined) return no(badSignature, 'bad_signature');
    const untrusted =
      keyUsageProblem(fields) ??
      certificateProblem(signerCert, fields, tstInfo.genTime, 'TSA') ??
      chainProblem(signerCert, pool, trust, tstInfo.genTime);
    if (untrusted !== undefined) return no(untrusted, 'unknown_key');
    return {
      ok: true,
      genTime: tstInfo.genTime,
      serialNumber: tstInfo.serialNumber,
      policy: tstInfo.policy,
      tsa: signerCert.subject,
      nonce: tstInfo.nonce,
    };
  } catch (error) {
    return no(`the token could not be checked: ${(error as Error).message}`);
  }
}
