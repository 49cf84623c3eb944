import Database from 'better-sqlite3-multiple-ciphers';

export type SqliteDatabase = Database.Database;
export { Database as SqliteDatabaseConstructor };

/** SQLite's primary result code name (`SQLITE_BUSY` for `SQLITE_BUSY_SNAPSHOT`), or undefined for other errors. */
export function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Database.SqliteError)) return undefined;
  const match = /^SQLITE_[A-Z]+/.exec(error.code);
  return match?.[0];
}
