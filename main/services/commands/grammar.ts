import { allow, ask, deny, stricter, type PolicyDecision } from './decision';
import { shown, type Scope } from './scope';

/**
 * What one option does:
 * - `flag`: takes no value, harmless; `optional`: its value only follows `=` (`--color=auto`);
 * - `value`: takes a value that is neither a path nor a command;
 * - `read` / `write`: takes a path it reads / writes, creates or deletes (checked against the roots);
 * - `data`: takes a value that names a file to read after `@` or `<` (curl's `-d @FILE`, `-F x=<FILE`);
 * - `exec`: takes a command line that a shell or the program runs (asks);
 * - `code`: takes program text (asks: the policy does not read other languages);
 * - `ask` / `deny`: the option itself asks or is refused (reason in `why`).
 */
export type OptionKind = 'flag' | 'optional' | 'value' | 'read' | 'write' | 'data' | 'exec' | 'code' | 'ask' | 'deny';

/**
 * What the operands (non-option arguments) are:
 * `read` / `write` paths, `text` (not paths), `copy` (sources read, the last one written),
 * `none` (the program takes no operands; one asks).
 */
export type OperandKind = 'read' | 'write' | 'text' | 'copy' | 'none';

export interface ProgramSpec {
  /** What the program does, finishing "`name` …", for the allow reason and the docs. */
  readonly what: string;
  readonly options?: Readonly<Record<string, OptionKind>>;
  /** Accepts `-NUM` (head -5, git log -3). */
  readonly numeric?: boolean;
  readonly operands?: OperandKind;
  /** Options that name the destination folder (cp -t): with one, every operand is a source. */
  readonly targetOptions?: readonly string[];
  /** A wrapper runs a command given after its own options (and `leading` operands such as timeout's duration). */
  readonly wrapper?: { readonly leading?: readonly OperandKind[]; readonly withoutCommand?: string };
  /** Every argument is text: no option of this program reads, writes or runs anything. */
  readonly anyArguments?: boolean;
  /** Argument lists that run at once although the program otherwise asks (`node --version`). */
  readonly exact?: readonly (readonly string[])[];
  /** The program always asks, for this reason (after `exact`). */
  readonly ask?: string;
  /** The program is never run, for this reason. */
  readonly deny?: string;
  /** Why an `ask`/`deny`/`exec`/`code` option decides as it does. */
  readonly why?: Readonly<Record<string, string>>;
  /** A grammar of its own (find, sed, awk, git, tar, dd, env…); the table's fields are then its vocabulary. */
  readonly judge?: (name: string, args: readonly string[], scope: Scope, spec: ProgramSpec) => PolicyDecision;
}

/** Builds an option table from space-separated names per kind: `options({ flag: '-a --all', write: '-o' })`. */
export function options(kinds: Partial<Record<OptionKind, string>>): Record<string, OptionKind> {
  const table: Record<string, OptionKind> = {};
  for (const [kind, names] of Object.entries(kinds) as [OptionKind, string][]) {
    for (const name of names.split(/\s+/)) if (name !== '') table[name] = kind;
  }
  return table;
}

export function unknownOption(name: string, option: string): PolicyDecision {
  return ask('unknown-option', `\`${name}\` has an option the policy does not know: \`${option}\`.`);
}

/** What one option with its value is worth. */
export function judgeOption(
  name: string,
  spec: ProgramSpec,
  option: string,
  kind: OptionKind,
  value: string | undefined,
  scope: Scope,
): PolicyDecision {
  const via = `\`${name} ${option}\``;
  const why = spec.why?.[option];
  switch (kind) {
    case 'read':
      return value === undefined ? allow('table', '') : scope.read(value, via);
    case 'write':
      return value === undefined ? allow('table', '') : scope.write(value, via);
    case 'data': {
      const at = value === undefined ? -1 : value.search(/[@<]/);
      return value === undefined || at === -1 ? allow('table', '') : scope.read(value.slice(at + 1), via);
    }
    case 'exec':
      return ask(
        'runs-command',
        `${via} runs ${value === undefined ? 'a command' : shown([value])}${why ? ` (${why})` : ''}, a command line the policy does not read.`,
      );
    case 'code':
      return ask(
        'runs-code',
        `${via} runs program text${value === undefined ? '' : ` ${shown([value])}`} that the policy does not read${why ? ` (${why})` : ''}.`,
      );
    case 'ask':
      return ask('option-asks', `${via} ${why ?? 'is not run without asking'}.`);
    case 'deny':
      return deny('privilege', `${via} ${why ?? 'is never run by LocalBrain'}.`);
    default:
      return allow('table', '');
  }
}

export interface ParsedArgs {
  readonly decision: PolicyDecision;
  readonly operands: readonly string[];
  /** Options seen (names only), for judges that depend on them. */
  readonly seen: ReadonlySet<string>;
  /** Options with their values, in order. */
  readonly values: readonly (readonly [string, string | undefined])[];
}

/**
 * GNU-style parsing against the table: clustered short options (`-la`), a short option's value
 * attached or next (`-n5`, `-n 5`), long options with `=` or the next argument, `--` ending
 * options. Options may follow operands, as getopt permutes them, except for wrappers, whose
 * options end at the first operand (the command they run).
 */
export function parseArgs(name: string, spec: ProgramSpec, args: readonly string[], scope: Scope): ParsedArgs {
  const table = spec.options ?? {};
  const stopAtOperand = spec.wrapper !== undefined;
  let decision: PolicyDecision = allow('table', '');
  const operands: string[] = [];
  const seen = new Set<string>();
  const values: [string, string | undefined][] = [];
  let optionsDone = false;
  const apply = (option: string, kind: OptionKind, value: string | undefined) => {
    seen.add(option);
    values.push([option, value]);
    decision = stricter(decision, judgeOption(name, spec, option, kind, value, scope));
  };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (optionsDone || arg === '-' || !arg.startsWith('-')) {
      operands.push(arg);
      if (stopAtOperand) optionsDone = true;
      continue;
    }
    if (arg === '--') {
      optionsDone = true;
      continue;
    }
    if (spec.numeric === true && /^-\d+$/.test(arg)) continue;
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const option = equals === -1 ? arg : arg.slice(0, equals);
      const kind = table[option];
      if (kind === undefined || (kind === 'flag' && equals !== -1)) {
        decision = stricter(decision, unknownOption(name, option));
        continue;
      }
      if (kind === 'flag' || kind === 'optional') {
        apply(option, kind, undefined);
        continue;
      }
      let value: string | undefined;
      if (equals === -1) {
        value = args[index + 1];
        index += 1;
      } else value = arg.slice(equals + 1);
      apply(option, kind, value);
      continue;
    }
    for (let letter = 1; letter < arg.length; letter += 1) {
      const option = `-${arg[letter] ?? ''}`;
      const kind = table[option];
      if (kind === undefined) {
        decision = stricter(decision, unknownOption(name, option));
        break;
      }
      if (kind === 'flag') {
        apply(option, kind, undefined);
        continue;
      }
      const rest = arg.slice(letter + 1);
      if (kind === 'optional') {
        apply(option, kind, rest === '' ? undefined : rest);
        break;
      }
      let value: string | undefined = rest;
      if (rest === '') {
        value = args[index + 1];
        index += 1;
      }
      apply(option, kind, value);
      break;
    }
  }
  return { decision, operands, seen, values };
}

/** The grammar every table entry without a `judge` of its own follows. */
export function judgeByTable(name: string, spec: ProgramSpec, args: readonly string[], scope: Scope): PolicyDecision {
  const parsed = parseArgs(name, spec, args, scope);
  let decision = parsed.decision;
  const via = `\`${name}\``;
  const { operands } = parsed;
  if (spec.wrapper) {
    const leading = spec.wrapper.leading ?? [];
    for (const [index, kind] of leading.entries()) {
      const operand = operands[index];
      if (operand !== undefined) decision = stricter(decision, judgeOperand(kind, operand, via, scope));
    }
    const command = operands.slice(leading.length);
    if (command.length === 0) {
      if (spec.wrapper.withoutCommand !== undefined)
        decision = stricter(decision, ask('runs-shell', `${via} ${spec.wrapper.withoutCommand}.`));
    } else decision = stricter(decision, scope.command(command, via));
  } else {
    const kind = spec.operands ?? 'read';
    if (kind === 'copy') {
      const hasTarget = (spec.targetOptions ?? []).some((option) => parsed.seen.has(option));
      operands.forEach((operand, index) => {
        const last = index === operands.length - 1 && operands.length > 1;
        decision = stricter(decision, judgeOperand(!hasTarget && last ? 'write' : 'read', operand, via, scope));
      });
    } else if (kind === 'none' && operands.length > 0) {
      decision = stricter(decision, ask('unknown-operand', `${via} takes no operand here: ${shown(operands)}.`));
    } else for (const operand of operands) decision = stricter(decision, judgeOperand(kind, operand, via, scope));
  }
  return decision;
}

export function judgeOperand(kind: OperandKind, operand: string, via: string, scope: Scope): PolicyDecision {
  if (kind === 'read') return scope.read(operand, via);
  if (kind === 'write') return scope.write(operand, via);
  return allow('table', '');
}
