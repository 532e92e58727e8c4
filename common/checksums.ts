import type { ChecksumAlgorithm, ChecksumType } from './contract';

/**
 * The algorithms S3 can combine into a checksum of the whole object in a multipart upload (CRCs combine; hashes
 * do not, so SHA-*, MD5 and XXHASH* give a multipart upload a checksum of the parts' checksums only).
 */
const FULL_OBJECT_IN_PARTS: ReadonlySet<string> = new Set(['CRC32', 'CRC32C', 'CRC64NVME']);

/** The checksum type a multipart copy asks for so that the copy keeps the source's; undefined: S3's default. */
export function checksumTypeInParts(algorithm?: ChecksumAlgorithm, type?: ChecksumType): ChecksumType | undefined {
  if (!algorithm || !type) return undefined;
  if (type === 'FULL_OBJECT') return FULL_OBJECT_IN_PARTS.has(algorithm) ? 'FULL_OBJECT' : undefined;
  return algorithm === 'CRC64NVME' ? undefined : 'COMPOSITE'; // CRC64NVME has only the full-object type
}

/** A whole-object checksum that a multipart copy would turn into a composite one: only one CopyObject keeps it. */
export function wholeObjectChecksumNeedsOneCopy(algorithm?: ChecksumAlgorithm, type?: ChecksumType): boolean {
  return type === 'FULL_OBJECT' && !!algorithm && !FULL_OBJECT_IN_PARTS.has(algorithm);
}
