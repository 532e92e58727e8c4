import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BucketPolicy } from './bucket-policy';

/** What `policy --apply` replaced, kept so that `policy --restore` can put it back. */
export interface PolicyBackup {
  bucket: string;
  savedAt: string;
  /** The policy before; null: the bucket had none. */
  previous: BucketPolicy | null;
  /** The policy written: a restore refuses to undo changes made by others since. */
  applied: BucketPolicy;
}

/** Where backups go unless --backup-dir says otherwise: one folder per bucket, one file per apply. */
export function defaultBackupDir(env: NodeJS.ProcessEnv): string {
  return env.S3_KMS_MIGRATOR_HOME
    ? path.join(env.S3_KMS_MIGRATOR_HOME, 'policy-backups')
    : path.join(os.homedir(), '.s3-kms-migrator', 'policy-backups');
}

/** Written before the policy is: if it cannot be saved, nothing is applied. Returns the file. */
export async function savePolicyBackup(dir: string, backup: PolicyBackup): Promise<string> {
  const folder = path.join(dir, backup.bucket);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${backup.savedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(backup, null, 2)}\n`, { flag: 'wx' });
  return file;
}

/** The given backup file, or the bucket's latest; an error that says where it looked when there is none. */
export async function readPolicyBackup(
  dir: string,
  bucket: string,
  file?: string,
): Promise<{ file: string; backup: PolicyBackup }> {
  let chosen = file;
  if (chosen === undefined) {
    const folder = path.join(dir, bucket);
    const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    if (names.length === 0)
      throw new Error(
        `no saved policy of bucket "${bucket}" in ${folder}: nothing to restore (give --backup-dir or --from)`,
      );
    chosen = path.join(folder, names[names.length - 1]!);
  }
  let backup: PolicyBackup;
  try {
    backup = JSON.parse(await readFile(chosen, 'utf8')) as PolicyBackup;
  } catch (err) {
    throw new Error(`saved policy ${chosen} could not be read: ${(err as Error).message}`);
  }
  if (backup.bucket !== bucket)
    throw new Error(`saved policy ${chosen} is of bucket "${backup.bucket}", not "${bucket}"`);
  return { file: chosen, backup };
}
