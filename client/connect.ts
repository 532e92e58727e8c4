import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { parseEnv } from '../common/env-config';
import { checkNamespace, connectFailure, temporalTargetFromEnv } from '../common/temporal-connection';
import { PAYLOAD_KEY_SETTING, payloadDataConverter } from '../common/payload-codec';
import { awsClientsFromEnv } from './aws';

const clientEnv = z.object({
  TEMPORAL_UI_URL: z.url('must be a URL such as http://localhost:8233').default('http://localhost:8233'),
});

export interface Connected {
  client: Client;
  namespace: string;
  uiUrl: string;
  close(): Promise<void>;
}

export async function connectTemporal(env: NodeJS.ProcessEnv): Promise<Connected> {
  const config = parseEnv(clientEnv, env);
  const target = temporalTargetFromEnv(env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connectionOptions, connectTimeout: '5 seconds' });
  } catch (err) {
    throw await connectFailure(target, err);
  }
  try {
    await checkNamespace(connection.workflowService, target);
  } catch (err) {
    await connection.close();
    throw err;
  }
  // Payloads encrypted as the workers encrypt them: the client reads their results and writes their inputs.
  const keyId = env[PAYLOAD_KEY_SETTING] || undefined;
  const dataConverter = keyId ? payloadDataConverter(awsClientsFromEnv(env).kms, keyId) : undefined;
  return {
    client: new Client({ connection, namespace: target.namespace, dataConverter }),
    namespace: target.namespace,
    uiUrl: config.TEMPORAL_UI_URL.replace(/\/$/, ''),
    close: () => connection.close(),
  };
}

export function webUiLink(connected: Connected, workflowId: string): string {
  return `${connected.uiUrl}/namespaces/${encodeURIComponent(connected.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Runs `fn` with a connection to Temporal (from the environment), closed afterwards. */
export async function withTemporal<T>(fn: (c: Connected) => Promise<T>): Promise<T> {
  const connected = await connectTemporal(process.env);
  try {
    return await fn(connected);
  } finally {
    await connected.close();
  }
}
