import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { parseEnv, temporalEnv } from '../common/env-config';

const clientEnv = z.object({
  ...temporalEnv,
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
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS): ${(err as Error).message}`);
  }
  return {
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    namespace: config.TEMPORAL_NAMESPACE,
    uiUrl: config.TEMPORAL_UI_URL.replace(/\/$/, ''),
    close: () => connection.close(),
  };
}

export function webUiLink(connected: Connected, workflowId: string): string {
  return `${connected.uiUrl}/namespaces/${encodeURIComponent(connected.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
