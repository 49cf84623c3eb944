import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinIntents } from '../../../main/services/voice/builtin-intents';
import { IntentEngine } from '../../../main/services/voice/engine';
import { RootsLister } from '../../../main/services/voice/paths';
import { IntentRegistry } from '../../../main/services/voice/registry';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
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

/** The built-in intents over a workspace's granted root: the engine the typed and spoken tests parse with. */
export async function builtinEngine(workspacePath: string): Promise<IntentEngine> {
  const roots = new WorkspaceRoots();
  await roots.grant(workspacePath);
  const registry = new IntentRegistry();
  for (const intent of builtinIntents) registry.registerIntent(intent);
  return new IntentEngine(registry, new RootsLister(roots));
}
