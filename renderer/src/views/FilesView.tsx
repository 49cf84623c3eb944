import { useCallback, useEffect, useState } from 'react';
import { useRememberedFile } from '../files/remembered-file';
import type { FileChange } from '../../../shared/contract/files';
import type { WorkspaceRoot } from '../../../shared/contract/workspace';
import { request } from '../api';
import { ContextMenu, type MenuAction } from '../files/ContextMenu';
import { Dialog } from '../files/Dialog';
import { describeFileError } from '../files/errors';
import { FileEditor } from '../files/FileEditor';
import { FileTree, isFolder, type TreeNode } from '../files/FileTree';
import { NameDialog } from '../files/NameDialog';
import { absoluteOf, childOf, parentOf, type Place } from '../files/paths';
import { SearchPanel, type SearchHit } from '../files/SearchPanel';
import { TrashPanel } from '../files/TrashPanel';
import '../files/files.css';

type Pending = { kind: 'new-file' | 'new-folder' | 'rename'; node: TreeNode } | { kind: 'delete' | 'revoke'; node: TreeNode };

const folderActions: readonly MenuAction[] = [
  { id: 'new-file', label: 'New file…' },
  { id: 'new-folder', label: 'New folder…' },
];
const rootActions: readonly MenuAction[] = [...folderActions, { id: 'revoke', label: 'Remove from workspace…' }];
const entryActions: readonly MenuAction[] = [
  { id: 'rename', label: 'Rename…' },
  { id: 'delete', label: 'Delete' },
];

export interface FilesViewProps {
  /** A file to open (or folder to reveal) that a spoken command named, relative to the first root; `seq` makes a repeat count. */
  readonly show?: { readonly path: string; readonly folder: boolean; readonly seq: number };
}

/** The files view: explorer tree and search on the left, the open file on the right. */
export function FilesView({ show }: FilesViewProps = {}) {
  const [roots, setRoots] = useState<readonly WorkspaceRoot[]>();
  const [open, setOpen] = useState<{ file: Place; line?: number }>();
  const [menu, setMenu] = useState<{ node: TreeNode; at: { x: number; y: number } }>();
  const [pending, setPending] = useState<Pending>();
  const [message, setMessage] = useState<{ text: string; error: boolean }>();
  const [showHidden, setShowHidden] = useState(false);
  const [reloadToken, setReloadToken] = useState(0);
  const [changedOnDisk, setChangedOnDisk] = useState(0);
  const [reveal, setReveal] = useState<{ key: string; token: number }>();

  const [rootsVersion, setRootsVersion] = useState(0);
  useRememberedFile(roots, open?.file, (file) => setOpen({ file }));

  // A file or folder a spoken command named, once the roots are known: adjusted while
  // rendering (React's pattern for state that follows a prop), not in an effect.
  const [shownSeq, setShownSeq] = useState(0);
  const firstRoot = roots?.[0];
  if (show && firstRoot && show.seq !== shownSeq) {
    setShownSeq(show.seq);
    const place = { root: firstRoot.path, path: show.path === '.' ? '' : show.path };
    if (show.folder) setReveal({ key: absoluteOf(place), token: show.seq });
    else setOpen({ file: place });
  }

  // "Show hidden" is the `files.showHidden` setting; without a settings service it lasts for the session.
  useEffect(() => {
    let live = true;
    request({ type: 'SettingsGet', data: {} }).then(
      (reply) => live && setShowHidden(reply.values['files.showHidden']),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  const changeShowHidden = (value: boolean) => {
    setShowHidden(value);
    void request({ type: 'SettingsSet', data: { values: { 'files.showHidden': value } } }).catch(() => undefined);
  };

  useEffect(() => {
    let live = true;
    request({ type: 'WorkspaceList', data: {} }).then(
      (reply) => live && setRoots(reply.roots),
      (error: unknown) => live && setMessage({ text: describeFileError(error), error: true }),
    );
    return () => {
      live = false;
    };
  }, [rootsVersion]);

  const grant = async () => {
    try {
      const { root } = await request({ type: 'WorkspaceGrant', data: {} });
      if (root) {
        setMessage({ text: `Granted ${root.path}.`, error: false });
        setRootsVersion((version) => version + 1);
      }
    } catch (error) {
      setMessage({ text: describeFileError(error), error: true });
    }
  };

  const onChanges = useCallback(
    (root: string, changes: readonly FileChange[]) => {
      const file = open?.file;
      if (file?.root === root && changes.some((change) => change.path === file.path && change.kind === 'change')) {
        setChangedOnDisk((count) => count + 1);
      }
    },
    [open],
  );

  const run = async (describe: string, work: () => Promise<unknown>) => {
    try {
      await work();
      setMessage({ text: describe, error: false });
    } catch (error) {
      setMessage({ text: describeFileError(error), error: true });
    }
    setReloadToken((token) => token + 1);
  };

  const folderOf = (node: TreeNode): Place => (isFolder(node) ? node : { root: node.root, path: parentOf(node.path) });

  const submitName = (name: string) => {
    if (pending === undefined || pending.kind === 'delete') return;
    const { node } = pending;
    setPending(undefined);
    if (pending.kind === 'rename') {
      const target = { root: node.root, path: childOf(parentOf(node.path), name) };
      void run(`Renamed to ${name}.`, async () => {
        await request({
          type: 'FileOperation',
          data: { op: { kind: 'rename', to: absoluteOf(target) }, path: absoluteOf(node) },
        });
        if (open && absoluteOf(open.file) === absoluteOf(node)) setOpen({ file: target });
      });
      return;
    }
    const folder = folderOf(node);
    setReveal((previous) => ({ key: absoluteOf(folder), token: (previous?.token ?? 0) + 1 }));
    const target = { root: folder.root, path: childOf(folder.path, name) };
    if (pending.kind === 'new-folder') {
      void run(`Created folder ${name}.`, () =>
        request({ type: 'FileOperation', data: { op: { kind: 'mkdir' }, path: absoluteOf(target) } }),
      );
    } else {
      void run(`Created ${name}.`, async () => {
        await request({
          type: 'FileOperation',
          data: { op: { kind: 'write', content: '', createOnly: true }, path: absoluteOf(target) },
        });
        setOpen({ file: target });
      });
    }
  };

  const confirmDelete = (node: TreeNode) => {
    setPending(undefined);
    void run(`Moved ${node.name} to the trash.`, async () => {
      const reply = await request({ type: 'FileOperation', data: { op: { kind: 'delete' }, path: absoluteOf(node) } });
      if (open && absoluteOf(open.file).startsWith(absoluteOf(node))) setOpen(undefined);
      return reply;
    });
  };

  const confirmRevoke = (node: TreeNode) => {
    setPending(undefined);
    void run(`LocalBrain no longer has access to ${node.root}.`, async () => {
      await request({ type: 'WorkspaceRevoke', data: { path: node.root } });
      if (open?.file.root === node.root) setOpen(undefined);
      setRootsVersion((version) => version + 1);
    });
  };

  const pick = (id: string) => {
    if (!menu) return;
    const { node } = menu;
    setMenu(undefined);
    if (id === 'new-file' || id === 'new-folder' || id === 'rename' || id === 'delete' || id === 'revoke')
      setPending({ kind: id, node });
  };

  return (
    <section className="view files-view" aria-labelledby="files-heading">
      <div className="files-side">
        <div className="files-toolbar">
          <h1 id="files-heading">Files</h1>
          <button type="button" className="secondary" onClick={() => void grant()}>
            Grant folder…
          </button>
          <label className="hidden-toggle">
            <input type="checkbox" checked={showHidden} onChange={(event) => changeShowHidden(event.target.checked)} /> Show
            hidden
          </label>
        </div>
        {message !== undefined && (
          <p className={message.error ? 'file-error' : 'file-status'} role={message.error ? 'alert' : 'status'}>
            {message.text}
          </p>
        )}
        {roots !== undefined && (
          <FileTree
            roots={roots}
            showHidden={showHidden}
            selected={open && absoluteOf(open.file)}
            reloadToken={reloadToken}
            {...(reveal === undefined ? {} : { reveal })}
            onOpen={(node) => setOpen({ file: node })}
            onMenu={(node, at) => setMenu({ node, at })}
            onChanges={onChanges}
          />
        )}
        {roots !== undefined && (
          <SearchPanel
            roots={roots}
            onOpen={(hit: SearchHit) =>
              setOpen({ file: { root: hit.root, path: hit.path }, ...(hit.line === undefined ? {} : { line: hit.line }) })
            }
          />
        )}
        <TrashPanel version={reloadToken} onRestored={() => setReloadToken((token) => token + 1)} />
      </div>
      <div className="files-main">
        {open ? (
          <FileEditor
            key={absoluteOf(open.file)}
            file={open.file}
            {...(open.line === undefined ? {} : { line: open.line })}
            changedOnDisk={changedOnDisk}
          />
        ) : (
          <p className="muted">Choose a file in the tree to open it. Right-click (or press the menu key) for more.</p>
        )}
      </div>
      {menu && (
        <ContextMenu
          label={`Actions for ${menu.node.name}`}
          actions={menu.node.type === 'root' ? rootActions : [...folderActions, ...entryActions]}
          at={menu.at}
          onPick={pick}
          onClose={() => setMenu(undefined)}
        />
      )}
      {pending && pending.kind !== 'delete' && pending.kind !== 'revoke' && (
        <NameDialog
          title={
            pending.kind === 'rename' ? `Rename ${pending.node.name}` : pending.kind === 'new-file' ? 'New file' : 'New folder'
          }
          initial={pending.kind === 'rename' ? pending.node.name : ''}
          onSubmit={submitName}
          onClose={() => setPending(undefined)}
        />
      )}
      {pending?.kind === 'delete' && (
        <Dialog label={`Delete ${pending.node.name}`} onClose={() => setPending(undefined)}>
          <h2>Move {pending.node.name} to the trash?</h2>
          <p>It can be restored from the trash.</p>
          <div className="dialog-buttons">
            <button type="button" className="secondary" onClick={() => setPending(undefined)}>
              Cancel
            </button>
            <button type="button" onClick={() => confirmDelete(pending.node)}>
              Move to trash
            </button>
          </div>
        </Dialog>
      )}
      {pending?.kind === 'revoke' && (
        <Dialog label={`Remove ${pending.node.name}`} onClose={() => setPending(undefined)}>
          <h2>Remove {pending.node.name} from the workspace?</h2>
          <p>LocalBrain will no longer read or change anything in {pending.node.root}. Its files stay where they are.</p>
          <div className="dialog-buttons">
            <button type="button" className="secondary" onClick={() => setPending(undefined)}>
              Cancel
            </button>
            <button type="button" onClick={() => confirmRevoke(pending.node)}>
              Remove
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
