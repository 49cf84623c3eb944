import type { ResolvedSlotPath } from './paths';
import { splitCommandLine } from './shell-words';

export interface CommandLine {
  readonly cmd: string;
  readonly args: readonly string[];
}

export type SlotValue =
  | { readonly kind: 'path'; readonly value: ResolvedSlotPath }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'command'; readonly value: CommandLine }
  | { readonly kind: 'number'; readonly value: number };

/** A builder asking for a slot its phrase does not have is a bug in the intent, not bad input. */
function missing(name: string): Error {
  return new Error(`slot "${name}" was not matched`);
}

/** The slots of one reading, resolved: builders read them by name and kind. */
export class ResolvedSlots {
  constructor(private readonly values: ReadonlyMap<string, SlotValue>) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  path(name: string): ResolvedSlotPath {
    const slot = this.values.get(name);
    if (slot?.kind !== 'path') throw missing(name);
    return slot.value;
  }

  optionalPath(name: string): ResolvedSlotPath | undefined {
    return this.values.has(name) ? this.path(name) : undefined;
  }

  text(name: string): string {
    const slot = this.values.get(name);
    if (slot?.kind !== 'text') throw missing(name);
    return slot.value;
  }

  optionalText(name: string): string | undefined {
    return this.values.has(name) ? this.text(name) : undefined;
  }

  number(name: string): number {
    const slot = this.values.get(name);
    if (slot?.kind !== 'number') throw missing(name);
    return slot.value;
  }

  optionalNumber(name: string): number | undefined {
    return this.values.has(name) ? this.number(name) : undefined;
  }

  command(name: string): CommandLine {
    const slot = this.values.get(name);
    if (slot?.kind !== 'command') throw missing(name);
    return slot.value;
  }
}

/** `"hello world"` or `'hello world'` said with quotes means the words inside them. */
export function unquote(raw: string): string {
  const trimmed = raw.trim();
  const quoted = /^(["'“‘])(.*)(["'”’])$/s.exec(trimmed);
  return quoted?.[2] ?? trimmed;
}

/** Splits a spoken command line; the first word is the program, the rest its literal arguments. */
export function commandLine(raw: string): CommandLine | undefined {
  const words = splitCommandLine(raw.trim());
  const [cmd, ...args] = words;
  if (cmd === undefined || cmd === '') return undefined;
  return { cmd, args };
}
