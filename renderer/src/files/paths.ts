/** A place in a workspace: its root's real path and the path relative to it (`''` for the root). */
export interface Place {
  readonly root: string;
  readonly path: string;
}

/** The absolute path sent to main; main resolves and checks it against the granted roots. */
export function absoluteOf(place: Place): string {
  return place.path === '' ? place.root : `${place.root}/${place.path}`;
}

export function nameOf(relative: string): string {
  return relative.slice(relative.lastIndexOf('/') + 1);
}

export function parentOf(relative: string): string {
  const cut = relative.lastIndexOf('/');
  return cut === -1 ? '' : relative.slice(0, cut);
}

export function childOf(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** A name typed by the person: one path segment, no separators or dot-only names. */
export function checkName(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter a name.';
  if (trimmed.includes('/') || trimmed.includes('\\')) return 'A name cannot contain / or \\.';
  if (trimmed === '.' || trimmed === '..') return 'That name is reserved.';
  return undefined;
}
