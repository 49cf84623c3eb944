import { stat } from 'node:fs/promises';

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** The database file and its WAL, in bytes; zeros for an in-memory database. */
export async function storageBytes(file: string | undefined): Promise<{ databaseBytes: number; walBytes: number }> {
  if (file === undefined) return { databaseBytes: 0, walBytes: 0 };
  const [databaseBytes, walBytes] = await Promise.all([sizeOf(file), sizeOf(`${file}-wal`)]);
  return { databaseBytes, walBytes };
}
