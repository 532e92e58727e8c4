import { z } from 'zod';

/** Thrown for configuration an operator must fix; its message names the setting. */
export class ConfigError extends Error {}

export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  // An empty variable (as docker compose passes ${VAR:-}) means unset.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(set);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const name = i.path.join('.');
    const value = env[name];
    return `  ${name}: ${i.message}${value !== undefined ? ` (got "${value}")` : ''}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

export const awsEnv = {
  AWS_REGION: z
    .string({ error: 'is required: the region of the buckets to migrate, for example us-east-1' })
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'),
  AWS_ENDPOINT_URL: z.url('must be a URL such as http://127.0.0.1:4566').optional(),
};
