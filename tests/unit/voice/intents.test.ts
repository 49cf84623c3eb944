import { describe, expect, it } from 'vitest';
import { interpretCommand, normalizeUtterance } from '../../../main/services/voice/intents';

const say = (text: string) => interpretCommand({ text, metadata: { source: 'voice' } });

describe('the first command grammar', () => {
  it.each([
    ['help', 'help'],
    ['Help!', 'help'],
    ['what can you do?', 'help'],
    ['list files', 'list_files'],
    ['Please, list the files.', 'list_files'],
    ['show my files', 'list_files'],
    ['open terminal', 'open_terminal'],
    ['Open a terminal, please', 'open_terminal'],
    ['hey LocalBrain new shell', 'open_terminal'],
  ])('understands "%s" as %s', (text, intent) => {
    expect(say(text)).toMatchObject({ intent, understood: true });
  });

  it.each(['delete everything', 'list files and then rm -rf', 'terminal', 'helpful', '列出文件'])(
    'does not guess at "%s"',
    (text) => {
      expect(say(text)).toMatchObject({ intent: 'unknown', understood: false, say: expect.stringContaining('help') as unknown });
    },
  );

  it('folds case, width, punctuation and spacing', () => {
    expect(normalizeUtterance('  ＬＩＳＴ   files!!  ')).toBe('list files');
  });
});
