import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/** What became of the secret's copy in the process's original environment block. */
export type EnvironmentScrub =
  /** The variable was not set. */
  | 'absent'
  /** Overwritten in place: /proc/<pid>/environ no longer shows the value. */
  | 'cleared'
  /** No /proc/self/mem here (macOS, Windows): the block still holds it. */
  | 'unsupported'
  /** /proc/self/mem refused the write (a hardened kernel); the block still holds it. */
  | 'failed';

/** Fields of /proc/self/stat after the `(comm)` field: env_start and env_end are fields 50 and 51 (proc(5), Linux ≥ 3.5). */
const envStartField = 50;
const envEndField = 51;
/** Fields 1 and 2 (pid, comm) come before the text this parser splits. */
const fieldsBeforeState = 2;

function environmentBlock(): { start: number; end: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: the fields that follow start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[envStartField - fieldsBeforeState - 1];
  const end = fields[envEndField - fieldsBeforeState - 1];
  const [from, to] = [Number(start), Number(end)];
  // User-space addresses sit far below 2^53 (47 or 48 bits), so a Number holds them exactly.
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from <= 0 || to <= from) return undefined;
  return { start: from, end: to };
}

/** Where each non-empty `NAME=value` entry's value lies in an environment block (NUL-separated entries). */
function valuesOf(bytes: Buffer, name: string): { start: number; length: number }[] {
  const prefix = Buffer.from(`${name}=`, 'utf8');
  const found: { start: number; length: number }[] = [];
  for (let at = bytes.indexOf(prefix); at !== -1; at = bytes.indexOf(prefix, at + 1)) {
    // An entry starts the block or follows the NUL that ends the one before.
    if (at > 0 && bytes[at - 1] !== 0) continue;
    const start = at + prefix.length;
    const end = bytes.indexOf(0, start);
    const length = (end === -1 ? bytes.length : end) - start;
    if (length > 0) found.push({ start, length });
  }
  return found;
}

/**
 * Overwrites every `NAME=value` in the environment block the kernel copied in at exec, the
 * one /proc/<pid>/environ shows to any process of the same user. Deleting the variable from
 * `process.env` (unsetenv) only drops libc's pointer to it; the bytes stay. Writing through
 * /proc/self/mem is how a process edits its own memory by address (the block is part of its stack).
 */
function scrubEnvironmentBlock(name: string): EnvironmentScrub {
  const block = environmentBlock();
  if (block === undefined) return 'unsupported';
  let fd: number;
  try {
    fd = openSync('/proc/self/mem', 'r+');
  } catch {
    return 'unsupported';
  }
  try {
    const bytes = Buffer.alloc(block.end - block.start);
    readSync(fd, bytes, 0, bytes.length, block.start);
    for (const { start, length } of valuesOf(bytes, name)) {
      writeSync(fd, Buffer.alloc(length), 0, length, block.start + start);
    }
    // Read back: only a block that really holds no value any more counts as cleared.
    readSync(fd, bytes, 0, bytes.length, block.start);
    return valuesOf(bytes, name).length === 0 ? 'cleared' : 'failed';
  } catch {
    return 'failed';
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes a secret out of the environment: returns its value, removes it from `process.env`
 * (so no child inherits it) and overwrites its bytes in the environment block where Linux
 * can (so /proc/<pid>/environ shows `NAME=` and no value). Call it before anything else reads
 * the environment. The parent that set the variable (a shell, npm) still holds its own copy.
 */
export function takeSecretFromEnvironment(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): { value: string | undefined; scrub: EnvironmentScrub } {
  const value = env[name];
  if (value === undefined || value === '') return { value: undefined, scrub: 'absent' };
  Reflect.deleteProperty(env, name);
  const scrub = env === process.env ? scrubEnvironmentBlock(name) : 'unsupported';
  return { value, scrub };
}
