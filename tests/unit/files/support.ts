import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileOperations } from '../../../main/services/files/operations';
import { DataDirTrash } from '../../../main/services/files/trash';
import { WorkspaceRoots } from '../../../main/services/workspace/roots';
import { tempDir } from '../../support/temp';

/** A real workspace folder with a canary file beside it (outside), and the services over it. */
export async function fileFixture() {
  const base = await tempDir('localbrain-files-');
  const workspace = path.join(base.path, 'workspace');
  const outside = path.join(base.path, 'outside');
  const dataDir = path.join(base.path, 'data');
  await mkdir(workspace);
  await mkdir(outside);
  await mkdir(dataDir);
  const canary = 'CANARY-5f0e1c: this must never be read through LocalBrain\n';
  await writeFile(path.join(outside, 'canary.txt'), canary);
  await writeFile(path.join(workspace, 'readme.md'), '# hello\n');
  await mkdir(path.join(workspace, 'docs'));
  await writeFile(path.join(workspace, 'docs', 'guide.md'), 'a guide\n');
  await symlink(path.join(outside, 'canary.txt'), path.join(workspace, 'link-out'));
  await symlink(outside, path.join(workspace, 'dir-out'));
  await symlink(path.join(workspace, 'readme.md'), path.join(workspace, 'link-in'));
  const roots = new WorkspaceRoots();
  await roots.grant(workspace);
  const trash = new DataDirTrash(dataDir);
  const files = new FileOperations(roots, trash);
  return { base, workspace, outside, dataDir, canary, roots, trash, files, remove: () => base.remove() };
}
