/** x-amz-copy-source for bucket/key: each path segment URL-encoded, slashes kept. */
export function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
