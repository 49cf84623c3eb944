import { LocalBrainError } from '../../../shared/errors';

/** Why a database could not be opened; each has its own message and way out. */
export type OpenFailure =
  'wrong-key' | 'damaged' | 'newer-schema' | 'locked' | 'unreadable' | 'unencrypted' | 'upgrade-failed' | 'missing';

export interface OpenFailureDetails {
  readonly failure: OpenFailure;
  readonly file: string;
  readonly wayOut: string;
  readonly schemaVersion?: number;
  readonly knownVersion?: number;
}

const wayOuts: Record<OpenFailure, string> = {
  'wrong-key':
    'Start LocalBrain with the key this database was created with (LOCALBRAIN_DB_KEY or the key file beside it), or enter the recovery key. The file was left untouched.',
  damaged:
    'Restore the file from a backup (LocalBrain keeps one beside it before each upgrade, named *.bak), or move it aside to start with an empty database. The file was left untouched.',
  'newer-schema':
    'Run the newer LocalBrain that upgraded it, or restore the backup taken before that upgrade (*.bak beside it). The file was left untouched.',
  locked: 'Another LocalBrain (or another program) has this database open. Close it and start again.',
  unreadable: 'Check that the file and its folder exist and belong to you, with read and write permission.',
  'upgrade-failed':
    'The upgrade was rolled back and the database is as it was. Report this with the log; meanwhile the previous LocalBrain still opens it.',
  unencrypted:
    'LocalBrain only uses encrypted databases and will not convert or overwrite this one. Move it aside and start again.',
  missing:
    'Put the database back where it was (it may have been moved with its folder), or restore it from a backup. To really start with a new, empty database, move the whole data folder aside first. Nothing was created or changed.',
};

/** A database that could not be opened. Its message names the file and the way out. */
export class StorageOpenError extends LocalBrainError {
  readonly failureDetails: OpenFailureDetails;

  constructor(
    readonly failure: OpenFailure,
    file: string,
    problem: string,
    extra: { schemaVersion?: number; knownVersion?: number } = {},
    options?: ErrorOptions,
  ) {
    const details: OpenFailureDetails = { failure, file, wayOut: wayOuts[failure], ...extra };
    super('Database', `${problem}: ${file}. ${wayOuts[failure]}`, details, options);
    this.failureDetails = details;
  }
}

export function isStorageOpenError(error: unknown): error is StorageOpenError {
  return error instanceof StorageOpenError;
}
