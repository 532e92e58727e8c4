/**
 * The local stack's settings, as `npm test` exports them from the test stack's env file, with the worker's
 * metrics off unless a test asks for a port: the customary 9464 may be taken by any other worker on the host.
 */
export function stackEnv(): NodeJS.ProcessEnv {
  for (const name of ['TEMPORAL_ADDRESS', 'AWS_ENDPOINT_URL', 'AWS_REGION']) {
    if (!process.env[name]) {
      throw new Error(`${name} is not set: integration tests need the local stack; run them with npm test`);
    }
  }
  return { ...process.env, MIGRATOR_METRICS_PORT: process.env.MIGRATOR_METRICS_PORT ?? '0' };
}
