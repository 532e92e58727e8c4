export { migrateBucket } from './migrate-bucket';
export { migratePage } from './migrate-page';
export { copyInParts } from './copy-in-parts';
export { planBucket } from './plan-bucket';
