import { deprecatePatch, patched } from '@temporalio/workflow';

/**
 * Every patch of workflow code, declared here, as the SDK keeps its own flags in one module. A change to
 * workflow code that would issue other commands for a history already recorded (docs/upgrading.md) is made
 * behind a patch: `inForce(name)` in release N, `deprecated(name)` in N+1, and the patch and its old path
 * removed in N+2, once no run of N can still be open. test/unit/patches.test.ts holds every call to this list.
 */
export const PATCHES = {} as const satisfies Record<string, string>;

export type PatchName = keyof typeof PATCHES;

/** Whether the patched path runs: always in new runs, and in replayed runs that took it when they ran. */
export function inForce(patch: PatchName): boolean {
  return patched(PATCHES[patch]);
}

/** A patch whose old path is gone: its marker is still written, so runs of the last release replay. */
export function deprecated(patch: PatchName): void {
  deprecatePatch(PATCHES[patch]);
}
