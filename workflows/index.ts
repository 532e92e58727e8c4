export { migrateBucket } from './migrate-bucket';
export { migratePage } from './migrate-page';
