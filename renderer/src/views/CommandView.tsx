import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { VoiceHistoryEntry, VoiceShow } from '../../../shared/contract/voice';
import { request } from '../api';
import { CommandBar } from '../command/CommandBar';

/** What the Command view offers to say: one sentence per kind of thing the grammar knows. */
const sayable: readonly string[] = [
  'open a terminal in src',
  'run git status',
  'in docs, run ls',
  'show me the readme',
  'list the files in docs',
  'find TODO in src',
  'create a file called notes.txt with buy milk',
  'rename notes.txt to ideas.txt',
  'delete notes.txt',
  'show the audit log',
  'verify the audit log',
  'show health',
  'switch to the light theme',
  'set the terminal font size to 16',
  'help',
];

/** Recent commands listed on the home view. */
const recentLimit = 12;

/** The home: the command bar, recent commands with their outcomes, and what you can say. */
export function CommandView({
  onShow,
  onOpenVoiceSettings,
}: {
  onShow: (show: VoiceShow) => void;
  onOpenVoiceSettings?: () => void;
}) {
  const [recent, setRecent] = useState<readonly VoiceHistoryEntry[]>([]);
  const refresh = useCallback(() => {
    request({ type: 'VoiceHistory', data: { limit: recentLimit } }).then(
      ({ entries }) => setRecent(entries),
      () => undefined,
    );
  }, []);
  useEffect(refresh, [refresh]);

  const section = (id: string, title: string, body: ReactNode) => (
    <section aria-labelledby={id} className="command-home-section">
      <h2 id={id}>{title}</h2>
      {body}
    </section>
  );

  return (
    <section className="view command-view" aria-labelledby="command-heading">
      <h1 id="command-heading">Command</h1>
      <CommandBar onShow={onShow} onDone={refresh} onOpenVoiceSettings={onOpenVoiceSettings} />
      {section(
        'recent-heading',
        'Recent',
        recent.length === 0 ? (
          <p className="muted">Nothing yet. Press Ctrl+K (⌘K on a Mac) anywhere to type a command.</p>
        ) : (
          <ul className="recent-list" aria-label="Recent commands">
            {recent.map((entry) => (
              <li key={entry.text} data-outcome={entry.outcome}>
                {entry.text} <span className="muted">— {entry.outcome === 'ok' ? 'done' : entry.outcome}</span>
              </li>
            ))}
          </ul>
        ),
      )}
      {section(
        'say-heading',
        'What you can say',
        <ul className="say-list" aria-label="What you can say">
          {sayable.map((sentence) => (
            <li key={sentence}>“{sentence}”</li>
          ))}
        </ul>,
      )}
    </section>
  );
}
