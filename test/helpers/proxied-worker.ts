import { startS3Proxy, type FaultOptions, type Interceptor, type S3Proxy } from '../../lab/lib/fault-proxy';
import { startWorker } from './worker';
import { stackEnv } from './stack-env';

export interface ProxiedWorker {
  proxy: S3Proxy;
  stop(): Promise<void>;
}

/** An in-process worker whose S3/KMS traffic goes through a loopback proxy the test controls. */
export async function startProxiedWorker(intercept?: Interceptor, faults?: FaultOptions): Promise<ProxiedWorker> {
  const proxy = await startS3Proxy(stackEnv().AWS_ENDPOINT_URL!, intercept, faults);
  const worker = await startWorker({ s3Endpoint: proxy.endpoint });
  return {
    proxy,
    async stop() {
      await worker.stop();
      await proxy.close();
    },
  };
}
