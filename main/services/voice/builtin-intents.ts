import type { MessageData } from '../../../shared/contract';
import type { SettingsPatch } from '../../../shared/contract/settings';

type FileOperationData = MessageData<'FileOperation'>;
import type { IntentDefinition, PlanDraft, PlanStepDraft } from './registry';
import type { ResolvedSlotPath } from './paths';
import type { CommandLine } from './slots';

/** A new terminal's size until the renderer fits it to its tab (it resizes on attach). */
const spawnCols = 80;
const spawnRows = 24;
/** Search hits a spoken search returns: a screenful to read or click, not a dump. */
const spokenSearchResults = 200;
/** Audit entries shown for "show the audit log": the latest page, as the Audit view shows. */
const spokenAuditEntries = 50;
/** Plugin sentences "help" adds to its own: a few to try, not a catalogue. */
const maxHelpPluginExamples = 5;

const open = '(open|start|launch|create|new|spawn)';
const terminal = '(terminal|shell|console|term)';
const terminalTail = '[(window|tab|session)]';
const inFolder = '(in|at|inside|into|from|under|within)';

function where(path: ResolvedSlotPath | undefined): string {
  return path === undefined || path.path === '.' ? 'the workspace' : path.path;
}

function cwdOf(folder: ResolvedSlotPath | undefined): { cwd?: string } {
  return folder === undefined || folder.path === '.' ? {} : { cwd: folder.path };
}

function joinPath(folder: string | undefined, name: string): string {
  if (folder === undefined || folder === '.' || folder === '') return name;
  return `${folder.replace(/\/+$/, '')}/${name}`;
}

function parentOf(path: string): string {
  const cut = path.replace(/\/+$/, '').lastIndexOf('/');
  return cut <= 0 ? '.' : path.slice(0, cut);
}

function baseName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() ?? path;
}

function shown(line: CommandLine): string {
  // JSON quoting shows exactly which words the program receives, spaces and semicolons included.
  const quote = (word: string) => (/^[\w@%+=:,./~-]+$/.test(word) ? word : JSON.stringify(word));
  return [line.cmd, ...line.args].map(quote).join(' ');
}

/** Programs that delete: a spoken plan always asks before running them, as it does for a delete. */
const deletingPrograms = new Set(['rm', 'rmdir', 'unlink', 'shred']);

/** One FileOperation step; `confirm` for the ones that always ask (deletes). */
function fileStep(op: FileOperationData['op'], path: string, describe: string, confirm = false): PlanStepDraft {
  return { message: { type: 'FileOperation', data: { op, path } }, describe, ...(confirm ? { confirm: true } : {}) };
}

function runStep(line: CommandLine, folder: ResolvedSlotPath | undefined): PlanStepDraft {
  const program = line.cmd.split('/').pop() ?? line.cmd;
  return {
    message: { type: 'TerminalCommand', data: { cmd: line.cmd, args: [...line.args], ...cwdOf(folder) } },
    describe: `Run ${shown(line)} in ${where(folder)} (no shell)`,
    ...(deletingPrograms.has(program) ? { confirm: true } : {}),
  };
}

function setting(values: SettingsPatch, say: string, describe: string): PlanDraft {
  return { steps: [{ message: { type: 'SettingsSet', data: { values } }, describe }], say };
}

/** The globs a spoken file name becomes: as said when it has wildcards, else anywhere in the name. */
function nameGlob(name: string): string {
  return /[*?[\]{}]/.test(name) ? name : `*${name}*`;
}

export const builtinIntents: readonly IntentDefinition[] = [
  {
    id: 'help',
    phrases: [
      'help [me]',
      'what can (you|i) (do|say)',
      '(show|list) [me] [all] commands',
      'commands',
      'how does [it] work',
      'what do i say',
    ],
    examples: ['help', 'what can you do'],
    build: (_slots, context) => {
      const fromPlugins = (context.pluginExamples?.() ?? []).slice(0, maxHelpPluginExamples);
      const plugins = fromPlugins.length === 0 ? '' : ` From plugins: ${fromPlugins.map((text) => `"${text}"`).join(', ')}.`;
      return {
        steps: [],
        say: `Try "open a terminal in src", "show me the readme", "find TODO in src", "run git status" or "switch to the light theme".${plugins}`,
      };
    },
  },
  {
    id: 'open_terminal',
    phrases: [
      `${open} [new] ${terminal} ${terminalTail} [${inFolder} {folder}]`,
      `${inFolder} {folder} ${open} [new] ${terminal} ${terminalTail}`,
      `(give|get) me [new] ${terminal} [${inFolder} {folder}]`,
      `[new] ${terminal} ${inFolder} {folder}`,
      `new ${terminal} ${terminalTail}`,
    ],
    slots: { folder: 'folder' },
    examples: ['open a terminal', 'open a terminal in src', 'in docs open a shell'],
    build(slots) {
      const folder = slots.optionalPath('folder');
      return {
        steps: [
          {
            message: { type: 'PtySpawn', data: { cols: spawnCols, rows: spawnRows, ...cwdOf(folder) } },
            describe: `Open a terminal in ${where(folder)}`,
          },
        ],
        say: folder ? `Opening a terminal in ${where(folder)}.` : 'Opening a terminal.',
        show: { view: 'terminals' },
      };
    },
  },
  {
    id: 'close_terminal',
    phrases: [
      `(close|kill|exit|quit|end|stop) [current|last] ${terminal} ${terminalTail} [number] [{n}]`,
      `(close|kill) ${terminal} number {n}`,
    ],
    slots: { n: 'number' },
    examples: ['close the terminal', 'close terminal 2'],
    async build(slots, context) {
      const sessions = [...(await context.sessions())].sort((a, b) => a.createdAt - b.createdAt);
      const n = slots.optionalNumber('n');
      const session = n === undefined ? sessions.at(-1) : sessions[n - 1];
      if (!session) {
        return { steps: [], say: n === undefined ? 'There is no terminal to close.' : `There is no terminal ${n}.` };
      }
      const label = n === undefined ? 'the last terminal' : `terminal ${n}`;
      return {
        steps: [
          {
            message: { type: 'PtyAttach', data: { sessionId: session.sessionId } },
            describe: `Take over ${label} (${session.cwd})`,
          },
          { message: { type: 'PtyKill', data: { sessionId: session.sessionId } }, describe: `Close ${label}` },
        ],
        say: `Closing ${label}.`,
        show: { view: 'terminals' },
      };
    },
  },
  {
    id: 'switch_terminal',
    phrases: [
      `(switch|go|change|jump) to ${terminal} [number] {n}`,
      `(show|focus|select) ${terminal} [number] {n}`,
      `(switch|go) to ${terminal}s`,
      '(show|open) [me] (terminals|shells)',
    ],
    slots: { n: 'number' },
    examples: ['switch to terminal 2', 'show terminals'],
    async build(slots, context) {
      const n = slots.optionalNumber('n');
      if (n === undefined) return { steps: [], say: 'Here are your terminals.', show: { view: 'terminals' } };
      const sessions = [...(await context.sessions())].sort((a, b) => a.createdAt - b.createdAt);
      const session = sessions[n - 1];
      if (!session) return { steps: [], say: `There is no terminal ${n}.`, show: { view: 'terminals' } };
      return { steps: [], say: `Switching to terminal ${n}.`, show: { view: 'terminals', sessionId: session.sessionId } };
    },
  },
  {
    id: 'run_command',
    phrases: [
      '(run|execute|exec) [command] {command}',
      `${inFolder} {folder!} [,] (run|execute|exec) [command] {command}`,
      `(run|execute|exec) [command] {command} ${inFolder} {folder!}`,
    ],
    slots: { command: 'command', folder: 'folder' },
    examples: ['run git status', 'in docs, run ls', 'run npm test'],
    build(slots) {
      const line = slots.command('command');
      const folder = slots.optionalPath('folder');
      return { steps: [runStep(line, folder)], say: `Running ${line.cmd}.`, show: { view: 'command' } };
    },
  },
  {
    id: 'run_program',
    // "git status" said on its own; lowest priority so any other reading wins.
    phrases: ['{command}'],
    slots: { command: 'program' },
    priority: -10,
    examples: ['git status'],
    build(slots) {
      const line = slots.command('command');
      return { steps: [runStep(line, undefined)], say: `Running ${line.cmd}.`, show: { view: 'command' } };
    },
  },
  {
    id: 'list_files',
    phrases: [
      `(list|show|display|ls) [me] [all] [the] files [${inFolder} {folder}]`,
      `(list|ls) {folder}`,
      '(list|show|display) [me] (contents|content) of {folder}',
      "(list|show) [me] [what is|what's|whats] (in|inside) {folder}",
      "(what is|what's|whats) (in|inside) {folder}",
      '(show|open|browse) [me] {folder!}',
      '(what|which) files are (here|there|in workspace)',
      '(list|show|display) [me] [the] (workspace|folder|directory)',
      `${inFolder} {folder!} (list|show) [me] [all] files`,
    ],
    slots: { folder: 'folder' },
    examples: ['list the files', 'list the files in docs', "what's in src"],
    build(slots) {
      const folder = slots.optionalPath('folder');
      const path = folder?.path ?? '.';
      return {
        steps: [fileStep({ kind: 'list' }, path, `List ${where(folder)}`)],
        // Shown in place as a clickable list; clicking a file opens it in the viewer.
        say: `Here is what is in ${where(folder)}.`,
      };
    },
  },
  {
    id: 'read_file',
    phrases: [
      '(open|show|read|display|view|cat|print) [me] [file] {file}',
      `(open|show|read|display|view) [me] {file} ${inFolder} {folder!}`,
      '(show|read|display|print) [me] (contents|content|text) of {file}',
      "(what is|what's|whats) in {file}",
    ],
    slots: { file: 'file', folder: 'folder' },
    examples: ['show me the readme', 'read package.json'],
    build(slots) {
      const { path } = slots.path('file');
      return {
        steps: [fileStep({ kind: 'read' }, path, `Read ${path}`)],
        say: `Here is ${baseName(path)}.`,
        show: { view: 'files', path },
      };
    },
  },
  {
    id: 'search_text',
    phrases: [
      '(search|look|grep) [for] [text|word|string] {text}',
      `(search|look|grep) [for] [text|word|string] {text} ${inFolder} {folder!}`,
      `(search|look) ${inFolder} {folder!} for {text}`,
      `find [text|word|string] {text} ${inFolder} {folder!}`,
      '(find|search) (text|word|string) {text}',
      '(search|grep) [files|code] for {text}',
      `${inFolder} {folder!} (search|look) for {text}`,
      `${inFolder} {folder!} find {text}`,
      '(which|what) files (contain|mention|have) {text}',
    ],
    slots: { folder: 'folder' },
    examples: ['find TODO in src', 'search for hello', 'which files contain TODO'],
    build(slots, context) {
      const text = slots.text('text');
      const folder = slots.optionalPath('folder');
      const path = folder?.path ?? '.';
      return {
        steps: [
          fileStep(
            { kind: 'search', searchId: context.nextId('search'), query: { text }, maxResults: spokenSearchResults },
            path,
            `Search for "${text}" in ${where(folder)}`,
          ),
        ],
        say: `Searching ${where(folder)} for ${text}.`,
      };
    },
  },
  {
    id: 'search_names',
    phrases: [
      `(find|locate|search) [for] (files|file) (named|called|matching|like) {name} [${inFolder} {folder!}]`,
      '(where is|where are|where s) {name}',
      '(find|locate) {name}',
    ],
    slots: { name: 'name', folder: 'folder' },
    priority: -1,
    examples: ['find files named *.md', 'where is the readme'],
    build(slots, context) {
      const name = slots.text('name');
      const folder = slots.optionalPath('folder');
      const path = folder?.path ?? '.';
      return {
        steps: [
          fileStep(
            {
              kind: 'search',
              searchId: context.nextId('names'),
              query: { names: nameGlob(name) },
              maxResults: spokenSearchResults,
            },
            path,
            `Find files named ${nameGlob(name)} in ${where(folder)}`,
          ),
        ],
        say: `Looking for ${name} in ${where(folder)}.`,
      };
    },
  },
  {
    id: 'create_file',
    phrases: [
      `(create|make|add|new|touch) [new|empty] file [(called|named)] {name} [${inFolder} {folder}] [(with|containing|saying|that says) [text|content|contents|words] {content}]`,
      `${inFolder} {folder} (create|make|add) [new|empty] file [(called|named)] {name} [(with|containing|saying|that says) [text|content|contents|words] {content}]`,
    ],
    slots: { name: 'name', folder: 'folder', content: 'text' },
    examples: ['create a file called hello.txt in notes', 'create a file called todo.md with buy milk'],
    build(slots) {
      const name = slots.text('name');
      const folder = slots.optionalPath('folder');
      const content = slots.optionalText('content');
      const path = joinPath(folder?.path, name);
      const steps: PlanStepDraft[] = [];
      if (folder?.kind === 'unknown') {
        steps.push(fileStep({ kind: 'mkdir' }, folder.path, `Create the folder ${folder.path}`));
      }
      steps.push(
        fileStep(
          { kind: 'write', content: content === undefined ? '' : `${content}\n`, createOnly: true },
          path,
          content === undefined ? `Create the empty file ${path}` : `Create ${path} with the text "${content}"`,
        ),
      );
      return { steps, say: `Created ${path}.`, show: { view: 'files', path } };
    },
  },
  {
    id: 'create_folder',
    phrases: [
      `(create|make|add|new) [new|empty] (folder|directory|dir) [(called|named)] {name} [${inFolder} {folder}]`,
      `${inFolder} {folder} (create|make|add) [new|empty] (folder|directory|dir) [(called|named)] {name}`,
    ],
    slots: { name: 'name', folder: 'folder' },
    examples: ['create a folder called notes', 'make a directory named drafts in docs'],
    build(slots) {
      const path = joinPath(slots.optionalPath('folder')?.path, slots.text('name'));
      return {
        steps: [fileStep({ kind: 'mkdir' }, path, `Create the folder ${path}`)],
        say: `Created the folder ${path}.`,
        show: { view: 'files', path },
      };
    },
  },
  {
    id: 'rename',
    phrases: ['rename {path} (to|as) {name}', '(change|rename) name of {path} to {name}', 'call {path} {name} instead'],
    slots: { path: 'path', name: 'name' },
    examples: ['rename notes.txt to ideas.txt'],
    build(slots) {
      const from = slots.path('path').path;
      const to = joinPath(parentOf(from), slots.text('name'));
      return {
        steps: [fileStep({ kind: 'rename', to }, from, `Rename ${from} to ${to}`)],
        say: `Renamed ${baseName(from)} to ${baseName(to)}.`,
      };
    },
  },
  {
    id: 'move',
    phrases: ['move {path} (to|into|in|under|inside) {destination}'],
    slots: { path: 'path', destination: 'folder' },
    examples: ['move notes.txt into docs'],
    build(slots) {
      const from = slots.path('path').path;
      const destination = slots.path('destination');
      const to = destination.kind === 'directory' ? joinPath(destination.path, baseName(from)) : destination.path;
      return {
        steps: [fileStep({ kind: 'rename', to }, from, `Move ${from} to ${to}`)],
        say: `Moved ${baseName(from)} to ${to}.`,
      };
    },
  },
  {
    id: 'delete',
    phrases: [
      '(delete|remove|trash|erase|del) {path}',
      '(get rid of|throw away|throw out) {path}',
      '(move|put|send|throw) {path} (to|in|into) (trash|bin|recycle bin|wastebasket)',
    ],
    slots: { path: 'path' },
    priority: 1,
    examples: ['delete notes.txt', 'move old.txt to the trash'],
    build(slots) {
      const { path } = slots.path('path');
      return {
        steps: [fileStep({ kind: 'delete' }, path, `Move ${path} to the trash`, true)],
        say: `Delete ${path}? It goes to the trash.`,
      };
    },
  },
  {
    id: 'audit_show',
    phrases: [
      '(show|open|view|display|list) [me] audit [log|logs|trail|entries|history]',
      'what happened [recently|lately]',
      'audit [log|logs|trail]',
      '(show|view) [me] (log|logs|activity)',
    ],
    examples: ['show the audit log', 'what happened recently'],
    build: () => ({
      steps: [
        {
          message: { type: 'AuditQuery', data: { limit: spokenAuditEntries } },
          describe: `Read the latest ${spokenAuditEntries} audit entries`,
        },
      ],
      say: 'Here is the audit log.',
      show: { view: 'audit' },
    }),
  },
  {
    id: 'audit_verify',
    phrases: [
      '(verify|check|validate|test) [audit] (log|logs|chain|trail|integrity)',
      '(verify|check|validate) audit',
      'is [audit] (log|chain) (intact|ok|okay|valid)',
    ],
    priority: 1,
    examples: ['verify the audit log'],
    build: () => ({
      steps: [{ message: { type: 'AuditVerify', data: {} }, describe: 'Verify the audit chain' }],
      say: 'Verifying the audit log.',
      show: { view: 'audit' },
    }),
  },
  {
    id: 'health',
    phrases: [
      '(show|open|check|view|display) [me] [app|system] (health|status|diagnostics) [report]',
      '[app|system] health [report|check]',
      'how (are|is) (you|things|everything|it) [doing|going]',
    ],
    examples: ['show health', 'how are you doing'],
    build: () => ({
      steps: [{ message: { type: 'HealthReport', data: {} }, describe: 'Read the health report' }],
      say: 'Here is how LocalBrain is doing.',
      show: { view: 'health' },
    }),
  },
  {
    id: 'set_theme',
    phrases: [
      '(switch|change|go|set) [it] to {theme=light|dark|system} [(theme|mode|colors|colours)]',
      '(use|enable|turn on|activate|pick|choose) {theme=light|dark|system} (theme|mode)',
      '(set|change|switch) [colour|color] (theme|mode|appearance) to {theme=light|dark|system}',
      '{theme=light|dark|system} (theme|mode) [please]',
      '(make it|go) {theme=light|dark}',
    ],
    examples: ['switch to the light theme', 'use dark mode'],
    build(slots) {
      const theme = slots.text('theme') as 'light' | 'dark' | 'system';
      return setting({ 'appearance.theme': theme }, `Switched to the ${theme} theme.`, `Set the theme to ${theme}`);
    },
  },
  {
    id: 'set_font_size',
    phrases: [
      '(set|change|make) [terminal] font [size] [to] {size}',
      '[terminal] font size {size}',
      '(set|change|make) [terminal] (text|font) size [to] {size}',
      '(use|pick) [size] {size} font',
    ],
    slots: { size: 'number' },
    examples: ['set the terminal font size to 16'],
    build(slots) {
      const size = slots.number('size');
      return setting(
        { 'terminal.fontSize': size },
        `Terminal font size set to ${size}.`,
        `Set the terminal font size to ${size}`,
      );
    },
  },
  {
    id: 'set_hidden_files',
    phrases: ['{show=show|hide|display|reveal} hidden files', '(turn|switch) {show=on|off} hidden files'],
    examples: ['show hidden files', 'hide hidden files'],
    build(slots) {
      const show = ['show', 'display', 'reveal', 'on'].includes(slots.text('show'));
      return setting(
        { 'files.showHidden': show },
        show ? 'Hidden files are shown.' : 'Hidden files are hidden.',
        `${show ? 'Show' : 'Hide'} hidden files`,
      );
    },
  },
  {
    id: 'set_scrollback',
    phrases: [
      '(set|change) [terminal] scrollback [to] {lines} [lines]',
      'keep {lines} lines [of] [terminal] [scrollback|history]',
    ],
    slots: { lines: 'number' },
    examples: ['set scrollback to 10000 lines'],
    build(slots) {
      const lines = slots.number('lines');
      return setting(
        { 'terminal.scrollback': lines },
        `Terminals keep ${lines} lines.`,
        `Set the terminal scrollback to ${lines} lines`,
      );
    },
  },
  {
    id: 'set_audit_retention',
    phrases: ['(keep|retain) audit [log|entries|history] [for] {days} days', '(set|change) [audit] retention [to] {days} [days]'],
    slots: { days: 'number' },
    examples: ['keep audit log for 90 days'],
    build(slots) {
      const days = slots.number('days');
      return setting(
        { 'audit.retentionDays': days },
        `Audit entries are kept for ${days} days.`,
        `Keep audit entries for ${days} days`,
      );
    },
  },
];
