import type { Migration } from '../migrate';
import { migration001Initial } from './001-initial';
import { migration002AuditMac } from './002-audit-mac';
import { migration003PermissionsAndPlugins } from './003-permissions-and-plugins';
import { migration004CommandHistory } from './004-command-history';

/** Every schema step in order; the last one's version is the schema this build writes. */
export const migrations: readonly Migration[] = [
  migration001Initial,
  migration002AuditMac,
  migration003PermissionsAndPlugins,
  migration004CommandHistory,
];
