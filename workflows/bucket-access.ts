import type { BucketAccess } from '../common/types';

// The access every activity of this workflow carries in its input (activities/bucket-access.ts): set once
// the workflow knows it (after preflight, or from its input). Module state is per workflow execution: the SDK
// isolates each workflow's globals.

let access: BucketAccess | undefined;

export function useBucketAccess(given: BucketAccess | undefined): void {
  access = given;
}

type Callable = ((...args: unknown[]) => unknown) & {
  executeWithOptions?: (options: unknown, args: unknown[]) => unknown;
};

const withAccess = (args: unknown[]): unknown[] =>
  access && args.length > 0 && typeof args[0] === 'object' && args[0] !== null
    ? [{ ...(args[0] as object), access }, ...args.slice(1)]
    : args;

/** The proxy's activities, each called with `access` added to its input object. */
export function carryingBucketAccess<T extends object>(activities: T): T {
  return new Proxy(activities, {
    get(target, name) {
      const fn = Reflect.get(target, name) as Callable;
      if (typeof fn !== 'function') return fn;
      const call = (...args: unknown[]) => fn(...withAccess(args));
      call.executeWithOptions = (options: unknown, args: unknown[]) =>
        fn.executeWithOptions!(options, withAccess(args));
      return call;
    },
  });
}
