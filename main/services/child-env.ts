/**
 * The environment a child process (command or shell) gets: an allowlist, never a copy
 * of the app's own environment, so secrets such as LOCALBRAIN_DB_KEY, NODE_OPTIONS or
 * ELECTRON_RUN_AS_NODE cannot leak into what the person runs.
 */
const inherited = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'XDG_RUNTIME_DIR',
];

export function childEnvironment(
  source: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (inherited.includes(name) || name.startsWith('LC_')) env[name] = value;
  }
  if (!('PATH' in env)) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  return { ...env, ...extra };
}
