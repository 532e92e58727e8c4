// Batches: the objects one activity updates, tags or copies together, within one KMS-queue task's weight.
import { GIB } from '../../common/s3-limits';
import { MAX_BATCH_OBJECTS } from '../../common/kms-budget';
import type { BatchItem, ListedObject } from '../../common/contract';
import type { Found } from './outcomes';

/** An inspected object waiting in a queue for its batch. */
export interface Planned {
  object: ListedObject;
  look: Found;
  /** What the batch does with it: update in place (and tag), only tag, or copy over itself. */
  kind: 'update' | 'tag' | 'copy';
  /** KMS requests it costs. */
  cost: number;
  /** Copies: bytes of the object's data, and of its HEAD in the activity's input. */
  bytes?: number;
  payload?: number;
}

/** What one batch may hold at most, besides the task weight in KMS requests. */
export interface BatchBounds {
  objects: number;
  /** Bytes of the objects' data (single copies). */
  bytes?: number;
  /** Bytes of the activity's input (copies carry each object's HEAD); items without `payload` count none. */
  payload?: number;
}

export const UPDATE_BOUNDS: BatchBounds = { objects: MAX_BATCH_OBJECTS };

/**
 * Single copies: about 1 GiB of data at most (one larger object goes alone), and input far below Temporal's
 * 2 MiB payload limit whatever the objects' headers and metadata (up to about 10 KiB each).
 */
export const COPY_BOUNDS: BatchBounds = { objects: MAX_BATCH_OBJECTS, bytes: GIB, payload: 512 * 1024 };

/**
 * Takes the next batch from the front of `queue`: at most the task weight in KMS requests and the bounds
 * (an object beyond a limit goes alone), in listing order.
 */
export function takeBatch<T extends { cost: number; bytes?: number; payload?: number }>(
  queue: T[],
  weight: number,
  bounds: BatchBounds,
): T[] {
  const [maxBytes, maxPayload] = [bounds.bytes ?? Infinity, bounds.payload ?? Infinity];
  let cost = 0;
  let bytes = 0;
  let payload = 0;
  let n = 0;
  for (const item of queue) {
    const fits =
      n === 0 ||
      (n < bounds.objects &&
        cost + item.cost <= weight &&
        bytes + (item.bytes ?? 0) <= maxBytes &&
        payload + (item.payload ?? 0) <= maxPayload);
    if (!fits) break;
    cost += item.cost;
    bytes += item.bytes ?? 0;
    payload += item.payload ?? 0;
    n++;
  }
  return queue.splice(0, n);
}

/** All of `planned` as takeBatch would take it, batch after batch. */
export function packBatches<T extends { cost: number; bytes?: number; payload?: number }>(
  planned: T[],
  weight: number,
  bounds: BatchBounds,
): T[][] {
  const queue = [...planned];
  const batches: T[][] = [];
  while (queue.length > 0) batches.push(takeBatch(queue, weight, bounds));
  return batches;
}

export function batchItem(object: Found, update: boolean, kmsCost: number, fromRow: boolean): BatchItem {
  return {
    key: object.key,
    versionId: object.versionId,
    tagCount: object.tagCount,
    update,
    etag: object.etag,
    kmsCost,
    ...(fromRow && { fromRow }),
  };
}

/** An activity's summary in the Web UI: what it does, to how many objects, from which key to which. */
export function keyRangeSummary(what: string, objects: ListedObject[]): string {
  return `${what}: ${objects.length} objects, ${objects[0]?.key} … ${objects.at(-1)?.key}`.slice(0, 200);
}
