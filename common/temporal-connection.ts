import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  loadClientConfigProfile,
  loadConfigData,
  toClientOptions,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import { ConfigError } from './env-config';

/** The variables of Temporal's environment configuration (the CLI and every SDK read the same ones). */
export const TEMPORAL_ENV_NAMES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
];

const DEFAULT_ADDRESS = 'localhost:7233';

/** Where a migration's Temporal is and how to reach it, resolved from the environment and the config file. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** How the connection is secured, for logs and messages: plaintext, TLS, mTLS, or an API key over TLS. */
  security: 'plaintext' | 'TLS' | 'mTLS' | 'API key';
  /** For NativeConnection.connect (worker) and Connection.connect (client) alike. */
  connectionOptions: ReturnType<typeof toClientOptions>['connectionOptions'] & { address: string };
}

/**
 * Reads Temporal's environment configuration (`@temporalio/envconfig`: TEMPORAL_* variables over a TOML
 * profile) and checks it before any connection, so a wrong path or a broken certificate is named as such
 * rather than surfacing as a failed TLS handshake.
 */
export function temporalTargetFromEnv(env: NodeJS.ProcessEnv, now = Date.now()): TemporalTarget {
  // An empty variable (as docker compose passes ${VAR:-}) means unset.
  const vars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    const where = vars.TEMPORAL_CONFIG_FILE
      ? ` (TEMPORAL_CONFIG_FILE ${vars.TEMPORAL_CONFIG_FILE}${vars.TEMPORAL_PROFILE ? `, TEMPORAL_PROFILE ${vars.TEMPORAL_PROFILE}` : ''})`
      : '';
    throw new ConfigError(`invalid Temporal connection settings${where}: ${(err as Error).message}`);
  }
  const address = profile.address ?? DEFAULT_ADDRESS;
  if (!/^[^\s:/]+:\d{1,5}$/.test(address)) {
    throw new ConfigError(
      `invalid configuration:\n  TEMPORAL_ADDRESS: must be host:port, for example localhost:7233 (got "${address}")`,
    );
  }
  const tls = profile.tls;
  if (tls && !tls.disabled) {
    if (Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
      throw new ConfigError(
        tls.clientCert
          ? 'a TLS client certificate is set but not its key (TEMPORAL_TLS_CLIENT_KEY_PATH or ' +
              'TEMPORAL_TLS_CLIENT_KEY_DATA)'
          : 'a TLS client key is set but not its certificate (TEMPORAL_TLS_CLIENT_CERT_PATH or ' +
              'TEMPORAL_TLS_CLIENT_CERT_DATA)',
      );
    }
    checkCertificates(tls.clientCert, tls.clientKey, tls.serverCACert, vars, now);
  }
  const { connectionOptions, namespace } = toClientOptions({ ...profile, address });
  if (profile.apiKey && !connectionOptions.tls) {
    throw new ConfigError(
      'TEMPORAL_API_KEY is set but TLS is off (TEMPORAL_TLS=false, or tls disabled in the profile): the key would be sent in clear to ' +
        `${address}; turn TLS on, or unset the key`,
    );
  }
  const security = profile.apiKey
    ? 'API key'
    : tls?.clientCert && !tls.disabled
      ? 'mTLS'
      : connectionOptions.tls
        ? 'TLS'
        : 'plaintext';
  return { address, namespace: namespace ?? 'default', security, connectionOptions: { ...connectionOptions, address } };
}

function checkCertificates(
  clientCert: ConfigDataSource | undefined,
  clientKey: ConfigDataSource | undefined,
  serverCA: ConfigDataSource | undefined,
  vars: Record<string, string>,
  now: number,
): void {
  const certificate = (source: ConfigDataSource, name: string) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(read(source, name));
    } catch (err) {
      throw new ConfigError(`${name} is not a PEM certificate: ${(err as Error).message}`);
    }
    if (Date.parse(cert.validTo) < now)
      throw new ConfigError(`${name} expired on ${cert.validTo} (subject ${cert.subject.replace(/\n/g, ', ')})`);
    if (Date.parse(cert.validFrom) > now) throw new ConfigError(`${name} is not valid before ${cert.validFrom}`);
    return cert;
  };
  if (clientCert && clientKey) {
    const certName = sourceName(clientCert, 'CLIENT_CERT', vars);
    const keyName = sourceName(clientKey, 'CLIENT_KEY', vars);
    const cert = certificate(clientCert, certName);
    let key;
    try {
      key = createPrivateKey(read(clientKey, keyName));
    } catch (err) {
      throw new ConfigError(`${keyName} is not a PEM private key: ${(err as Error).message}`);
    }
    if (!cert.checkPrivateKey(key))
      throw new ConfigError(`${keyName} is not the key of the certificate in ${certName}`);
  }
  if (serverCA) certificate(serverCA, sourceName(serverCA, 'SERVER_CA_CERT', vars));
}

/** The certificate or key as envconfig reads it, with an error that names the setting when it cannot. */
function read(source: ConfigDataSource, name: string): Buffer {
  try {
    return Buffer.from(loadConfigData(source)!);
  } catch (err) {
    throw new ConfigError(
      `${name}: cannot read ${'path' in source ? source.path : 'the data'}: ${(err as Error).message}`,
    );
  }
}

/** The variable an operator set, or the profile setting when the value came from the config file. */
function sourceName(source: ConfigDataSource, kind: string, vars: Record<string, string>): string {
  const variable = 'path' in source ? `TEMPORAL_TLS_${kind}_PATH` : `TEMPORAL_TLS_${kind}_DATA`;
  if (vars[variable]) return 'path' in source ? `${variable} (${source.path})` : variable;
  const setting = `tls.${kind.toLowerCase()}_${'path' in source ? 'path' : 'data'}`;
  return `profile "${vars.TEMPORAL_PROFILE ?? 'default'}" ${setting}${'path' in source ? ` (${source.path})` : ''}`;
}

/**
 * Why connecting failed, in an operator's words: which setting to look at. gRPC reports a refused TLS
 * handshake as a plain timeout, so with TLS on, a handshake of our own with the same settings finds the reason.
 */
export async function connectFailure(target: TemporalTarget, err: unknown): Promise<Error> {
  const message = (err as Error).message;
  const tls = target.connectionOptions.tls;
  if (tls) {
    const refused = await tlsHandshakeProblem(target.address, tls === true ? {} : tls);
    if (refused) {
      return new Error(
        `TLS with Temporal at ${target.address} failed (${target.security}; check TEMPORAL_TLS_SERVER_CA_CERT_*, ` +
          `TEMPORAL_TLS_SERVER_NAME and the client certificate): ${refused}`,
      );
    }
  }
  return new Error(`cannot reach Temporal at ${target.address} (TEMPORAL_ADDRESS): ${message}`);
}

const WANTS_CLIENT_CERTIFICATE = 'it wants a client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)';
const REFUSED_CLIENT_CERTIFICATE = 'it refused the client certificate';

/** OpenSSL's alerts from the server, as what they mean; other errors (about the server's certificate) as they are. */
function tlsAlertInWords(message: string): string {
  if (/alert certificate required/.test(message)) return `the server: ${WANTS_CLIENT_CERTIFICATE}`;
  if (/alert (unknown ca|bad certificate|certificate unknown|certificate expired|certificate revoked)/.test(message)) {
    return `the server: ${REFUSED_CLIENT_CERTIFICATE} (${/alert [a-z ]+/.exec(message)![0]})`;
  }
  return message;
}

interface TlsSettings {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer | Uint8Array;
  clientCertPair?: { crt: Buffer | Uint8Array; key: Buffer | Uint8Array };
}

/** The TLS error of a handshake with these settings, or undefined when it succeeds or nothing answers. */
function tlsHandshakeProblem(address: string, settings: TlsSettings): Promise<string | undefined> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      servername: settings.serverNameOverride ?? (isIP(host) ? undefined : host),
      ca: settings.serverRootCACertificate ? Buffer.from(settings.serverRootCACertificate) : undefined,
      cert: settings.clientCertPair ? Buffer.from(settings.clientCertPair.crt) : undefined,
      key: settings.clientCertPair ? Buffer.from(settings.clientCertPair.key) : undefined,
      ALPNProtocols: ['h2'],
    });
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(undefined), 5_000);
    socket.on('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' ? undefined : tlsAlertInWords(e.message)),
    );
    // TLS 1.3 servers refuse a client certificate after the handshake: wait a moment for them to hang up.
    socket.on('secureConnect', () => {
      const hungUp = () =>
        done(
          `the server closed the connection after the handshake: ` +
            `${settings.clientCertPair ? REFUSED_CLIENT_CERTIFICATE : WANTS_CLIENT_CERTIFICATE}`,
        );
      socket.once('end', hungUp);
      socket.once('close', hungUp);
      setTimeout(() => done(undefined), 500);
    });
  });
}

const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

/**
 * Preflight after connecting: the namespace exists and our credentials may use it. Without it, a wrong
 * namespace shows up in the worker as a poll error repeated forever, and in the client as a failed start.
 */
export async function checkNamespace(
  workflowService: { describeNamespace(request: { namespace: string }): Promise<unknown> },
  target: TemporalTarget,
): Promise<void> {
  try {
    await workflowService.describeNamespace({ namespace: target.namespace });
  } catch (err) {
    const code = (err as { code?: number }).code;
    const details = (err as { details?: string }).details ?? (err as Error).message;
    if (code === NOT_FOUND) {
      throw new ConfigError(
        `namespace "${target.namespace}" does not exist on Temporal at ${target.address} (TEMPORAL_NAMESPACE): ` +
          `${details}`,
      );
    }
    if (code === PERMISSION_DENIED || code === UNAUTHENTICATED) {
      throw new ConfigError(
        `Temporal at ${target.address} refused access to namespace "${target.namespace}" with these credentials ` +
          `(${target.security}): ${details}`,
      );
    }
    throw err;
  }
}
