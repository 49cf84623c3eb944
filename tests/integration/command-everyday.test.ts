import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../support/serve-process';
import { tempDir } from '../support/temp';
import { installed } from '../support/trace';
import { WsClient } from '../support/ws-client';

/** Variables that would make a command run or load something else, or are the app's secrets. */
const injected: Record<string, string> = {
  LOCALBRAIN_DB_KEY: randomBytes(32).toString('hex'),
  PAGER: 'touch /tmp/localbrain-pager-canary',
  EDITOR: 'touch /tmp/localbrain-editor-canary',
  VISUAL: 'touch /tmp/localbrain-visual-canary',
  GIT_PAGER: 'touch /tmp/localbrain-git-pager-canary',
  GIT_SSH_COMMAND: 'touch /tmp/localbrain-git-ssh-canary',
  GIT_CONFIG_GLOBAL: '/tmp/localbrain-gitconfig-canary',
  LD_LIBRARY_PATH: '/tmp/localbrain-ld-canary',
  BASH_ENV: '/tmp/localbrain-bash-env-canary',
  ENV: '/tmp/localbrain-env-canary',
  PYTHONSTARTUP: '/tmp/localbrain-python-canary',
  PERL5OPT: '-Mlocalbrain_canary',
  RUBYOPT: '-rlocalbrain_canary',
  LESSOPEN: '|touch /tmp/localbrain-less-canary %s',
  SOME_API_TOKEN: 'localbrain-token-canary',
};

describe('the everyday set over serve mode', () => {
  let serve: ServeProcess;
  let client: WsClient;
  let workspace: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    workspace = await tempDir();
    dataDir = await tempDir();
    const file = (name: string, text: string) => writeFile(path.join(workspace.path, name), text);
    await file('a.txt', 'alpha\n');
    await file('b.txt', 'beta\n');
    await file('lines.txt', 'one\ntwo\nthree\n');
    await file('dup.txt', 'x\nx\ny\n');
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=LocalBrain', '-c', 'user.email=test@localbrain.invalid', ...args], {
        cwd: workspace.path,
        stdio: 'ignore',
      });
    git('init', '-q', '-b', 'main');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'first commit');
    await file('a.txt', 'alpha\nchanged\n');
    serve = await startServe({ dataDir: dataDir.path, workspaces: [workspace.path], env: injected });
    client = await WsClient.connect(serve.wsUrl);
  });

  afterAll(async () => {
    await client.close();
    await serve.stop();
    await workspace.remove();
    await dataDir.remove();
  });

  const year = String(new Date().getFullYear());
  it.each<[string[], RegExp, number?]>([
    [['ls'], /^a\.txt\nb\.txt\ndup\.txt\nlines\.txt\n$/],
    [['ls', '-la'], /a\.txt/],
    [['cat', 'lines.txt'], /^one\ntwo\nthree\n$/],
    [['head', '-n', '1', 'lines.txt'], /^one\n$/],
    [['tail', '-n', '1', 'lines.txt'], /^three\n$/],
    [['wc', '-l', 'lines.txt'], /^3 lines\.txt\n$/],
    [['grep', '-n', 'two', 'lines.txt'], /^2:two\n$/],
    [['rg', '--no-heading', '-n', 'two', 'lines.txt'], /^2:two\n$/],
    [['find', '.', '-name', 'l*.txt', '-type', 'f'], /^\.\/lines\.txt\n$/],
    [['git', 'status', '--short'], /^ M a\.txt\n\?\? b\.txt\n/],
    [['git', 'log', '--oneline'], /^[0-9a-f]+ first commit\n$/],
    [['git', 'diff', '--stat'], /a\.txt \| 1 \+/],
    [['git', 'show', '--stat', 'HEAD'], /first commit/],
    [['git', 'branch'], /^\* main\n$/],
    [['echo', 'hello', '$(id)'], /^hello \$\(id\)\n$/],
    [['pwd'], /^\/.+\n$/],
    [['date', '+%Y'], new RegExp(`^${year}\\n$`)],
    [['which', 'ls'], /\/ls\n$/],
    [['du', '-s', '.'], /^\d+\t\.\n$/],
    [['df', '-h', '.'], /Filesystem/],
    [['stat', '-c', '%s', 'lines.txt'], /^14\n$/],
    [['file', 'lines.txt'], /ASCII text/],
    [['sort', '-r', 'lines.txt'], /^two\nthree\none\n$/],
    [['uniq', '-c', 'dup.txt'], /^\s+2 x\n\s+1 y\n$/],
    [['diff', 'a.txt', 'b.txt'], /< alpha/, 1],
    [['node', '--version'], /^v\d+\.\d+\.\d+\n$/],
    [['awk', '{ print $1 }', 'lines.txt'], /^one\ntwo\nthree\n$/],
    [['sed', '-n', '2p', 'lines.txt'], /^two\n$/],
  ])('runs %j at once, with its output', async (argv, stdout, exitCode = 0) => {
    const [cmd = '', ...args] = argv;
    if (!(await installed(cmd))) return;
    const reply = await client.request({ type: 'TerminalCommand', data: { cmd, args } });
    expect(reply).toMatchObject({ ok: true, value: { exitCode } });
    if (reply.ok) expect(reply.value.stdout).toMatch(stdout);
  });

  it('gives commands the allowlisted environment: none of the app secrets or injected variables', async () => {
    const reply = await client.request({ type: 'TerminalCommand', data: { cmd: 'env', args: [] } });
    expect(reply).toMatchObject({ ok: true, value: { exitCode: 0 } });
    const printed = reply.ok ? reply.value.stdout : '';
    expect(printed).toMatch(/^PATH=/m);
    for (const [name, value] of Object.entries(injected)) {
      expect(printed).not.toContain(`${name}=`);
      expect(printed).not.toContain(value);
    }
  });

  it('refuses an environment in the request itself: the schema has no such field', async () => {
    const reply = await client.request({
      type: 'TerminalCommand',
      data: { cmd: 'env', args: [], env: { PAGER: 'touch /tmp/x', LD_PRELOAD: '/tmp/x.so' } },
    } as never);
    expect(reply).toMatchObject({ ok: false, error: { code: 'ValidationFailed' } });
  });

  it('asks before `env` sets a variable that changes what runs, naming it and the rule', async () => {
    const reply = await client.request({
      type: 'TerminalCommand',
      data: { cmd: 'env', args: ['GIT_PAGER=touch /tmp/x', 'git', 'log'] },
    });
    expect(reply).toMatchObject({
      ok: false,
      error: {
        code: 'ConfirmationRequired',
        details: { rule: 'env-assignment', reason: expect.stringContaining('GIT_PAGER') as unknown },
      },
    });
  });

  it('names the rule in PermissionDenied and ConfirmationRequired replies', async () => {
    expect(await client.request({ type: 'TerminalCommand', data: { cmd: 'sudo', args: ['ls'] } })).toMatchObject({
      ok: false,
      error: { code: 'PermissionDenied', message: expect.stringContaining('`sudo`') as unknown, details: { rule: 'privilege' } },
    });
    const asked = await client.request({
      type: 'TerminalCommand',
      data: { cmd: 'find', args: ['.', '-exec', 'rm', '-rf', '/tmp/localbrain-never', ';'] },
    });
    expect(asked).toMatchObject({
      ok: false,
      error: {
        code: 'ConfirmationRequired',
        details: {
          rule: 'write-outside',
          reason: expect.stringMatching(/^`find -exec` runs `rm -rf \/tmp\/localbrain-never`/) as unknown,
        },
      },
    });
  });
});
