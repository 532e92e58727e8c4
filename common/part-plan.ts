import { MAX_PART_BYTES, MAX_PARTS, MIB, MIN_PART_BYTES } from './s3-limits';

export interface PartRange {
  partNumber: number;
  /** bytes=first-last, inclusive. */
  range: string;
}

/** The operator's part size, raised if needed to stay within 10,000 parts, rounded to MiB, clamped to S3's limits. */
export function effectivePartSize(objectSize: number, requested: number): number {
  const needed = Math.ceil(objectSize / MAX_PARTS);
  const size = Math.ceil(Math.max(requested, needed, MIN_PART_BYTES) / MIB) * MIB;
  return Math.min(size, MAX_PART_BYTES);
}

export function planParts(objectSize: number, partSize: number): PartRange[] {
  const parts: PartRange[] = [];
  for (let first = 0, n = 1; first < objectSize; first += partSize, n++) {
    const last = Math.min(first + partSize, objectSize) - 1;
    parts.push({ partNumber: n, range: `bytes=${first}-${last}` });
  }
  return parts;
}
