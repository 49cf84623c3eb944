import type { Permission } from '../../../shared/contract/permissions';

const opWords: Record<string, string> = {
  stat: 'see details of',
  list: 'list',
  read: 'read',
  write: 'write',
  diff: 'compare',
  mkdir: 'create folders in',
  rename: 'rename or move',
  copy: 'copy',
  delete: 'delete',
  search: 'search',
};

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`;
}

function where(paths: readonly string[]): string {
  return paths.includes('**')
    ? 'every file in your granted folders'
    : `files matching ${joinWords(paths.map((glob) => `“${glob}”`))}`;
}

/** One permission in plain words, for the consent screen and the Permissions view. */
export function permissionInWords(permission: Permission): string {
  const prefix = permission.effect === 'deny' ? 'Never: ' : permission.effect === 'ask' ? 'Ask first: ' : '';
  if ('ops' in permission) {
    return `${prefix}${joinWords(permission.ops.map((op) => opWords[op] ?? op))} ${where(permission.paths)}`.replace(
      /^./,
      (first) => first.toUpperCase(),
    );
  }
  if ('commands' in permission) {
    if (permission.commands === '*') return `${prefix}Run any program the command policy allows`;
    const commands = permission.commands.map((grant) =>
      grant.args !== undefined
        ? `“${[grant.cmd, ...grant.args].join(' ')}”`
        : grant.argsPattern !== undefined
          ? `“${grant.cmd}” with arguments matching /${grant.argsPattern}/`
          : `“${grant.cmd}” with any arguments`,
    );
    return `${prefix}Run ${joinWords(commands)}`;
  }
  if ('keys' in permission)
    return `${prefix}Change ${permission.keys.includes('*') ? 'any setting' : `the settings ${joinWords(permission.keys)}`}`;
  const plain: Record<string, string> = {
    PtySpawn: 'Open terminal shells',
    PtyWrite: 'Type into terminals',
    WorkspaceList: 'See which folders are granted',
    HealthReport: 'Read the health report',
    AuditQuery: 'Read the audit log',
    SettingsGet: 'Read the settings',
    VoiceCommand: 'Send commands as if typed',
  };
  return `${prefix}${plain[permission.message] ?? `Send ${permission.message}`}`;
}
