import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { FileChange, FileEntry } from '../../../shared/contract/files';
import type { WorkspaceRoot } from '../../../shared/contract/workspace';
import { api, request } from '../api';
import { describeFileError } from './errors';
import { absoluteOf, childOf, parentOf, type Place } from './paths';

/** One row of the tree as shown: a root, a folder or a file. */
export interface TreeNode extends Place {
  readonly name: string;
  readonly type: FileEntry['type'] | 'root';
  readonly linkTarget?: FileEntry['linkTarget'];
  readonly level: number;
}

interface Folder {
  readonly entries?: readonly FileEntry[];
  readonly error?: string;
}

export interface FileTreeProps {
  readonly roots: readonly WorkspaceRoot[];
  readonly showHidden: boolean;
  readonly selected?: string;
  /** Bumped by the parent to reload every open folder (after a create, rename or delete). */
  readonly reloadToken: number;
  /** A folder to open, e.g. the one a new file was just made in; a new token opens it again. */
  readonly reveal?: { readonly key: string; readonly token: number };
  readonly onOpen: (node: TreeNode) => void;
  readonly onMenu: (node: TreeNode, at: { x: number; y: number }) => void;
  readonly onChanges?: (root: string, changes: readonly FileChange[]) => void;
}

export const isFolder = (node: TreeNode) =>
  node.type === 'directory' || node.type === 'root' || (node.type === 'symlink' && node.linkTarget === 'directory');

/**
 * The explorer: a WAI-ARIA tree with a roving tab stop. Arrow keys move and open/close
 * folders, Enter opens, the context-menu key (or Shift+F10, or a right click) opens the
 * actions menu. Each open folder is watched, and reloads when it changes on disk.
 */
export function FileTree({ roots, showHidden, selected, reloadToken, reveal, onOpen, onMenu, onChanges }: FileTreeProps) {
  const [folders, setFolders] = useState<ReadonlyMap<string, Folder>>(new Map());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(roots.map((root) => root.path)));
  const [focused, setFocused] = useState<string>();
  const [revealed, setRevealed] = useState<number>();
  if (reveal !== undefined && reveal.token !== revealed) {
    // Adjusting state to a new prop during render, as React recommends over an effect.
    setRevealed(reveal.token);
    if (!expanded.has(reveal.key)) setExpanded(new Set(expanded).add(reveal.key));
  }
  const watches = useRef(new Map<string, string>());
  const itemRefs = useRef(new Map<string, HTMLLIElement>());

  const load = useCallback(
    async (place: Place) => {
      const key = absoluteOf(place);
      try {
        const listing = await request({
          type: 'FileOperation',
          data: { op: { kind: 'list', includeHidden: showHidden }, path: key },
        });
        const entries = listing.kind === 'list' ? listing.entries : [];
        setFolders((previous) => new Map(previous).set(key, { entries }));
      } catch (error) {
        setFolders((previous) => new Map(previous).set(key, { error: describeFileError(error) }));
      }
    },
    [showHidden],
  );

  const placeOf = useCallback(
    (key: string): Place | undefined => {
      const root = roots.find((candidate) => key === candidate.path || key.startsWith(`${candidate.path}/`));
      return root && { root: root.path, path: key === root.path ? '' : key.slice(root.path.length + 1) };
    },
    [roots],
  );

  // Load every expanded folder whenever the set, the hidden-files setting or the reload token changes.
  useEffect(() => {
    for (const key of expanded) {
      const place = placeOf(key);
      if (place) void load(place);
    }
  }, [expanded, load, placeOf, reloadToken]);

  // Watch exactly the expanded folders.
  useEffect(() => {
    const current = watches.current;
    for (const key of expanded) {
      if (current.has(key)) continue;
      current.set(key, '');
      request({ type: 'FileWatch', data: { path: key } })
        .then(({ watchId }) => {
          if (current.has(key)) current.set(key, watchId);
          else void request({ type: 'FileUnwatch', data: { watchId } });
        })
        .catch(() => current.delete(key));
    }
    for (const [key, watchId] of current) {
      if (expanded.has(key)) continue;
      current.delete(key);
      if (watchId !== '') void request({ type: 'FileUnwatch', data: { watchId } }).catch(() => undefined);
    }
  }, [expanded]);

  useEffect(() => {
    const current = watches.current;
    return () => {
      for (const watchId of current.values())
        if (watchId !== '') void request({ type: 'FileUnwatch', data: { watchId } }).catch(() => undefined);
      current.clear();
    };
  }, []);

  useEffect(
    () =>
      api().on((event) => {
        if (event.type !== 'FileChanged') return;
        const key = [...watches.current].find(([, watchId]) => watchId === event.data.watchId)?.[0];
        const place = key === undefined ? undefined : placeOf(key);
        if (place) void load(place);
        onChanges?.(event.data.root, event.data.changes);
      }),
    [load, placeOf, onChanges],
  );

  const visible = useMemo(() => {
    const rows: TreeNode[] = [];
    const add = (place: Place, level: number) => {
      const folder = folders.get(absoluteOf(place));
      for (const entry of folder?.entries ?? []) {
        const node: TreeNode = {
          root: place.root,
          path: childOf(place.path, entry.name),
          name: entry.name,
          type: entry.type,
          ...(entry.linkTarget === undefined ? {} : { linkTarget: entry.linkTarget }),
          level,
        };
        rows.push(node);
        if (isFolder(node) && expanded.has(absoluteOf(node))) add(node, level + 1);
      }
    };
    for (const root of roots) {
      const node: TreeNode = { root: root.path, path: '', name: root.name, type: 'root', level: 1 };
      rows.push(node);
      if (expanded.has(root.path)) add(node, 2);
    }
    return rows;
  }, [folders, expanded, roots]);

  const focusKey = focused ?? (visible[0] && absoluteOf(visible[0]));

  const moveFocus = (key: string | undefined) => {
    if (key === undefined) return;
    setFocused(key);
    itemRefs.current.get(key)?.focus();
  };

  const toggle = (node: TreeNode, open?: boolean) => {
    const key = absoluteOf(node);
    setExpanded((previous) => {
      const next = new Set(previous);
      if (open ?? !next.has(key)) next.add(key);
      else next.delete(key);
      return next;
    });
  };

  const activate = (node: TreeNode) => {
    moveFocus(absoluteOf(node));
    if (isFolder(node)) toggle(node);
    else onOpen(node);
  };

  /** A printable key moves to the next visible item whose name starts with it, as in a file manager. */
  const typeAhead = (key: string, from: number): boolean => {
    if (key.length !== 1 || key === ' ') return false;
    const wanted = key.toLowerCase();
    for (let step = 1; step <= visible.length; step += 1) {
      const candidate = visible[(from + step) % visible.length];
      if (candidate?.name.toLowerCase().startsWith(wanted)) {
        moveFocus(absoluteOf(candidate));
        return true;
      }
    }
    return false;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const index = visible.findIndex((node) => absoluteOf(node) === focusKey);
    const node = visible[index];
    if (node === undefined) return;
    const key = absoluteOf(node);
    const at = () => {
      const box = itemRefs.current.get(key)?.getBoundingClientRect();
      return { x: (box?.left ?? 0) + 24, y: box?.bottom ?? 0 };
    };
    const keyAt = (at: number) => {
      const target = visible[at];
      return target && absoluteOf(target);
    };
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        moveFocus(keyAt(index + 1));
        break;
      case 'ArrowUp':
        moveFocus(keyAt(index - 1));
        break;
      case 'Home':
        moveFocus(keyAt(0));
        break;
      case 'End':
        moveFocus(keyAt(visible.length - 1));
        break;
      case 'ArrowRight':
        if (isFolder(node) && !expanded.has(key)) toggle(node, true);
        else if (isFolder(node)) moveFocus(visible[index + 1]?.level === node.level + 1 ? keyAt(index + 1) : undefined);
        break;
      case 'ArrowLeft':
        if (isFolder(node) && expanded.has(key)) toggle(node, false);
        else if (node.type !== 'root') moveFocus(absoluteOf({ root: node.root, path: parentOf(node.path) }));
        break;
      case 'Enter':
      case ' ':
        activate(node);
        break;
      case 'ContextMenu':
        onMenu(node, at());
        break;
      case 'F10':
        if (event.shiftKey) onMenu(node, at());
        else handled = false;
        break;
      default:
        handled = typeAhead(event.key, index);
    }
    if (handled) event.preventDefault();
  };

  const onContextMenu = (event: MouseEvent, node: TreeNode) => {
    event.preventDefault();
    moveFocus(absoluteOf(node));
    onMenu(node, { x: event.clientX, y: event.clientY });
  };

  const errors = [...folders].filter(([key, folder]) => folder.error !== undefined && expanded.has(key));

  return (
    <div className="file-tree-wrap">
      {roots.length === 0 && <p className="muted">No folder has been granted yet.</p>}
      <ul className="file-tree" role="tree" aria-label="Workspace files" onKeyDown={onKeyDown}>
        {visible.map((node) => {
          const key = absoluteOf(node);
          const folder = isFolder(node);
          return (
            <li
              key={key}
              ref={(element) => {
                if (element) itemRefs.current.set(key, element);
                else itemRefs.current.delete(key);
              }}
              role="treeitem"
              aria-level={node.level}
              aria-expanded={folder ? expanded.has(key) : undefined}
              aria-selected={selected === key}
              tabIndex={key === focusKey ? 0 : -1}
              className={`tree-item type-${node.type}`}
              style={{ paddingLeft: `${(node.level - 1) * 14 + 6}px` }}
              data-path={node.path}
              title={node.linkTarget === 'outside' ? 'A link that leads outside the workspace' : undefined}
              onClick={() => activate(node)}
              onContextMenu={(event) => onContextMenu(event, node)}
              onFocus={() => setFocused(key)}
            >
              <span className="tree-icon" aria-hidden="true">
                {folder
                  ? expanded.has(key)
                    ? '▾'
                    : '▸'
                  : node.linkTarget === 'outside'
                    ? '⤴'
                    : node.type === 'symlink'
                      ? '↪'
                      : '·'}
              </span>
              {node.name}
            </li>
          );
        })}
      </ul>
      {errors.map(([key, folder]) => (
        <p key={key} className="file-error" role="alert">
          {folder.error}
        </p>
      ))}
    </div>
  );
}
