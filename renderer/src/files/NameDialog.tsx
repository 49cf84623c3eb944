import { useState, type SyntheticEvent } from 'react';
import { Dialog } from './Dialog';
import { checkName } from './paths';

/** Asks for one file or folder name, for new files, new folders and renames. */
export function NameDialog({
  title,
  initial,
  onSubmit,
  onClose,
}: {
  title: string;
  initial: string;
  readonly onSubmit: (name: string) => void;
  readonly onClose: () => void;
}) {
  const [name, setName] = useState(initial);
  const problem = checkName(name);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (problem === undefined) onSubmit(name.trim());
  };
  return (
    <Dialog label={title} onClose={onClose}>
      <form onSubmit={submit} className="name-form">
        <h2>{title}</h2>
        <label>
          Name
          <input autoFocus value={name} onChange={(event) => setName(event.target.value)} aria-invalid={problem !== undefined} />
        </label>
        {problem !== undefined && name !== '' && <p className="file-error">{problem}</p>}
        <div className="dialog-buttons">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={problem !== undefined}>
            OK
          </button>
        </div>
      </form>
    </Dialog>
  );
}
