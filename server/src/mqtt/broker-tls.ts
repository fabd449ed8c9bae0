/**
 * The embedded broker's TLS material (CONTRACT §5): real certificates by path (`TLS_CERT`,
 * `TLS_KEY`, `TLS_CA`), or on first start a self-signed CA and a server certificate it signs,
 * kept in `{DATA_DIR}/tls/` (`ca.crt`, `server.crt`, `server.key`) and reused on later starts.
 * Gateways trust `ca.crt`. This file is the only one that reads or writes those files.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

export interface BrokerTlsFiles {
  /** PEM text of the server certificate (chain), its key and the CA gateways should trust. */
  cert: string;
  key: string;
  /** Null when real certificates were given without `TLS_CA` (a public CA the gateway already trusts). */
  ca: string | null;
  certPath: string;
  keyPath: string;
  caPath: string | null;
  /** True when this start generated them. */
  generated: boolean;
}

export interface BrokerTlsOptions {
  certPath?: string | undefined;
  keyPath?: string | undefined;
  caPath?: string | undefined;
  dataDir: string;
  /** More names and addresses for a generated certificate (the server's LAN or public name). */
  extraNames?: string[];
  now: Date;
}

export class BrokerTlsError extends Error {
  override readonly name = 'BrokerTlsError';
  readonly code = 'bad_tls';
}

const ALG: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
};
const DAY_MS = 86_400_000;

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new BrokerTlsError(`${what} ${file} cannot be read: ${(e as Error).message}`);
  }
}

/** Names a generated server certificate covers: localhost, loopback, the host name, its addresses. */
export function defaultSubjectNames(extra: string[] = []): string[] {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1', hostname(), ...extra]);
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.family === 'IPv4') names.add(a.address);
  }
  return [...names].filter((n) => n.length > 0);
}

function isIp(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

/** A CA (10 years) and a server certificate signed by it (2 years) for `names`. PEM text. */
export async function generateBrokerCertificates(
  names: string[],
  now: Date,
): Promise<{ ca: string; cert: string; key: string }> {
  // x509's types speak the DOM's WebCrypto; Node's is the same API under its own type names.
  const crypto = webcrypto as never;
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(now.getTime() - DAY_MS); // a gateway clock a little behind still accepts it
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=RFID attendance MQTT CA (${hostname()})`,
      keys: caKeys,
      notBefore,
      notAfter: new Date(now.getTime() + 3650 * DAY_MS),
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const serverKeys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${names[0] ?? 'localhost'}`,
      issuer: ca.subject,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter: new Date(now.getTime() + 730 * DAY_MS),
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          names.map((n) =>
            isIp(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n },
          ),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return {
    ca: ca.toString('pem') + '\n',
    cert: cert.toString('pem') + '\n',
    key: await pkcs8Pem(serverKeys.privateKey),
  };
}

/** The broker's certificate, key and CA: given by path, kept from an earlier start, or generated now. */
export async function loadBrokerTls(opts: BrokerTlsOptions): Promise<BrokerTlsFiles> {
  if (opts.certPath || opts.keyPath) {
    if (!opts.certPath || !opts.keyPath) throw new BrokerTlsError('TLS_CERT and TLS_KEY go together');
    return {
      cert: readPem(opts.certPath, 'TLS_CERT'),
      key: readPem(opts.keyPath, 'TLS_KEY'),
      ca: opts.caPath ? readPem(opts.caPath, 'TLS_CA') : null,
      certPath: opts.certPath,
      keyPath: opts.keyPath,
      caPath: opts.caPath ?? null,
      generated: false,
    };
  }
  const dir = path.join(opts.dataDir, 'tls');
  const caPath = opts.caPath ?? path.join(dir, 'ca.crt');
  const certPath = path.join(dir, 'server.crt');
  const keyPath = path.join(dir, 'server.key');
  if (existsSync(certPath) && existsSync(keyPath) && existsSync(caPath)) {
    return {
      cert: readPem(certPath, 'server certificate'),
      key: readPem(keyPath, 'server key'),
      ca: readPem(caPath, 'CA certificate'),
      certPath,
      keyPath,
      caPath,
      generated: false,
    };
  }
  const made = await generateBrokerCertificates(defaultSubjectNames(opts.extraNames), opts.now);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, made.key, { mode: 0o600 });
  writeFileSync(certPath, made.cert, { mode: 0o644 });
  writeFileSync(caPath, made.ca, { mode: 0o644 });
  return { ...made, certPath, keyPath, caPath, generated: true };
}
