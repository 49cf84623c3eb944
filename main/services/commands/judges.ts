import { userInfo } from 'node:os';
import path from 'node:path';
import { allow, ask, deny, stricter, type PolicyDecision } from './decision';
import { judgeByTable, options, parseArgs, unknownOption, type ProgramSpec } from './grammar';
import { shown, type Scope } from './scope';

/**
 * The programs whose grammar is more than options and operands: their own expression
 * languages (find, sed, awk), subcommands (git), old-style option clusters (tar),
 * `key=value` operands (dd, env) and rules about ownership (chown) or recursion (rm).
 */

type Judge = NonNullable<ProgramSpec['judge']>;

/** Environment variables a command may be given: they change formatting, never which program runs or what it loads. */
const harmlessVariables =
  /^(LANG|LANGUAGE|LC_[A-Z]+|TZ|NO_COLOR|FORCE_COLOR|CLICOLOR|CLICOLOR_FORCE|COLUMNS|LINES|TERM|COLORTERM|GREP_COLORS|LS_COLORS|TIME_STYLE|QUOTING_STYLE|POSIXLY_CORRECT|SOURCE_DATE_EPOCH)$/;

export const judgeEnv: Judge = (name, args, scope) => {
  let decision: PolicyDecision = allow('table', '');
  let index = 0;
  let current = scope;
  while (index < args.length) {
    const arg = args[index] ?? '';
    if (arg === '--') {
      index += 1;
      break;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) {
      const variable = arg.slice(0, arg.indexOf('='));
      if (!harmlessVariables.test(variable))
        decision = stricter(
          decision,
          ask('env-assignment', `\`${name}\` sets ${variable}, which can change what the command runs or loads.`),
        );
      index += 1;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg === '-i' || arg === '--ignore-environment' || arg === '-0' || arg === '--null' || arg === '-v' || arg === '--debug') {
      index += 1;
    } else if (arg === '-u' || arg === '--unset') index += 2;
    else if (arg.startsWith('--unset=') || /^-u./.test(arg)) index += 1;
    else if (arg === '-C' || arg === '--chdir' || arg.startsWith('--chdir=') || /^-C./.test(arg)) {
      const folder = arg === '-C' || arg === '--chdir' ? (args[index + 1] ?? '') : arg.replace(/^(--chdir=|-C)/, '');
      index += arg === '-C' || arg === '--chdir' ? 2 : 1;
      const read = scope.read(folder, `\`${name} -C\``);
      decision = stricter(decision, read);
      current = current.withCwd(current.resolve(folder));
    } else if (arg === '-S' || arg === '--split-string' || arg.startsWith('--split-string=') || arg.startsWith('-S')) {
      return stricter(decision, ask('runs-command', `\`${name} -S\` splits a command line the policy does not read.`));
    } else {
      return stricter(decision, unknownOption(name, arg));
    }
  }
  const command = args.slice(index);
  if (command.length === 0) return decision;
  return stricter(decision, current.command(command, `\`${name}\``));
};

const findValueTests = new Set(
  '-name -iname -path -ipath -wholename -iwholename -regex -iregex -type -xtype -size -mtime -mmin -atime -amin -ctime -cmin -perm -user -group -uid -gid -links -inum -maxdepth -mindepth -regextype -fstype -used -context -printf -lname -ilname'.split(
    ' ',
  ),
);
const findReadTests = new Set(['-newer', '-anewer', '-cnewer', '-samefile', '-files0-from']);
const findFlags = new Set(
  '-print -print0 -ls -prune -quit -empty -executable -readable -writable -nouser -nogroup -true -false -depth -d -follow -mount -xdev -noleaf -daystart -ignore_readdir_race -noignore_readdir_race -not -a -and -o -or , ( ) ! -nowarn -warn'.split(
    ' ',
  ),
);
const findWrites = new Set(['-fprint', '-fprint0', '-fls']);
const findExec = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** A path no workspace contains, standing for "a file find found" when asking whether the command writes to it. */
const foundMarker = '/\u2400find-result';
/** Programs that do not follow a symlink named as their operand (they remove the link itself). */
const linkSafeRemovers = new Set(['rm', 'rmdir', 'unlink']);

/**
 * The command of `find -exec`: judged with `{}` as each start point (the shallowest a found
 * path can be, which catches `{}/../x`), and asked about when it writes to the found files
 * themselves, since a found symlink would lead the write outside (except removing, which
 * deletes the link and not its target).
 */
function judgeFoundCommand(
  name: string,
  option: string,
  inner: readonly string[],
  starts: readonly string[],
  scope: Scope,
): PolicyDecision {
  const via = `\`${name} ${option}\``;
  let decision: PolicyDecision = allow('table', '');
  for (const start of starts)
    decision = stricter(
      decision,
      scope.command(
        inner.map((word) => word.replaceAll('{}', start)),
        via,
      ),
    );
  if (decision.verdict !== 'allow' || !inner.some((word) => word.includes('{}'))) return decision;
  const program = path.basename(inner[0] ?? '');
  if (linkSafeRemovers.has(program) && inner.every((word) => word === '{}' || !word.includes('{}'))) return decision;
  const marked = scope.command(
    inner.map((word) => word.replaceAll('{}', foundMarker)),
    via,
  );
  if (marked.rule === 'write-outside' || marked.rule === 'write-device')
    return ask(
      'write-found',
      `${via} runs ${shown(inner)}, which writes to the files it finds; a found symlink would lead the write outside the workspace.`,
    );
  return decision;
}

export const judgeFind: Judge = (name, args, scope) => {
  let decision: PolicyDecision = allow('table', '');
  let index = 0;
  while (index < args.length && /^-[HLP]+$/.test(args[index] ?? '')) index += 1;
  if (args[index] === '-D') index += 2;
  if (/^-O\d*$/.test(args[index] ?? '')) index += 1;
  const starts: string[] = [];
  while (index < args.length) {
    const arg = args[index] ?? '';
    if (arg.startsWith('-') || arg === '(' || arg === '!' || arg === ')' || arg === ',') break;
    starts.push(arg);
    index += 1;
  }
  if (starts.length === 0) starts.push('.');
  for (const start of starts) decision = stricter(decision, scope.read(start, `\`${name}\``));
  while (index < args.length) {
    const arg = args[index] ?? '';
    index += 1;
    if (findFlags.has(arg)) continue;
    if (findValueTests.has(arg)) {
      index += 1;
    } else if (findReadTests.has(arg) || /^-newer[amcB][amcB]$/.test(arg)) {
      decision = stricter(decision, scope.read(args[index] ?? '.', `\`${name} ${arg}\``));
      index += 1;
    } else if (/^-newer[amcB]t$/.test(arg)) {
      index += 1;
    } else if (arg === '-delete') {
      for (const start of starts) decision = stricter(decision, scope.write(start, `\`${name} -delete\``));
    } else if (findWrites.has(arg) || arg === '-fprintf') {
      decision = stricter(decision, scope.write(args[index] ?? '', `\`${name} ${arg}\``));
      index += arg === '-fprintf' ? 2 : 1;
    } else if (findExec.has(arg)) {
      const end = args.findIndex((word, at) => at >= index && (word === ';' || word === '+'));
      const inner = args.slice(index, end === -1 ? args.length : end);
      index = end === -1 ? args.length : end + 1;
      decision = stricter(decision, judgeFoundCommand(name, arg, inner, starts, scope));
    } else {
      decision = stricter(decision, unknownOption(name, arg));
    }
  }
  return decision;
};

/** What a sed script does beyond editing its input: commands it runs, files it reads or writes. */
type SedEffect = { readonly kind: 'exec' | 'read' | 'write'; readonly value: string } | { readonly kind: 'unreadable' };

/** Reads a GNU sed script just far enough to find `e`, `r`/`R`, `w`/`W` and the `e`/`w` flags of `s`. */
export function sedEffects(script: string): SedEffect[] {
  const effects: SedEffect[] = [];
  let at = 0;
  const peek = () => script[at] ?? '';
  const restOfLine = () => {
    const end = script.indexOf('\n', at);
    const text = script.slice(at, end === -1 ? script.length : end);
    at = end === -1 ? script.length : end + 1;
    return text.trim();
  };
  const skipBlank = () => {
    while (at < script.length && ' \t'.includes(peek())) at += 1;
  };
  /** Skips a delimited part (regex or replacement); false when it does not end. */
  const delimited = (delimiter: string, regex: boolean): boolean => {
    while (at < script.length) {
      const char = peek();
      if (char === '\\') at += 2;
      else if (regex && char === '[') {
        const close = script.indexOf(
          ']',
          at + (script[at + 1] === ']' ? 2 : 1) + (script[at + 1] === '^' && script[at + 2] === ']' ? 1 : 0),
        );
        if (close === -1) return false;
        at = close + 1;
      } else if (char === delimiter) {
        at += 1;
        return true;
      } else at += 1;
    }
    return false;
  };
  const address = (): boolean => {
    const char = peek();
    if (/\d/.test(char)) {
      while (/[\d~]/.test(peek())) at += 1;
    } else if (char === '$') at += 1;
    else if (char === '/' || char === '\\') {
      at += char === '\\' ? 1 : 0;
      const delimiter = peek();
      at += 1;
      if (!delimited(delimiter, true)) return false;
      while ('IM'.includes(peek()) && peek() !== '') at += 1;
    }
    return true;
  };
  while (at < script.length) {
    while (at < script.length && ' \t\n;'.includes(peek())) at += 1;
    if (at >= script.length) break;
    if (peek() === '#') {
      restOfLine();
      continue;
    }
    if (!address()) return [{ kind: 'unreadable' }];
    if (peek() === ',') {
      at += 1;
      if (peek() === '+' || peek() === '~') {
        at += 1;
        while (/\d/.test(peek())) at += 1;
      } else if (!address()) return [{ kind: 'unreadable' }];
    }
    skipBlank();
    while (peek() === '!') {
      at += 1;
      skipBlank();
    }
    const command = peek();
    at += 1;
    if ('{}=dDgGhHlnNpPxzF'.includes(command)) {
      while (/\d/.test(peek())) at += 1;
    } else if ('qQL'.includes(command)) {
      skipBlank();
      while (/\d/.test(peek())) at += 1;
    } else if (':btTv'.includes(command)) {
      while (at < script.length && !';\n'.includes(peek())) at += 1;
    } else if ('aic'.includes(command)) {
      while (at < script.length) {
        const end = script.indexOf('\n', at);
        if (end === -1 || script[end - 1] !== '\\') {
          at = end === -1 ? script.length : end + 1;
          break;
        }
        at = end + 1;
      }
    } else if (command === 'r' || command === 'R') effects.push({ kind: 'read', value: restOfLine() });
    else if (command === 'w' || command === 'W') effects.push({ kind: 'write', value: restOfLine() });
    else if (command === 'e') effects.push({ kind: 'exec', value: restOfLine() });
    else if (command === 's' || command === 'y') {
      const delimiter = peek();
      if (delimiter === '' || delimiter === '\n' || delimiter === '\\') return [{ kind: 'unreadable' }];
      at += 1;
      if (!delimited(delimiter, command === 's') || !delimited(delimiter, false)) return [{ kind: 'unreadable' }];
      if (command === 's') {
        while (/[gpiImMe0-9w]/.test(peek()) && peek() !== '') {
          const flag = peek();
          at += 1;
          if (flag === 'e') effects.push({ kind: 'exec', value: 'the pattern space' });
          if (flag === 'w') {
            effects.push({ kind: 'write', value: restOfLine() });
            break;
          }
        }
      }
    } else return [{ kind: 'unreadable' }];
  }
  return effects;
}

const sedSpec: ProgramSpec = {
  what: 'edits text',
  options: options({
    flag: '-n -E -r -s -u -z -b --quiet --silent --regexp-extended --separate --unbuffered --null-data --posix --debug --sandbox --follow-symlinks --binary',
    optional: '-i --in-place',
    value: '-l --line-length -e --expression',
    code: '-f --file',
  }),
  why: { '-f': 'a sed script from a file', '--file': 'a sed script from a file' },
};

export const judgeSed: Judge = (name, args, scope) => {
  const parsed = parseArgs(name, sedSpec, args, scope);
  let decision = parsed.decision;
  const scripts = parsed.values
    .filter(([option]) => option === '-e' || option === '--expression')
    .map(([, value]) => value ?? '');
  let files = parsed.operands;
  if (scripts.length === 0 && !parsed.seen.has('-f') && !parsed.seen.has('--file')) {
    scripts.push(files[0] ?? '');
    files = files.slice(1);
  }
  for (const script of scripts) {
    for (const effect of sedEffects(script)) {
      if (effect.kind === 'unreadable')
        decision = stricter(decision, ask('runs-code', `\`${name}\` has a script the policy cannot read: ${shown([script])}.`));
      else if (effect.kind === 'exec')
        decision = stricter(
          decision,
          ask(
            'runs-command',
            `\`${name}\` script command \`e\` runs ${effect.value === '' ? 'the pattern space' : shown([effect.value])} as a command.`,
          ),
        );
      else if (effect.kind === 'read') decision = stricter(decision, scope.read(effect.value, `\`${name} r\``));
      else decision = stricter(decision, scope.write(effect.value, `\`${name} w\``));
    }
  }
  const inPlace = parsed.seen.has('-i') || parsed.seen.has('--in-place');
  for (const file of files)
    decision = stricter(decision, inPlace ? scope.write(file, `\`${name} -i\``) : scope.read(file, `\`${name}\``));
  return decision;
};

/**
 * An awk program is code. It runs at once only when it is trivially safe: none of
 * `system`, `getline`, `|` (pipes), `>` (output redirection, and so also comparisons),
 * `@` (gawk's @load/@include), `close`/`fflush`, or ARGV/ARGC/ENVIRON/PROCINFO (which
 * change what is read). Everything else asks, comparisons with `>` included.
 */
const awkUnsafe = /system|getline|[|>@]|\bclose\b|\bfflush\b|ARGV|ARGC|ENVIRON|PROCINFO/;

const awkSpec: ProgramSpec = {
  what: 'processes text',
  options: options({
    flag: '-S --sandbox -b -c -P -r -s -t --characters-as-bytes --traditional --posix --re-interval --no-optimize',
    value: '-F -v --field-separator --assign',
    code: '-f --file -e --source -E --exec -i --include',
    exec: '-l --load',
    ask: '-o -p -d -W --pretty-print --profile --dump-variables',
  }),
  why: {
    '-l': 'a shared library',
    '-W': 'passes implementation options (mawk `-W exec`)',
    '-o': 'writes the program to a file',
    '-p': 'writes a profile',
    '-d': 'writes variables to a file',
  },
};

export const judgeAwk: Judge = (name, args, scope) => {
  const parsed = parseArgs(name, awkSpec, args, scope);
  let decision = parsed.decision;
  let operands = parsed.operands;
  const hasProgram = ['-f', '--file', '-e', '--source', '-E', '--exec'].some((option) => parsed.seen.has(option));
  if (!hasProgram) {
    const program = operands[0] ?? '';
    operands = operands.slice(1);
    if (awkUnsafe.test(program))
      decision = stricter(
        decision,
        ask(
          'runs-code',
          `\`${name}\` program ${shown([program])} may run commands or write files (system, getline, | or > ): the policy treats it as code.`,
        ),
      );
  }
  for (const operand of operands) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(operand)) continue;
    decision = stricter(decision, scope.read(operand, `\`${name}\``));
  }
  return decision;
};

/** `git -c` settings known not to run anything; every other setting asks (aliases, pagers, editors, ssh commands, hooks, fsmonitor…). */
const harmlessGitSettings =
  /^(color\.[\w.-]+|core\.quotepath|core\.abbrev|log\.date|log\.decorate|log\.abbrevcommit|diff\.noprefix|diff\.renames|status\.short|status\.branch|column\.ui|init\.defaultbranch|advice\.[\w-]+|user\.name|user\.email)=/i;
const gitSettingsThatRun =
  /^(alias\.|core\.(pager|sshcommand|editor|fsmonitor|hookspath|askpass|gitproxy)|pager\.|sequence\.editor|diff\.[\w.-]*(external|textconv|command)|merge\.[\w.-]*driver|filter\.|credential\.|gpg\.|uploadpack\.|protocol\.|remote\.[\w.-]*(uploadpack|receivepack|proxy))/i;

/** Subcommands that only read the repository, with the options they may take. */
const gitLogLike = options({
  flag: '-p -u -s -a -r -t -w -z -M -C -B -D -R -l -v -q --patch --no-patch --stat --shortstat --numstat --name-only --name-status --summary --raw --oneline --graph --all --branches --tags --remotes --reverse --first-parent --merges --no-merges --follow --abbrev-commit --no-abbrev-commit --cached --staged --ignore-all-space --ignore-space-change --ignore-blank-lines --no-renames --full-index --binary --check --no-color --no-decorate --no-walk --date-order --topo-order --left-right --cherry-pick --boundary --source --full-history --simplify-by-decoration --show-signature --no-ext-diff --no-textconv --exit-code --quiet --minimal --histogram --patience --name --long --tags --always --dirty --exact-match --short --porcelain --branch --show-stash --ignored --ahead-behind --no-ahead-behind --renames --verbose --list --show-current --contains --no-contains --merged --no-merged --remotes --show-toplevel --show-prefix --git-dir --is-inside-work-tree --is-bare-repository --absolute-git-dir --abbrev-ref --symbolic-full-name --verify --count --others --modified --deleted --exclude-standard --directory -c -d -e -i -k -m -n -o -x -b -E -F -G -S -L -h -H -I -P -T',
  optional:
    '--color --decorate --word-diff --unified --abbrev --pretty --format --stat --dirstat --untracked-files --column --sort --date --porcelain --ignore-submodules --find-renames --find-copies',
  value:
    '--max-count --skip --since --after --until --before --author --committer --grep --diff-filter --relative --points-at --format --pretty --sort --date --encoding -U --stat-width --exclude --match',
  write: '--output',
  exec: '-O --open-files-in-pager --ext-diff --textconv',
});
const gitSubcommandSpec: ProgramSpec = { what: 'reads the repository', options: gitLogLike, numeric: true };
const gitReadOnly = new Set([
  'status',
  'log',
  'diff',
  'show',
  'branch',
  'rev-parse',
  'ls-files',
  'blame',
  'describe',
  'shortlog',
  'tag',
  'reflog',
  'show-ref',
  'cat-file',
  'ls-tree',
  'merge-base',
  'grep',
  'rev-list',
  'count-objects',
  'for-each-ref',
  'name-rev',
  'whatchanged',
  'version',
]);

export const judgeGit: Judge = (name, args, scope) => {
  let decision: PolicyDecision = allow('table', '');
  let current = scope;
  let index = 0;
  while (index < args.length) {
    const arg = args[index] ?? '';
    if (!arg.startsWith('-')) break;
    index += 1;
    if (arg === '-C') {
      const folder = args[index] ?? '.';
      index += 1;
      decision = stricter(decision, current.read(folder, `\`${name} -C\``));
      current = current.withCwd(current.resolve(folder));
    } else if (arg === '-c') {
      const setting = args[index] ?? '';
      index += 1;
      if (gitSettingsThatRun.test(setting))
        decision = stricter(
          decision,
          ask(
            'runs-command',
            `\`${name} -c ${setting.split('=')[0] ?? ''}\` sets a setting that runs a command (${shown([setting])}).`,
          ),
        );
      else if (!harmlessGitSettings.test(setting))
        decision = stricter(
          decision,
          ask('unknown-option', `\`${name} -c\` sets ${shown([setting])}, which the policy does not know to be harmless.`),
        );
    } else if (arg.startsWith('--git-dir=') || arg.startsWith('--work-tree=')) {
      decision = stricter(decision, current.read(arg.slice(arg.indexOf('=') + 1), `\`${name} ${arg.split('=')[0] ?? ''}\``));
    } else if (arg === '--git-dir' || arg === '--work-tree') {
      decision = stricter(decision, current.read(args[index] ?? '.', `\`${name} ${arg}\``));
      index += 1;
    } else if (
      [
        '--no-pager',
        '--bare',
        '--no-replace-objects',
        '--literal-pathspecs',
        '--glob-pathspecs',
        '--noglob-pathspecs',
        '--icase-pathspecs',
        '--no-optional-locks',
        '--version',
      ].includes(arg)
    ) {
      continue;
    } else if (
      arg === '--exec-path' ||
      arg.startsWith('--exec-path=') ||
      arg === '-p' ||
      arg === '--paginate' ||
      arg.startsWith('--config-env')
    ) {
      decision = stricter(decision, ask('runs-command', `\`${name} ${arg}\` chooses a program that git runs.`));
    } else return stricter(decision, unknownOption(name, arg));
  }
  const verb = args[index];
  if (verb === undefined) return decision;
  const rest = args.slice(index + 1);
  const via = `\`${name} ${verb}\``;
  if (!gitReadOnly.has(verb))
    return stricter(
      decision,
      ask('unknown-subcommand', `${via} is not among the read-only git commands the policy runs at once.`),
    );
  const parsed = parseArgs(`${name} ${verb}`, gitSubcommandSpec, rest, current);
  decision = stricter(decision, parsed.decision);
  // Revisions and pathspecs read as paths resolve inside the cwd; real paths outside (git diff /a /b) ask.
  for (const operand of parsed.operands) decision = stricter(decision, current.read(operand, via));
  return decision;
};

const tarLetterTakesValue = new Set(['f', 'C', 'T', 'X', 'g', 'b', 'H', 'I', 'F', 'K', 'L', 'N', 'V']);
const tarSpec: ProgramSpec = {
  what: 'reads and writes archives',
  options: options({
    flag: '-c -x -t -r -u -A -d -v -z -j -J -a -k -m -p -O -h -S -W -B -i -l -U --create --extract --get --list --append --update --concatenate --diff --compare --delete --verbose --gzip --gunzip --ungzip --bzip2 --xz --lzma --lzip --zstd --auto-compress --keep-old-files --skip-old-files --keep-newer-files --overwrite --overwrite-dir --no-overwrite-dir --touch --preserve-permissions --same-permissions --same-owner --no-same-owner --no-same-permissions --to-stdout --dereference --sparse --verify --ignore-zeros --numeric-owner --no-recursion --recursion --wildcards --no-wildcards --anchored --no-anchored --one-file-system --show-transformed-names --force-local --exclude-vcs --exclude-vcs-ignores --exclude-caches --unlink-first --recursive-unlink --full-time --utc --ignore-failed-read --remove-files --delay-directory-restore --no-delay-directory-restore --null --no-null --verbatim-files-from --ignore-case',
    optional: '--checkpoint --totals --occurrence --warning --sort --exclude-backups',
    value:
      '-f --file -b -H -K -L -N -V -C --strip-components --exclude --transform --xform --owner --group --mode --mtime --format --blocking-factor --record-size --label --starting-file --newer --after-date --newer-mtime --tape-length --directory --pax-option --suffix --backup --quoting-style --hole-detection --level',
    read: '-T -X --files-from --exclude-from',
    write: '-g --listed-incremental --index-file --volno-file --one-top-level',
    exec: '-I -F --checkpoint-action --use-compress-program --to-command --rsh-command --info-script --new-volume-script --rmt-command',
    ask: '-P --absolute-names',
  }),
  why: { '-P': 'extracts to absolute paths, anywhere', '--absolute-names': 'extracts to absolute paths, anywhere' },
};

export const judgeTar: Judge = (name, args, scope) => {
  // Old-style `tar cvf archive files`: the first word's letters are options whose values follow in order.
  let words = [...args];
  const first = words[0];
  if (first !== undefined && /^[A-Za-z]+$/.test(first)) {
    const expanded: string[] = [];
    let next = 1;
    for (const letter of first) {
      expanded.push(`-${letter}`);
      if (tarLetterTakesValue.has(letter)) {
        expanded.push(words[next] ?? '');
        next += 1;
      }
    }
    words = [...expanded, ...words.slice(next)];
  }
  const fileOptions: string[] = [];
  const parsed = parseArgs(name, tarSpec, words, scope);
  let decision = parsed.decision;
  for (const [option, value] of parsed.values) if (option === '-f' || option === '--file') fileOptions.push(value ?? '');
  const creates = ['-c', '-r', '-u', '-A', '--create', '--append', '--update', '--concatenate', '--delete'].some((option) =>
    parsed.seen.has(option),
  );
  const extracts =
    ['-x', '--extract', '--get'].some((option) => parsed.seen.has(option)) &&
    !parsed.seen.has('-O') &&
    !parsed.seen.has('--to-stdout');
  const folders = parsed.values
    .filter(([option]) => option === '-C' || option === '--directory')
    .map(([, value]) => value ?? '.');
  let current = scope;
  for (const folder of folders) {
    decision = stricter(decision, extracts ? current.write(folder, `\`${name} -C\``) : current.read(folder, `\`${name} -C\``));
    current = current.withCwd(current.resolve(folder));
  }
  for (const file of fileOptions) {
    if (file === '-') continue;
    const colon = file.indexOf(':');
    if (colon > 0 && !file.slice(0, colon).includes('/') && !parsed.seen.has('--force-local'))
      decision = stricter(
        decision,
        ask('runs-command', `\`${name} -f ${file}\` names a remote archive, which tar reaches by running a remote shell.`),
      );
    else decision = stricter(decision, creates ? scope.write(file, `\`${name} -f\``) : scope.read(file, `\`${name} -f\``));
  }
  if (extracts && folders.length === 0) decision = stricter(decision, scope.write('.', `\`${name} -x\``));
  if (creates) {
    const removes = parsed.seen.has('--remove-files');
    for (const member of parsed.operands)
      decision = stricter(
        decision,
        removes ? current.write(member, `\`${name} --remove-files\``) : current.read(member, `\`${name}\``),
      );
  }
  return decision;
};

export const judgeDd: Judge = (name, args, scope) => {
  let decision: PolicyDecision = allow('table', '');
  for (const arg of args) {
    const equals = arg.indexOf('=');
    const key = equals === -1 ? arg : arg.slice(0, equals);
    const value = arg.slice(equals + 1);
    if (key === 'if') decision = stricter(decision, scope.read(value, `\`${name} if=\``));
    else if (key === 'of') decision = stricter(decision, scope.write(value, `\`${name} of=\``));
    else if (
      !['bs', 'ibs', 'obs', 'cbs', 'count', 'skip', 'seek', 'iseek', 'oseek', 'conv', 'iflag', 'oflag', 'status'].includes(key) ||
      equals === -1
    )
      decision = stricter(decision, unknownOption(name, arg));
  }
  return decision;
};

const rmSpec: ProgramSpec = {
  what: 'deletes files',
  options: options({
    flag: '-f -i -I -r -R -d -v --force --recursive --dir --verbose --one-file-system',
    optional: '--interactive --preserve-root',
    deny: '--no-preserve-root',
  }),
  why: { '--no-preserve-root': 'would let `rm -r /` delete everything' },
};

/** `/`, a top-level folder such as `/usr`, the home folder or anything above it. */
function isRootOrHome(target: string, home: string): boolean {
  if (target === '/' || path.dirname(target) === '/') return true;
  const relative = path.relative(target, home);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export const judgeRm: Judge = (name, args, scope) => {
  const parsed = parseArgs(name, rmSpec, args, scope);
  let decision = parsed.decision;
  const recursive = ['-r', '-R', '--recursive'].some((option) => parsed.seen.has(option));
  for (const operand of parsed.operands) {
    const target = scope.resolve(operand);
    if (recursive && isRootOrHome(target, scope.context.home))
      decision = stricter(
        decision,
        deny(
          'delete-root-or-home',
          `\`${name} -r ${operand}\` would delete ${target}: the root, a top-level folder or the home folder is never deleted.`,
        ),
      );
    else decision = stricter(decision, scope.write(operand, `\`${name}\``));
  }
  return decision;
};

const lnSpec: ProgramSpec = {
  what: 'makes links',
  options: options({
    flag: '-s -f -n -v -r -b -T -L -P -i --symbolic --force --no-dereference --verbose --relative --logical --physical --interactive --no-target-directory',
    optional: '--backup',
    value: '-S --suffix',
    write: '-t --target-directory',
  }),
};

export const judgeLn: Judge = (name, args, scope) => {
  const parsed = parseArgs(name, lnSpec, args, scope);
  let decision = parsed.decision;
  const symbolic = parsed.seen.has('-s') || parsed.seen.has('--symbolic');
  const hasTarget = parsed.seen.has('-t') || parsed.seen.has('--target-directory');
  const { operands } = parsed;
  const linkName = !hasTarget && operands.length > 1 ? operands[operands.length - 1] : undefined;
  const targets = linkName === undefined ? operands : operands.slice(0, -1);
  if (linkName !== undefined) decision = stricter(decision, scope.write(linkName, `\`${name}\``));
  // A hard link makes the file writable through the workspace, so its target counts as written.
  if (!symbolic) for (const target of targets) decision = stricter(decision, scope.write(target, `\`${name}\` (hard link)`));
  return decision;
};

function currentUser(): { name: string; uid: string } {
  try {
    const info = userInfo();
    return { name: info.username, uid: String(info.uid) };
  } catch {
    return { name: '', uid: '' };
  }
}
const me = currentUser();

const chownSpec: ProgramSpec = {
  what: 'changes owners',
  options: options({
    flag: '-c -f -v -R -h -H -L -P --changes --silent --quiet --verbose --recursive --no-dereference --dereference --preserve-root --no-preserve-root',
    value: '--from',
    read: '--reference',
  }),
};

export const judgeChown: Judge = (name, args, scope) => {
  const parsed = parseArgs(name, chownSpec, args, scope);
  let decision = parsed.decision;
  let files = parsed.operands;
  if (!parsed.seen.has('--reference')) {
    const owner = (files[0] ?? '').split(/[:.]/)[0] ?? '';
    files = files.slice(1);
    if (owner !== '' && owner !== me.name && owner !== me.uid)
      return deny(
        'privilege',
        `\`${name}\` would give files to ${owner}, another user; LocalBrain never changes ownership to others.`,
      );
  }
  for (const file of files) decision = stricter(decision, scope.write(file, `\`${name}\``));
  return decision;
};

const knownArchitectures =
  /^(i[3-6]86|x86_64|x86-64|linux32|linux64|aarch64|arm\w*|ppc\w*|s390x?|mips\w*|riscv\w*|sparc\w*|ia64|alpha|parisc\w*|loongarch\w*|uname26)$/;
const setarchSpec: ProgramSpec = {
  what: 'runs a command with another architecture',
  options: options({
    flag: '-v -R -F -Z -L -X -B -I -S -T -3 --verbose --addr-no-randomize --fdpic-funcptrs --mmap-page-zero --addr-compat-layout --read-implies-exec --32bit --short-inode --whole-seconds --sticky-timeouts --uname-2.6 --list',
  }),
  wrapper: { withoutCommand: 'without a command runs a shell' },
};

export const judgeSetarch: Judge = (name, args, scope) => {
  const rest = args[0] !== undefined && knownArchitectures.test(args[0]) ? args.slice(1) : args;
  return judgeByTable(name, setarchSpec, rest, scope);
};

const xargsSpec: ProgramSpec = {
  what: 'runs a command with arguments from its input',
  options: options({
    flag: '-0 -r -t -x -o --null --no-run-if-empty --verbose --exit --open-tty',
    optional: '-i -l -e --replace --max-lines --eof',
    value: '-d -E -I -L -n -P -s --delimiter --max-args --max-procs --max-chars --process-slot-var',
    ask: '-a --arg-file -p --interactive',
  }),
  why: {
    '-a': 'passes the contents of a file as arguments, which the policy cannot see',
    '--arg-file': 'passes the contents of a file as arguments, which the policy cannot see',
  },
  wrapper: {},
};

/** TerminalCommand's input is empty, so xargs runs its command with only the arguments given here. */
export const judgeXargs: Judge = (name, args, scope) => judgeByTable(name, xargsSpec, args.length === 0 ? ['echo'] : args, scope);

export const systemctlPowerVerbs = new Set([
  'poweroff',
  'reboot',
  'halt',
  'kexec',
  'suspend',
  'hibernate',
  'hybrid-sleep',
  'rescue',
  'emergency',
]);
