/**
 * Child process for the kill -9 test: writes `sizeMiB` MiB of one byte value to `name` in
 * `folder` with the app's atomic write, then prints "done". The test kills it mid-way.
 */
import { ConfinedDir } from '../../../main/services/workspace/confined';
import { writeAtomic } from '../../../main/services/files/atomic-write';
import { containedIn } from '../../../main/services/workspace/inside';

const [folder = '', name = '', sizeMiB = '0', fill = 'B'] = process.argv.slice(2);
const data = Buffer.alloc(Number(sizeMiB) * 1024 * 1024, fill);
const dir = await ConfinedDir.open(folder, containedIn([folder]), folder);
process.stdout.write('writing\n');
await writeAtomic(dir, name, data);
await dir.close();
process.stdout.write('done\n');
