import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../../support/temp';

/** The workspace every sentence is resolved against: real folders and files on disk. */
export async function voiceWorkspace(): Promise<Awaited<ReturnType<typeof tempDir>>> {
  const workspace = await tempDir('localbrain-voice-');
  for (const folder of ['src/renderer', 'docs', 'notes', 'test'])
    await mkdir(path.join(workspace.path, folder), { recursive: true });
  for (const file of ['README.md', 'package.json', 'src/main.ts', 'docs/guide.md', 'notes/todo.txt']) {
    await writeFile(path.join(workspace.path, file), `${file}\n`);
  }
  return workspace;
}
