import { useEffect, useState } from 'react';
import type { TrashItem } from '../../../shared/contract/files';
import { ReplyError, request } from '../api';
import { describeFileError } from './errors';

/**
 * Serve mode's trash: what was deleted, newest first, each restorable to where it was.
 * The desktop app uses the system trash, and this panel says so.
 */
export function TrashPanel({ version, onRestored }: { version: number; onRestored: () => void }) {
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<readonly TrashItem[]>();
  const [note, setNote] = useState<{ text: string; error: boolean }>();
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    if (!open) return;
    let live = true;
    request({ type: 'FileTrashList', data: {} }).then(
      (reply) => live && setItems(reply.items),
      (error: unknown) => {
        if (!live) return;
        setItems(undefined);
        const systemTrash = error instanceof ReplyError && error.payload.code === 'Unavailable';
        setNote({ text: systemTrash ? error.payload.message : describeFileError(error), error: !systemTrash });
      },
    );
    return () => {
      live = false;
    };
  }, [open, version, reloads]);

  const restore = async (item: TrashItem) => {
    try {
      await request({ type: 'FileTrashRestore', data: { id: item.id } });
      setNote({ text: `Restored ${item.originalPath}.`, error: false });
      onRestored();
    } catch (error) {
      setNote({ text: describeFileError(error), error: true });
    }
    setReloads((count) => count + 1);
  };

  return (
    <section className="trash-panel" aria-label="Trash">
      <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
        Trash
      </button>
      {open && note !== undefined && (
        <p className={note.error ? 'file-error' : 'muted'} role={note.error ? 'alert' : 'status'}>
          {note.text}
        </p>
      )}
      {open && items?.length === 0 && <p className="muted">The trash is empty.</p>}
      {open && items !== undefined && items.length > 0 && (
        <ul className="trash-items" aria-label="Deleted items">
          {items.map((item) => (
            <li key={item.id}>
              <span className="trash-path" title={new Date(item.deletedAt).toLocaleString()}>
                {item.originalPath}
              </span>
              <button
                type="button"
                className="secondary"
                onClick={() => void restore(item)}
                aria-label={`Restore ${item.originalPath}`}
              >
                Restore
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
