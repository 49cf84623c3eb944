/** A unified diff, one line per row, coloured by kind; the file headers are left out. */
export function DiffView({ patch }: { patch: string }) {
  const lines = patch.split('\n').filter((line) => !line.startsWith('===') && !line.startsWith('---') && !line.startsWith('+++'));
  return (
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
  );
}
