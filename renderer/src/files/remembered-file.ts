import { useEffect, useRef } from 'react';
import type { WorkspaceRoot } from '../../../shared/contract/workspace';
import { request } from '../api';
import { absoluteOf, type Place } from './paths';

/** The place of an absolute path inside one of the roots, or undefined when no root holds it any more. */
function placeOf(absolute: string, roots: readonly WorkspaceRoot[]): Place | undefined {
  const root = roots.find((candidate) => absolute === candidate.path || absolute.startsWith(`${candidate.path}/`));
  if (!root) return undefined;
  return { root: root.path, path: absolute === root.path ? '' : absolute.slice(root.path.length + 1) };
}

/**
 * Keeps the open file in the saved session layout, and reopens it when the view comes back
 * after a reload, a restart or a crash. Main keeps the layout in the encrypted database.
 */
export function useRememberedFile(
  roots: readonly WorkspaceRoot[] | undefined,
  open: Place | undefined,
  reopen: (file: Place) => void,
): void {
  const restored = useRef(false);
  const reopenRef = useRef(reopen);
  reopenRef.current = reopen;

  useEffect(() => {
    if (roots === undefined || restored.current) return;
    restored.current = true;
    if (open !== undefined) return;
    let live = true;
    request({ type: 'SessionLayoutGet', data: {} }).then(
      ({ openFiles }) => {
        const first = openFiles[0];
        const place = first === undefined ? undefined : placeOf(first, roots);
        if (live && place) reopenRef.current(place);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [roots, open]);

  const openPath = open === undefined ? undefined : absoluteOf(open);
  useEffect(() => {
    if (!restored.current) return;
    void request({ type: 'SessionLayoutSet', data: { openFiles: openPath === undefined ? [] : [openPath] } }).catch(
      () => undefined,
    );
  }, [openPath]);
}
