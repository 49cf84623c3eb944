import type { Migration } from '../migrate';
import { migration001Initial } from './001-initial';
import { migration003CommandHistory } from './003-command-history';

/** Every schema step in order; the last one's version is the schema this build writes. */
export const migrations: readonly Migration[] = [migration001Initial, migration003CommandHistory];
