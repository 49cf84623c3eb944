/**
 * Whether a save may replace a file, decided from the file's own permission bits.
 *
 * A save writes a temp file and renames it over the old one, which needs write permission on
 * the folder only: without this check a read-only file, or a file of another user in a shared
 * folder, would be replaced. So the save first asks what an editor asks: does the write bit
 * that applies to this user (owner, group or other) allow it? Root bypasses permission bits
 * in the kernel, so for root a file with no write bit at all is read-only, as vim and VS Code
 * treat it. Windows has no owners: its read-only attribute shows as a mode without write bits.
 */

export interface UserIdentity {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups. */
  readonly groups: readonly number[];
}

/** The identity of this process, or undefined where there are no POSIX owners (Windows). */
export function currentUser(): UserIdentity | undefined {
  if (process.getuid === undefined || process.getgid === undefined) return undefined;
  return { uid: process.getuid(), gid: process.getgid(), groups: process.getgroups?.() ?? [] };
}

export interface OwnedFile {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

function inGroup(user: UserIdentity, gid: number): boolean {
  return user.gid === gid || user.groups.includes(gid);
}

/** True when the file's write bit for this user's class is set (for root: any write bit). */
export function mayWrite(file: OwnedFile, user: UserIdentity | undefined): boolean {
  if (user === undefined) return (file.mode & 0o200) !== 0;
  if (user.uid === 0) return (file.mode & 0o222) !== 0;
  if (file.uid === user.uid) return (file.mode & 0o200) !== 0;
  if (inGroup(user, file.gid)) return (file.mode & 0o020) !== 0;
  return (file.mode & 0o002) !== 0;
}

/**
 * True when a new file made by this user can be given the old file's owner and group
 * (chown): root always; anyone else only for their own file in one of their groups.
 */
export function mayKeepOwner(file: OwnedFile, user: UserIdentity | undefined): boolean {
  if (user === undefined) return true;
  if (user.uid === 0) return true;
  return file.uid === user.uid && inGroup(user, file.gid);
}

/** `0644`-style text for messages. */
export function modeText(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
