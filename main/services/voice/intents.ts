import type { MessageData, ReplyValue } from '../../../shared/contract';
import type { VoiceIntent } from '../../../shared/contract/voice';

type VoiceReply = ReplyValue<'VoiceCommand'>;

/** A first, small grammar: each intent with the phrasings that name it. */
const phrasings: readonly { intent: Exclude<VoiceIntent, 'unknown'>; patterns: readonly RegExp[]; say: string }[] = [
  {
    intent: 'help',
    patterns: [/^(help|what can you do|commands)$/],
    say: 'You can say "list files" to see the workspace, or "open terminal" to start a shell.',
  },
  {
    intent: 'list_files',
    patterns: [/^(list|show)( the| my)? files$/, /^what files are (here|there)$/, /^ls$/],
    say: 'Here are the files in your workspace.',
  },
  {
    intent: 'open_terminal',
    patterns: [/^(open|new|start)( a)? (terminal|shell)$/],
    say: 'Opening a terminal.',
  },
];

/** Lower-case, fold spaces and drop punctuation and polite filler so "Please, open a terminal!" matches. */
export function normalizeUtterance(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(please|hey localbrain|localbrain|can you|could you)\s+/, '')
    .replace(/\s+(please|now)$/, '');
}

export function interpretCommand({ text }: MessageData<'VoiceCommand'>): VoiceReply {
  const utterance = normalizeUtterance(text);
  for (const { intent, patterns, say } of phrasings) {
    if (patterns.some((pattern) => pattern.test(utterance))) return { intent, understood: true, say };
  }
  return { intent: 'unknown', understood: false, say: 'Sorry, I did not understand that. Say "help" to hear what I can do.' };
}
