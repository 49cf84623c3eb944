import { ask, deny, stricter } from './decision';
import { judgeByTable, options, parseArgs, unknownOption, type ProgramSpec } from './grammar';
import {
  judgeAwk,
  judgeChown,
  judgeDd,
  judgeEnv,
  judgeFind,
  judgeGit,
  judgeLn,
  judgeRm,
  judgeSed,
  judgeSetarch,
  judgeTar,
  judgeXargs,
  systemctlPowerVerbs,
} from './judges';

/**
 * The table of programs the TerminalCommand policy knows, one entry per program. A program
 * that is not here asks; an option that is not in its entry asks. To add a program, add an
 * entry (see docs/security.md, "TerminalCommand policy"): list every option you allow and
 * say what its value is (`read`/`write` path, `exec` command line, `code`, plain `value`),
 * and what the operands are. Keep `exec`/`code` options in the table: listing them turns an
 * "unknown option" into a precise reason.
 */

const privilege = 'changes user, gains privileges or changes the system; LocalBrain never runs it';
const shellReason = 'runs a shell, whose commands the policy cannot check';
const interpreterReason = 'runs a program in another language, which the policy does not read';

const privileged = (what: string): ProgramSpec => ({ what, deny: privilege });
const shell: ProgramSpec = { what: 'is a shell', ask: shellReason, exact: [['--version']] };
const interpreter: ProgramSpec = {
  what: 'is an interpreter',
  ask: interpreterReason,
  exact: [['--version'], ['-V'], ['-v'], ['version']],
};
const interactive = (what: string, reason: string): ProgramSpec => ({ what, ask: reason, exact: [['--version']] });
const textOnly = (what: string): ProgramSpec => ({ what, anyArguments: true });

const grepOptions = options({
  flag: '-E -F -G -P -i -y -v -w -x -c -L -l -o -q -s -b -H -h -n -T -Z -z -a -I -r -R -U --extended-regexp --fixed-strings --basic-regexp --perl-regexp --ignore-case --no-ignore-case --invert-match --word-regexp --line-regexp --count --files-without-match --files-with-matches --only-matching --quiet --silent --no-messages --byte-offset --with-filename --no-filename --line-number --initial-tab --null --null-data --text --recursive --dereference-recursive --line-buffered --binary',
  optional: '--color --colour',
  value:
    '-e -m -A -B -C -D -d --regexp --max-count --after-context --before-context --context --label --binary-files --devices --directories --exclude --exclude-dir --include',
  read: '-f --file --exclude-from',
});

const headTail = options({
  flag: '-q -v -z -f -F --quiet --silent --verbose --zero-terminated --retry',
  optional: '--follow',
  value: '-n -c -s --lines --bytes --sleep-interval --pid --max-unchanged-stats',
});

const sortOptions = options({
  flag: '-b -d -f -g -h -i -M -n -R -r -V -c -C -m -s -u -z --ignore-leading-blanks --dictionary-order --ignore-case --general-numeric-sort --human-numeric-sort --ignore-nonprinting --month-sort --numeric-sort --random-sort --reverse --version-sort --check --merge --stable --unique --zero-terminated --debug',
  optional: '--sort',
  value: '-k -t -S --key --field-separator --buffer-size --parallel --batch-size',
  read: '--files0-from --random-source',
  write: '-o --output -T --temporary-directory',
  exec: '--compress-program',
});

const copyOptions = options({
  flag: '-a -b -d -f -i -H -l -L -n -P -p -R -r -s -u -v -x -T --archive --attributes-only --force --interactive --link --dereference --no-clobber --no-dereference --parents --recursive --remove-destination --symbolic-link --one-file-system --no-target-directory --verbose --strip-trailing-slashes --debug',
  optional: '--backup --preserve --reflink --sparse --update',
  value: '-S --suffix --no-preserve',
  write: '-t --target-directory',
});

/** `perf stat`, `perf record` and `perf trace` run a command given after their options. */
const perfStat: ProgramSpec = {
  what: 'counts events of a command',
  options: options({
    flag: '-a -d -v -x -A -B -q --all-cpus --detailed --verbose --no-big-num',
    value: '-e -r -x -G -I --event --repeat --field-separator --interval-print',
    write: '-o --output',
    ask: '-p -t --pid --tid',
  }),
  wrapper: {},
};
const perfRecord: ProgramSpec = {
  what: 'records a profile of a command',
  options: options({
    flag: '-a -g -q -v --all-cpus --quiet',
    value: '-e -F -c --event --freq --count --call-graph',
    write: '-o --output',
    ask: '-p -t --pid --tid',
  }),
  wrapper: {},
};
const perfTrace: ProgramSpec = {
  what: 'traces a command',
  options: options({ flag: '-s -v --summary', value: '-e --event', write: '-o --output', ask: '-p -t --pid --tid' }),
  wrapper: {},
};

const gitReadOnlyNote = 'reads the repository';

export const programs: Readonly<Record<string, ProgramSpec>> = {
  // Privilege, machine and disk: refused whatever the arguments.
  sudo: privileged('runs a command as another user'),
  sudoedit: privileged('edits as another user'),
  su: privileged('switches user'),
  doas: privileged('runs a command as another user'),
  pkexec: privileged('runs a command as another user'),
  runuser: privileged('runs a command as another user'),
  setpriv: privileged('changes privileges'),
  sg: privileged('runs a command as another group'),
  newgrp: privileged('switches group'),
  machinectl: privileged('manages machines'),
  chroot: privileged('changes the root folder'),
  nsenter: privileged('enters namespaces'),
  unshare: privileged('creates namespaces'),
  capsh: privileged('changes capabilities'),
  setcap: privileged('changes capabilities'),
  passwd: privileged('changes passwords'),
  mount: privileged('mounts file systems'),
  umount: privileged('unmounts file systems'),
  losetup: privileged('sets up loop devices'),
  cryptsetup: privileged('sets up encrypted disks'),
  dmsetup: privileged('sets up device mapper'),
  debugfs: privileged('edits file systems raw'),
  swapon: privileged('enables swap'),
  swapoff: privileged('disables swap'),
  insmod: privileged('loads kernel modules'),
  rmmod: privileged('unloads kernel modules'),
  modprobe: privileged('loads kernel modules'),
  sysctl: privileged('changes kernel settings'),
  agetty: privileged('starts a login'),
  shutdown: privileged('stops the machine'),
  reboot: privileged('restarts the machine'),
  halt: privileged('stops the machine'),
  poweroff: privileged('stops the machine'),
  telinit: privileged('changes the run level'),
  init: privileged('changes the run level'),
  kexec: privileged('boots another kernel'),
  mkfs: privileged('formats disks'),
  mke2fs: privileged('formats disks'),
  mkswap: privileged('formats swap'),
  wipefs: privileged('wipes disks'),
  fdisk: privileged('repartitions disks'),
  sfdisk: privileged('repartitions disks'),
  cfdisk: privileged('repartitions disks'),
  gdisk: privileged('repartitions disks'),
  sgdisk: privileged('repartitions disks'),
  parted: privileged('repartitions disks'),
  blkdiscard: privileged('discards disk blocks'),

  // Shells, interpreters, editors, debuggers, build tools: they run code the policy cannot read.
  sh: shell,
  bash: shell,
  dash: shell,
  zsh: shell,
  ksh: shell,
  mksh: shell,
  fish: shell,
  csh: shell,
  tcsh: shell,
  rbash: shell,
  busybox: { what: 'runs many programs', ask: 'runs any of many built-in programs, including a shell' },
  python: interpreter,
  python3: interpreter,
  perl: interpreter,
  ruby: interpreter,
  node: interpreter,
  php: interpreter,
  lua: interpreter,
  tclsh: interpreter,
  wish: interpreter,
  jrunscript: interpreter,
  jshell: interpreter,
  java: { ...interpreter, exact: [['--version'], ['-version']] },
  Rscript: interpreter,
  R: interpreter,
  osascript: interpreter,
  vim: interactive('is an editor', 'is an editor that runs commands (`:!`, `-c`)'),
  vi: interactive('is an editor', 'is an editor that runs commands (`:!`, `-c`)'),
  view: interactive('is an editor', 'is an editor that runs commands (`:!`, `-c`)'),
  vimdiff: interactive('is an editor', 'is an editor that runs commands (`:!`, `-c`)'),
  rvim: interactive('is an editor', 'is an editor that runs commands'),
  rview: interactive('is an editor', 'is an editor that runs commands'),
  nvim: interactive('is an editor', 'is an editor that runs commands (`:!`, `-c`)'),
  ex: interactive('is an editor', 'is an editor that runs commands (`:!`, `-c`)'),
  ed: interactive('is an editor', 'is an editor that runs commands (`!`) and writes files'),
  red: interactive('is an editor', 'is an editor that writes files'),
  emacs: interactive('is an editor', 'is an editor that runs code'),
  nano: interactive('is an editor', 'is an editor that writes files'),
  less: interactive('is a pager', 'is a pager that runs commands (`!`, LESSOPEN)'),
  more: interactive('is a pager', 'is a pager that runs commands (`!`)'),
  man: interactive('shows manuals', 'runs a pager and formatters chosen by options (`-H`, `-P`)'),
  gdb: interactive('is a debugger', 'is a debugger that runs commands (`-ex !…`, `shell`)'),
  lldb: interactive('is a debugger', 'is a debugger that runs commands'),
  sqlite3: interactive('is a database shell', 'runs dot-commands such as `.shell` and `.output FILE`'),
  psql: interactive('is a database shell', 'runs `\\!` commands'),
  make: interactive('runs build rules', 'runs the commands of a Makefile and `--eval` text'),
  cmake: interactive('configures builds', 'runs build scripts'),
  gcc: interactive('compiles', 'runs compiler passes chosen by options (`-wrapper`) and writes files'),
  cc: interactive('compiles', 'runs compiler passes chosen by options and writes files'),
  'g++': interactive('compiles', 'runs compiler passes chosen by options and writes files'),
  clang: interactive('compiles', 'runs compiler passes chosen by options and writes files'),
  script: interactive('records a terminal', 'runs a shell and writes a typescript file'),
  tmux: interactive('multiplexes terminals', 'runs a shell and commands'),
  screen: interactive('multiplexes terminals', 'runs a shell and commands'),
  ssh: interactive(
    'connects to another machine',
    'connects to another machine, and `-o ProxyCommand`/`LocalCommand` run commands here',
  ),
  scp: interactive('copies between machines', 'connects to another machine, and `-o ProxyCommand`/`-S` run commands here'),
  sftp: interactive('copies between machines', 'connects to another machine, and `-o ProxyCommand`/`-S` run commands here'),
  'ssh-agent': interactive('holds keys', 'runs the command it is given'),
  docker: interactive('runs containers', 'runs containers that can mount the whole machine'),
  podman: interactive('runs containers', 'runs containers that can mount the whole machine'),
  kubectl: interactive('manages clusters', 'acts on remote clusters'),
  systemctl: {
    what: 'manages services',
    judge: (name, args) =>
      args.some((arg) => systemctlPowerVerbs.has(arg))
        ? deny('privilege', `\`${name}\` would stop or restart the machine.`)
        : ask('asks', `\`${name}\` starts, stops and changes services.`),
  },
  'systemd-run': interactive('starts units', 'starts a program as a service, outside LocalBrain'),
  'start-stop-daemon': interactive('starts daemons', 'starts a program as a daemon, outside LocalBrain'),
  service: interactive('manages services', 'starts and stops services'),
  watch: interactive('repeats a command', 'runs a command line through a shell, repeatedly'),
  perl5: interpreter,
  npm: interactive('manages packages', 'runs package scripts and installs packages'),
  npx: interactive('runs packages', 'downloads and runs package code'),
  pnpm: interactive('manages packages', 'runs package scripts and installs packages'),
  yarn: interactive('manages packages', 'runs package scripts and installs packages'),
  pip: interactive('manages packages', 'installs packages and runs their build code'),
  pip3: interactive('manages packages', 'installs packages and runs their build code'),
  cargo: interactive('builds Rust', 'runs build scripts and installs packages'),
  go: { what: 'builds Go', ask: 'runs build steps and installs packages', exact: [['version']] },
  apt: interactive('manages system packages', 'installs or removes software for the whole machine'),
  'apt-get': interactive('manages system packages', 'installs or removes software for the whole machine'),
  dpkg: interactive('manages system packages', 'installs or removes software for the whole machine'),
  snap: interactive('manages system packages', 'installs or removes software for the whole machine'),
  flatpak: interactive('manages system packages', 'installs or removes software for the whole machine'),
  brew: interactive('manages system packages', 'installs or removes software for the whole machine'),

  // Wrappers: the command they run is judged by this table.
  env: { what: 'sets the environment of a command', judge: judgeEnv },
  nice: {
    what: 'runs a command at another priority',
    options: options({ value: '-n --adjustment' }),
    numeric: true,
    wrapper: {},
  },
  nohup: { what: 'runs a command immune to hangups', wrapper: {} },
  timeout: {
    what: 'runs a command with a time limit',
    options: options({ flag: '-v -f --verbose --foreground --preserve-status', value: '-s -k --signal --kill-after' }),
    wrapper: { leading: ['text'] },
  },
  time: {
    what: 'times a command',
    options: options({
      flag: '-p -a -v -q --portability --append --verbose --quiet',
      value: '-f --format',
      write: '-o --output',
    }),
    wrapper: {},
  },
  stdbuf: {
    what: 'runs a command with other stream buffering',
    options: options({ value: '-i -o -e --input --output --error' }),
    wrapper: {},
  },
  taskset: {
    what: 'runs a command on chosen CPUs',
    options: options({ flag: '-a -c --all-tasks --cpu-list', ask: '-p --pid' }),
    why: { '-p': 'changes another process', '--pid': 'changes another process' },
    wrapper: { leading: ['text'] },
  },
  chrt: {
    what: 'runs a command with a scheduling policy',
    options: options({
      flag: '-b -d -f -i -o -r -R -v -m --batch --deadline --fifo --idle --other --rr --reset-on-fork --verbose --max',
      value: '-T -P -D --sched-runtime --sched-period --sched-deadline',
      ask: '-p -a --pid --all-tasks',
    }),
    why: { '-p': 'changes another process', '--pid': 'changes another process' },
    wrapper: { leading: ['text'] },
  },
  ionice: {
    what: 'runs a command with an I/O priority',
    options: options({ flag: '-t --ignore', value: '-c -n --class --classdata', ask: '-p -P -u --pid --pgid --uid' }),
    why: { '-p': 'changes another process', '--pid': 'changes another process' },
    wrapper: {},
  },
  choom: {
    what: 'runs a command with an OOM score',
    options: options({ value: '-n --adjust', ask: '-p --pid' }),
    wrapper: {},
  },
  setsid: { what: 'runs a command in a new session', options: options({ flag: '-c -f -w --ctty --fork --wait' }), wrapper: {} },
  logsave: {
    what: 'runs a command and saves its output',
    options: options({ flag: '-a -s -v' }),
    wrapper: { leading: ['write'] },
  },
  flock: {
    what: 'runs a command holding a lock file',
    options: options({
      flag: '-s -x -e -u -n -o -F --shared --exclusive --unlock --nonblock --no-fork --close --verbose',
      value: '-w -E --timeout --conflict-exit-code',
      exec: '-c --command',
    }),
    wrapper: { leading: ['write'] },
  },
  strace: {
    what: 'traces a command',
    options: options({
      flag: '-f -F -c -C -T -t -r -v -x -y -q -w -z -Z -k -i -n -d -D --follow-forks --summary-only --summary',
      value: '-s -e -a -O -S -P -I -X -U -b --string-limit --expr --trace --signal --status --trace-path',
      write: '-o --output',
      ask: '-p -u -E --attach --user --env',
    }),
    why: {
      '-p': 'attaches to another process',
      '-u': 'runs the command as another user',
      '-E': 'sets the environment of the command',
    },
    wrapper: {},
  },
  ltrace: {
    what: 'traces a command',
    options: options({ flag: '-f -c -C -i -r -S -t -T', value: '-e -s -n -a', write: '-o --output', ask: '-p -u' }),
    wrapper: {},
  },
  valgrind: {
    what: 'checks a command',
    options: options({
      flag: '-q -v --quiet --verbose --version',
      optional:
        '--tool --leak-check --show-leak-kinds --track-origins --trace-children --error-exitcode --num-callers --show-reachable --track-fds --errors-for-leak-kinds',
      write: '--log-file --xml-file',
      read: '--suppressions',
      ask: '--db-command --db-attach --vgdb-prefix --log-socket --gen-suppressions --xml-socket',
    }),
    why: { '--db-command': 'runs a debugger command line' },
    wrapper: {},
  },
  perf: {
    what: 'profiles a command',
    judge: (name, args, scope) => {
      const [verb, ...rest] = args;
      const spec = verb === 'stat' ? perfStat : verb === 'record' ? perfRecord : verb === 'trace' ? perfTrace : undefined;
      if (spec) return judgeByTable(`${name} ${verb ?? ''}`, spec, rest, scope);
      return {
        verdict: 'ask',
        rule: 'unknown-option',
        reason: `\`${name}\` ${verb === undefined ? 'without a subcommand' : `\`${verb}\``} is not in the policy's table.`,
      };
    },
  },
  setarch: { what: 'runs a command with another architecture', judge: judgeSetarch },
  xargs: { what: 'runs a command with arguments from its input', judge: judgeXargs },

  // Programs with a grammar of their own.
  find: { what: 'lists files', judge: judgeFind },
  sed: { what: 'edits text', judge: judgeSed },
  awk: { what: 'processes text', judge: judgeAwk },
  gawk: { what: 'processes text', judge: judgeAwk },
  mawk: { what: 'processes text', judge: judgeAwk },
  nawk: { what: 'processes text', judge: judgeAwk },
  git: { what: gitReadOnlyNote, judge: judgeGit },
  tar: { what: 'reads and writes archives', judge: judgeTar },
  dd: { what: 'copies bytes', judge: judgeDd },
  rm: { what: 'deletes files', judge: judgeRm },
  ln: { what: 'makes links', judge: judgeLn },
  chown: { what: 'changes owners', judge: judgeChown },

  // Everyday programs that only read.
  ls: {
    what: 'lists folders',
    options: options({
      flag: '-a -A -b -B -c -C -d -f -F -g -G -h -H -i -k -l -L -m -n -N -o -p -q -Q -r -R -s -S -t -u -U -v -x -X -Z -1 --all --almost-all --escape --ignore-backups --directory --classify --file-type --no-group --human-readable --si --dereference-command-line --dereference-command-line-symlink-to-dir --dereference --inode --kibibytes --numeric-uid-gid --literal --hide-control-chars --show-control-chars --quote-name --reverse --recursive --size --group-directories-first --full-time --author --context --zero',
      optional: '--color --colour --hyperlink --indicator-style',
      value: '-I -T -w --ignore --hide --tabsize --width --sort --time --time-style --format --block-size --quoting-style',
    }),
  },
  dir: { what: 'lists folders', options: options({ flag: '-a -l -h -R -1' }) },
  cat: {
    what: 'prints files',
    options: options({
      flag: '-A -b -e -E -n -s -t -T -u -v --show-all --number-nonblank --number --squeeze-blank --show-ends --show-tabs --show-nonprinting',
    }),
  },
  tac: { what: 'prints files backwards', options: options({ flag: '-b -r --before --regex', value: '-s --separator' }) },
  head: { what: 'prints the start of files', options: headTail, numeric: true },
  tail: { what: 'prints the end of files', options: headTail, numeric: true },
  wc: {
    what: 'counts',
    options: options({
      flag: '-c -m -l -L -w --bytes --chars --lines --max-line-length --words',
      optional: '--total',
      read: '--files0-from',
    }),
  },
  grep: { what: 'searches text', options: grepOptions, numeric: true },
  egrep: { what: 'searches text', options: grepOptions, numeric: true },
  fgrep: { what: 'searches text', options: grepOptions, numeric: true },
  rg: {
    what: 'searches text',
    options: options({
      flag: '-i -s -S -w -x -v -c -l -n -N -F -u -L -o -H -I -U -P -a -q -0 -p -z --ignore-case --case-sensitive --smart-case --word-regexp --line-regexp --invert-match --count --count-matches --files-with-matches --files-without-match --line-number --no-line-number --fixed-strings --hidden --follow --only-matching --with-filename --no-filename --no-heading --heading --multiline --pcre2 --text --quiet --null --pretty --json --files --no-ignore --no-ignore-vcs --no-ignore-dot --no-ignore-parent --column --vimgrep --trim --stats --debug --no-messages --one-file-system --search-zip --byte-offset --no-config --sort-files',
      value:
        '-e -g -t -T -A -B -C -m -d -j -M -r -E --regexp --glob --iglob --type --type-not --after-context --before-context --context --max-count --max-depth --threads --max-columns --replace --sort --sortr --color --colors --encoding --max-filesize --type-add',
      read: '-f --file --ignore-file',
      exec: '--pre --hostname-bin',
    }),
    why: { '--pre': 'runs a program on every file searched' },
  },
  echo: textOnly('prints its arguments'),
  printf: textOnly('prints its arguments'),
  pwd: { what: 'prints the working folder', options: options({ flag: '-L -P --logical --physical' }), operands: 'none' },
  date: {
    what: 'prints the date',
    options: options({
      flag: '-u -R --utc --universal --rfc-email --debug',
      optional: '-I --iso-8601 --rfc-3339',
      value: '-d --date',
      read: '-f -r --file --reference',
      deny: '-s --set',
    }),
    why: { '-s': 'sets the system clock', '--set': 'sets the system clock' },
    operands: 'text',
  },
  which: { what: 'finds programs on the PATH', options: options({ flag: '-a -s' }), operands: 'text' },
  whereis: { what: 'finds programs', options: options({ flag: '-b -m -s -u' }), operands: 'text' },
  du: {
    what: 'measures disk use',
    options: options({
      flag: '-0 -a -b -c -D -h -H -k -l -L -m -P -s -S -x --null --all --apparent-size --bytes --total --dereference-args --human-readable --inodes --count-links --dereference --no-dereference --separate-dirs --si --summarize --one-file-system',
      optional: '--time',
      value: '-B -d -t --block-size --max-depth --threshold --time-style --exclude',
      read: '-X --exclude-from --files0-from',
    }),
  },
  df: {
    what: 'measures free space',
    options: options({
      flag: '-a -h -H -i -k -l -P -T --all --human-readable --si --inodes --local --portability --print-type --total --sync --no-sync',
      optional: '--output',
      value: '-B -t -x --block-size --type --exclude-type',
    }),
  },
  stat: {
    what: 'describes files',
    options: options({ flag: '-L -f -t --dereference --file-system --terse', value: '-c --format --printf --cached' }),
  },
  file: {
    what: 'guesses file types',
    options: options({
      flag: '-b -i -k -l -L -h -n -N -p -r -s -z -Z -0 -E -S --brief --mime --mime-type --mime-encoding --keep-going --dereference --no-dereference --no-buffer --no-pad --preserve-date --raw --special-files --uncompress --uncompress-noreport --print0 --no-sandbox --extension --apple',
      value: '-e -F -P --exclude --exclude-quiet --separator --parameter',
      read: '-f -m --files-from --magic-file',
    }),
  },
  sort: { what: 'sorts lines', options: sortOptions },
  uniq: {
    what: 'drops repeated lines',
    options: options({
      flag: '-c -d -D -i -u -z --count --repeated --ignore-case --unique --zero-terminated',
      optional: '--all-repeated --group',
      value: '-f -s -w --skip-fields --skip-chars --check-chars',
    }),
    judge: (name, args, scope, spec) => {
      // `uniq IN OUT` writes OUT.
      const parsed = parseArgs(name, spec, args, scope);
      let decision = parsed.decision;
      const [input, output] = parsed.operands;
      if (input !== undefined) decision = stricter(decision, scope.read(input, `\`${name}\``));
      if (output !== undefined) decision = stricter(decision, scope.write(output, `\`${name}\``));
      if (parsed.operands.length > 2) decision = stricter(decision, unknownOption(name, parsed.operands[2] ?? ''));
      return decision;
    },
  },
  diff: {
    what: 'compares files',
    options: options({
      flag: '-a -b -B -c -d -e -E -i -l -n -N -p -q -r -s -t -T -u -w -y -Z --text --ignore-space-change --ignore-blank-lines --minimal --ed --ignore-tab-expansion --ignore-case --paginate --rcs --new-file --show-c-function --brief --recursive --report-identical-files --expand-tabs --initial-tab --ignore-all-space --side-by-side --ignore-trailing-space --strip-trailing-cr --unidirectional-new-file --suppress-common-lines --suppress-blank-empty --speed-large-files --no-dereference --ignore-file-name-case --no-ignore-file-name-case --normal',
      optional: '--color --unified --context',
      value:
        '-C -D -F -I -S -U -W -x --label --ifdef --show-function-line --ignore-matching-lines --starting-file --width --exclude --tabsize --line-format --old-line-format --new-line-format --unchanged-line-format --old-group-format --new-group-format --changed-group-format --unchanged-group-format --horizon-lines --palette',
      read: '-X --exclude-from --from-file --to-file',
    }),
  },
  cmp: {
    what: 'compares files',
    options: options({ flag: '-b -l -s --print-bytes --verbose --quiet --silent', value: '-i -n --ignore-initial --bytes' }),
  },
  comm: {
    what: 'compares sorted files',
    options: options({
      flag: '-1 -2 -3 -i -z --check-order --nocheck-order --total --zero-terminated',
      value: '--output-delimiter',
    }),
  },
  cut: {
    what: 'cuts columns',
    options: options({
      flag: '-n -s -z --complement --only-delimited --zero-terminated',
      value: '-b -c -d -f --bytes --characters --delimiter --fields --output-delimiter',
    }),
  },
  tr: {
    what: 'translates characters',
    options: options({ flag: '-c -C -d -s -t --complement --delete --squeeze-repeats --truncate-set1' }),
    operands: 'text',
  },
  nl: { what: 'numbers lines', options: options({ flag: '-p --no-renumber', value: '-b -d -f -h -i -l -n -s -v -w' }) },
  fold: { what: 'wraps lines', options: options({ flag: '-b -s --bytes --spaces', value: '-w --width' }) },
  fmt: {
    what: 'formats text',
    options: options({
      flag: '-c -s -u --crown-margin --split-only --uniform-spacing',
      value: '-p -t -w -g --prefix --width --goal',
    }),
    numeric: true,
  },
  expand: { what: 'turns tabs to spaces', options: options({ flag: '-i --initial', value: '-t --tabs' }) },
  unexpand: { what: 'turns spaces to tabs', options: options({ flag: '-a --all --first-only', value: '-t --tabs' }) },
  rev: { what: 'reverses lines', options: options({}) },
  paste: { what: 'joins lines', options: options({ flag: '-s -z --serial --zero-terminated', value: '-d --delimiters' }) },
  join: {
    what: 'joins files',
    options: options({ flag: '-i -e --ignore-case --check-order --nocheck-order --header -z', value: '-a -v -o -t -j -1 -2' }),
  },
  column: {
    what: 'formats columns',
    options: options({
      flag: '-t -x -n -e -J -L -R --table --fillrows',
      value: '-s -o -c -N -W -H -O --separator --output-separator --table-columns --output-width',
    }),
  },
  strings: {
    what: 'prints text in files',
    options: options({
      flag: '-a -d -f -w --all --data --print-file-name --include-all-whitespace',
      value: '-n -t -e -s --bytes --radix --encoding --output-separator',
    }),
    numeric: true,
  },
  od: {
    what: 'dumps files',
    options: options({
      flag: '-b -c -d -f -i -l -o -s -v -x --output-duplicates',
      value: '-A -j -N -t -w -S --address-radix --skip-bytes --read-bytes --format --width --strings',
    }),
  },
  hexdump: { what: 'dumps files', options: options({ flag: '-b -c -C -d -o -v -x', value: '-e -n -s -L' }) },
  base64: { what: 'encodes', options: options({ flag: '-d -i --decode --ignore-garbage', value: '-w --wrap' }) },
  base32: { what: 'encodes', options: options({ flag: '-d -i --decode --ignore-garbage', value: '-w --wrap' }) },
  md5sum: {
    what: 'hashes files',
    options: options({
      flag: '-b -c -t -z --binary --check --tag --text --zero --ignore-missing --quiet --status --strict -w --warn',
    }),
  },
  sha1sum: {
    what: 'hashes files',
    options: options({
      flag: '-b -c -t -z --binary --check --tag --text --zero --ignore-missing --quiet --status --strict -w --warn',
    }),
  },
  sha256sum: {
    what: 'hashes files',
    options: options({
      flag: '-b -c -t -z --binary --check --tag --text --zero --ignore-missing --quiet --status --strict -w --warn',
    }),
  },
  sha512sum: {
    what: 'hashes files',
    options: options({
      flag: '-b -c -t -z --binary --check --tag --text --zero --ignore-missing --quiet --status --strict -w --warn',
    }),
  },
  b2sum: {
    what: 'hashes files',
    options: options({
      flag: '-b -c -t -z --binary --check --tag --text --zero --ignore-missing --quiet --status --strict -w --warn',
      value: '-l --length',
    }),
  },
  realpath: {
    what: 'resolves paths',
    options: options({
      flag: '-e -m -L -P -q -s -z --canonicalize-existing --canonicalize-missing --logical --physical --quiet --strip --no-symlinks --zero',
      read: '--relative-to --relative-base',
    }),
  },
  readlink: {
    what: 'reads links',
    options: options({
      flag: '-f -e -m -n -q -s -v -z --canonicalize --canonicalize-existing --canonicalize-missing --no-newline --quiet --silent --verbose --zero',
    }),
  },
  basename: textOnly('prints the last part of a path'),
  dirname: textOnly('prints the folder of a path'),
  tree: {
    what: 'lists folders as a tree',
    options: options({
      flag: '-a -d -l -f -x -q -N -Q -p -u -g -s -h -D -F -v -t -c -U -r -i -A -S -n -C --du --si --noreport --dirsfirst --prune --gitignore',
      value: '-L -P -I --filelimit --sort --charset --timefmt',
    }),
  },
  jq: {
    what: 'processes JSON',
    options: options({
      flag: '-r -j -a -c -C -M -n -s -e -S -R --raw-output --join-output --ascii-output --compact-output --color-output --monochrome-output --null-input --slurp --exit-status --sort-keys --raw-input --tab --seq --stream --raw-output0',
      value: '--indent --arg --argjson',
      read: '-f --from-file -L --slurpfile --rawfile',
    }),
    judge: (name, args, scope, spec) => {
      // The first operand is the filter (text); `--arg NAME VALUE` takes two values.
      const flattened: string[] = [];
      for (let index = 0; index < args.length; index += 1) {
        const arg = args[index] ?? '';
        if (arg === '--arg' || arg === '--argjson') {
          index += 2;
          continue;
        }
        if (arg === '--slurpfile' || arg === '--rawfile') {
          flattened.push(arg, args[index + 2] ?? '');
          index += 2;
          continue;
        }
        flattened.push(arg);
      }
      const parsed = parseArgs(name, spec, flattened, scope);
      let decision = parsed.decision;
      const hasFilterFile = parsed.seen.has('-f') || parsed.seen.has('--from-file');
      for (const operand of parsed.operands.slice(hasFilterFile ? 0 : 1))
        decision = stricter(decision, scope.read(operand, `\`${name}\``));
      return decision;
    },
  },
  true: textOnly('does nothing'),
  false: textOnly('does nothing'),
  uname: textOnly('prints the system name'),
  whoami: textOnly('prints the user name'),
  id: textOnly('prints user ids'),
  groups: textOnly('prints groups'),
  nproc: textOnly('prints the number of CPUs'),
  arch: textOnly('prints the architecture'),
  uptime: textOnly('prints the uptime'),
  free: textOnly('prints memory use'),
  ps: textOnly('lists processes'),
  printenv: textOnly('prints the environment'),
  seq: textOnly('prints numbers'),
  sleep: textOnly('waits'),
  yes: textOnly('prints a line repeatedly'),
  expr: textOnly('evaluates an expression'),
  factor: textOnly('factors numbers'),
  tty: textOnly('prints the terminal'),
  locale: textOnly('prints the locale'),
  cal: textOnly('prints a calendar'),
  getconf: textOnly('prints configuration values'),
  who: textOnly('lists logged-in users'),
  test: textOnly('tests a condition'),
  '[': textOnly('tests a condition'),

  // Programs that write: every path they write must be inside the roots.
  touch: {
    what: 'creates files and sets times',
    options: options({
      flag: '-a -c -f -h -m --no-create --no-dereference',
      optional: '--time',
      value: '-d -t --date',
      read: '-r --reference',
    }),
    operands: 'write',
  },
  mkdir: {
    what: 'creates folders',
    options: options({ flag: '-p -v -Z --parents --verbose', value: '-m --mode --context' }),
    operands: 'write',
  },
  rmdir: {
    what: 'deletes folders',
    options: options({ flag: '-p -v --parents --verbose --ignore-fail-on-non-empty' }),
    operands: 'write',
  },
  unlink: { what: 'deletes a file', operands: 'write' },
  shred: {
    what: 'overwrites and deletes files',
    options: options({
      flag: '-f -u -v -x -z --force --exact --verbose --zero',
      optional: '--remove',
      value: '-n -s --iterations --size',
      read: '--random-source',
    }),
    operands: 'write',
  },
  truncate: {
    what: 'resizes files',
    options: options({ flag: '-c -o --no-create --io-blocks', value: '-s --size', read: '-r --reference' }),
    operands: 'write',
  },
  tee: {
    what: 'copies its input to files',
    options: options({ flag: '-a -i -p --append --ignore-interrupts', optional: '--output-error' }),
    operands: 'write',
  },
  cp: { what: 'copies files', options: copyOptions, operands: 'copy', targetOptions: ['-t', '--target-directory'] },
  mv: {
    what: 'moves files',
    options: options({
      flag: '-b -f -i -n -u -v -T -Z --force --interactive --no-clobber --no-copy --strip-trailing-slashes --no-target-directory --verbose --exchange --debug',
      optional: '--backup --update',
      value: '-S --suffix',
      write: '-t --target-directory',
    }),
    operands: 'write',
  },
  install: {
    what: 'copies files and sets modes',
    options: options({
      flag: '-b -c -C -d -D -p -v -T -Z --compare --directory --preserve-timestamps --verbose --no-target-directory',
      optional: '--backup',
      value: '-m -S --mode --suffix',
      write: '-t --target-directory',
      ask: '-o -g --owner --group',
      exec: '-s --strip --strip-program',
    }),
    why: { '-o': 'sets the owner', '-s': 'runs `strip`' },
    operands: 'copy',
    targetOptions: ['-t', '--target-directory'],
    judge: (name, args, scope, spec) => {
      // `install -d DIR…` creates every operand.
      const parsed = parseArgs(name, spec, args, scope);
      if (!parsed.seen.has('-d') && !parsed.seen.has('--directory')) return judgeByTable(name, spec, args, scope);
      let decision = parsed.decision;
      for (const folder of parsed.operands) decision = stricter(decision, scope.write(folder, `\`${name} -d\``));
      return decision;
    },
  },
  chmod: {
    what: 'changes modes',
    options: options({
      flag: '-c -f -v -R --changes --silent --quiet --verbose --recursive --preserve-root --no-preserve-root',
      read: '--reference',
    }),
    judge: (name, args, scope, spec) => {
      // `chmod MODE FILE…`: a mode such as `-w` looks like an option.
      const parsed = parseArgs(
        name,
        spec,
        args.filter((arg) => !/^[-+=][rwxXstugo]+$/.test(arg)),
        scope,
      );
      let decision = parsed.decision;
      const files = parsed.seen.has('--reference')
        ? parsed.operands
        : parsed.operands.slice(args.some((arg) => /^[-+=][rwxXstugo]+$/.test(arg)) ? 0 : 1);
      for (const file of files) decision = stricter(decision, scope.write(file, `\`${name}\``));
      return decision;
    },
  },
  chgrp: {
    what: 'changes groups',
    options: options({
      flag: '-c -f -v -R -h -H -L -P --changes --silent --quiet --verbose --recursive --no-dereference --dereference',
      read: '--reference',
    }),
    judge: (name, args, scope, spec) => {
      const parsed = parseArgs(name, spec, args, scope);
      let decision = parsed.decision;
      for (const file of parsed.operands.slice(parsed.seen.has('--reference') ? 0 : 1))
        decision = stricter(decision, scope.write(file, `\`${name}\``));
      return decision;
    },
  },
  split: {
    what: 'splits files',
    options: options({
      flag: '-d -x -e -u --numeric-suffixes --hex-suffixes --elide-empty-files --unbuffered --verbose',
      optional: '--numeric-suffixes --hex-suffixes',
      value: '-a -b -C -l -n -t --suffix-length --additional-suffix --bytes --line-bytes --lines --number --separator',
      exec: '--filter',
    }),
    judge: (name, args, scope, spec) => {
      const parsed = parseArgs(name, spec, args, scope);
      let decision = parsed.decision;
      const [input, prefix] = parsed.operands;
      if (input !== undefined) decision = stricter(decision, scope.read(input, `\`${name}\``));
      decision = stricter(decision, scope.write(prefix ?? 'x', `\`${name}\``));
      return decision;
    },
  },
  shuf: {
    what: 'shuffles lines',
    options: options({
      flag: '-e -r -z --echo --repeat --zero-terminated',
      value: '-i -n --input-range --head-count',
      read: '--random-source',
      write: '-o --output',
    }),
    judge: (name, args, scope, spec) => {
      const parsed = parseArgs(name, spec, args, scope);
      if (parsed.seen.has('-e') || parsed.seen.has('--echo')) return parsed.decision;
      let decision = parsed.decision;
      for (const file of parsed.operands) decision = stricter(decision, scope.read(file, `\`${name}\``));
      return decision;
    },
  },
  xxd: {
    what: 'dumps files',
    options: options({
      flag: '-a -b -C -E -e -i -p -r -u -d -ps -autoskip -bits -capitalize -EBCDIC -include -postscript -plain -revert -uppercase',
      value: '-c -g -l -o -s -n -cols -groupsize -len -offset -seek -name',
    }),
    judge: (name, args, scope, spec) => {
      const parsed = parseArgs(
        name,
        spec,
        args.map((arg) => (/^-[a-zA-Z]{2,}$/.test(arg) && spec.options?.[arg] === 'flag' ? '-a' : arg)),
        scope,
      );
      let decision = parsed.decision;
      const [input, output] = parsed.operands;
      if (input !== undefined) decision = stricter(decision, scope.read(input, `\`${name}\``));
      if (output !== undefined) decision = stricter(decision, scope.write(output, `\`${name}\``));
      return decision;
    },
  },
  wget: {
    what: 'downloads',
    options: options({
      flag: '-q -v -nv -c -N -S -r -k -p -x -nd -nH -np -4 -6 --quiet --verbose --no-verbose --continue --timestamping --server-response --spider --recursive --convert-links --page-requisites --no-check-certificate --no-parent --force-directories --no-directories --no-host-directories --content-disposition --show-progress',
      optional: '--progress',
      value:
        '-t -T -U -l -A -R -w --tries --timeout --user-agent --level --accept --reject --wait --header --limit-rate --user --password',
      read: '-i --input-file --post-file --body-file --load-cookies --ca-certificate --certificate --private-key',
      write: '-o -a -O -P --output-file --append-output --output-document --directory-prefix --save-cookies',
      code: '-e --execute',
      exec: '--use-askpass',
      ask: '--config',
    }),
    why: { '-e': 'a .wgetrc command', '--config': 'reads settings that can write anywhere' },
    operands: 'text',
  },
  curl: {
    what: 'transfers URLs',
    options: options({
      flag: '-s -S -L -I -i -v -f -k -O -J -G -n -4 -6 -# --silent --show-error --location --head --include --verbose --fail --insecure --remote-name --remote-header-name --get --compressed --create-dirs --netrc --progress-bar --fail-with-body --http1.1 --http2',
      value:
        '-X -u -A -e -m -w -r -C -x --request --user --user-agent --referer --max-time --connect-timeout --write-out --range --continue-at --proxy --retry',
      read: '-T -b --upload-file --cookie --cacert --cert --key --netrc-file',
      data: '-H -d -F --header --data --data-binary --data-raw --data-urlencode --form',
      write: '-o -D -c --output --dump-header --cookie-jar --trace --trace-ascii --stderr --output-dir --libcurl',
      ask: '-K --config',
    }),
    why: {
      '-K': 'reads options that can write anywhere',
    },
    operands: 'text',
  },
};
