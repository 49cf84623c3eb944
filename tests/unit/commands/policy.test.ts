import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCommand, type PolicyContext } from '../../../main/services/commands/policy';

const context: PolicyContext = { cwd: '/work/project', roots: ['/work/project'], home: '/home/ada' };
const verdict = (cmd: string, ...args: string[]) => evaluateCommand(cmd, args, context).verdict;

describe('the TerminalCommand policy', () => {
  it.each([
    ['sudo', 'ls'],
    ['/usr/bin/sudo', 'ls'],
    ['su', '-'],
    ['doas', 'sh'],
    ['pkexec', 'bash'],
    ['shutdown', '-h', 'now'],
    ['reboot'],
    ['systemctl', 'poweroff'],
    ['mkfs.ext4', '/dev/sda1'],
    ['mkfs', '-t', 'ext4', '/dev/sdb'],
    ['dd', 'if=/dev/zero', 'of=/dev/sda'],
    ['rm', '-rf', '/'],
    ['rm', '-rf', '~'],
    ['rm', '-r', '-f', '/home/ada'],
    ['rm', '-fr', '/home'],
    ['rm', '--recursive', '/usr'],
    ['rm', '-rf', '$HOME'],
    ['rm', '-rf', '--no-preserve-root', 'x'],
    ['env', 'FOO=1', 'sudo', 'ls'],
    ['nice', '-n', '5', 'timeout', '10', 'sudo', 'true'],
    ['nohup', 'reboot'],
  ])('denies %s %s', (cmd, ...args) => {
    expect(verdict(cmd, ...args)).toBe('deny');
  });

  it.each([
    ['rm', '/etc/hosts'],
    ['rm', '-f', '../other/file'],
    ['rm', '-rf', '/home/ada/old-project'],
    ['mv', 'notes.txt', '/tmp/notes.txt'],
    ['mv', '/tmp/in', 'here'],
    ['cp', 'a', '/etc/passwd'],
    ['cp', '-t', '/opt', 'a'],
    ['tee', '/home/ada/.bashrc'],
    ['truncate', '-s', '0', '/var/log/syslog'],
    ['dd', 'if=a', 'of=/tmp/b'],
    ['chmod', '777', '/home/ada'],
    ['find', '/', '-name', 'x', '-delete'],
    ['apt-get', 'install', 'jq'],
    ['brew', 'list'],
    ['npm', 'install', 'left-pad'],
    ['pip', 'install', 'requests'],
    ['cargo', 'install', 'ripgrep'],
    ['git', 'push', '--force'],
    ['git', 'push', '-f', 'origin', 'main'],
    ['git', '-C', 'sub', 'push', '--force-with-lease'],
    ['git', 'push', 'origin', '+main'],
    ['sh', '-c', 'rm -rf /'],
    ['bash', '-lc', 'echo hi'],
    ['python3', '-c', 'print(1)'],
    ['env', 'bash', '-c', 'id'],
  ])('asks before %s %s', (cmd, ...args) => {
    expect(verdict(cmd, ...args)).toBe('ask');
  });

  it.each([
    ['ls', '-la'],
    ['echo', '; rm -rf ~'],
    ['echo', '$(id)'],
    ['echo', '`id`'],
    ['echo', '| cat /etc/passwd'],
    ['rm', 'build/out.txt'],
    ['rm', '-rf', 'node_modules'],
    ['mv', 'a', 'b'],
    ['cp', '/etc/hosts', 'hosts.copy'],
    ['dd', 'if=/dev/zero', 'of=/dev/null', 'count=1'],
    ['git', 'push'],
    ['git', 'status'],
    ['npm', 'test'],
    ['npm', 'run', 'build'],
    ['cat', '/etc/passwd'],
    ['find', '.', '-name', '*.ts', '-delete'],
    ['sh', 'script.sh'],
  ])('allows %s %s', (cmd, ...args) => {
    expect(verdict(cmd, ...args)).toBe('allow');
  });

  it('never crashes and always answers with one of the three verdicts, whatever the arguments', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { maxLength: 8 }), (cmd, args) => {
        expect(['allow', 'ask', 'deny']).toContain(evaluateCommand(cmd || 'x', args, context).verdict);
      }),
    );
  });

  it('denies sudo however deeply it is wrapped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(['env', 'A=1'], ['nice'], ['nohup'], ['timeout', '5'], ['command']), { maxLength: 6 }),
        (layers) => {
          const words = [...layers.flat(), 'sudo', 'id'];
          const [cmd = 'sudo', ...args] = words;
          expect(evaluateCommand(cmd, args, context).verdict).toBe('deny');
        },
      ),
    );
  });
});
