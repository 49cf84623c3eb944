/**
 * A unified diff, one line per row, coloured by kind; the file headers are left out. A
 * `replaced` diff (texts too different to compare in time) says so above the lines.
 */
export function DiffView({ patch, replaced = false }: { patch: string; replaced?: boolean }) {
  const lines = patch.split('\n').filter((line) => !line.startsWith('===') && !line.startsWith('---') && !line.startsWith('+++'));
  return (
    <>
      {replaced && (
        <p className="file-status" role="note">
          Too different to compare line by line: shown as the whole file replaced, every old line removed and every new line
          added.
        </p>
      )}
      <pre className="diff" role="region" aria-label="Diff">
        {lines.map((line, index) => {
          const kind = line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : 'same';
          return (
            <div key={index} className={`diff-line ${kind}`}>
              {line === '' ? ' ' : line}
            </div>
          );
        })}
      </pre>
    </>
  );
}
