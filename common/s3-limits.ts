// S3's limits the migration plans around.

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
/** S3's limit for a single CopyObject, and the default multipart threshold. */
export const MAX_SINGLE_COPY_BYTES = 5 * GIB;
export const MIN_PART_BYTES = 5 * MIB;
export const MAX_PART_BYTES = 5 * GIB;
export const MAX_PARTS = 10_000;
export const MAX_TAGS_PER_OBJECT = 10;
export const MAX_LIST_KEYS = 1000;
