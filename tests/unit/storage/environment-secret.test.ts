import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeSecretFromEnvironment } from '../../../main/services/keys/environment-secret';

const modulePath = path.resolve(import.meta.dirname, '../../../main/services/keys/environment-secret.ts');

describe('takeSecretFromEnvironment', () => {
  it('returns the value and removes the variable from the given environment', () => {
    const env: NodeJS.ProcessEnv = { SECRET_FOR_TEST: 'abc', OTHER: 'kept' };
    expect(takeSecretFromEnvironment('SECRET_FOR_TEST', env)).toEqual({ value: 'abc', scrub: 'unsupported' });
    expect(env).toEqual({ OTHER: 'kept' });
    expect(takeSecretFromEnvironment('SECRET_FOR_TEST', env)).toEqual({ value: undefined, scrub: 'absent' });
    expect(takeSecretFromEnvironment('EMPTY', { EMPTY: '' })).toEqual({ value: undefined, scrub: 'absent' });
  });

  it.runIf(process.platform === 'linux')(
    "erases the value from the process's own /proc/self/environ, leaving look-alike variables alone",
    () => {
      const secret = 'f00d'.repeat(16);
      // A fresh process, so the secret is in the block the kernel copied in at exec, as a real start has it.
      const script = `
        import { readFileSync } from 'node:fs';
        const { takeSecretFromEnvironment } = await import(${JSON.stringify(modulePath)});
        const taken = takeSecretFromEnvironment('LB_TEST_SECRET');
        const block = readFileSync('/proc/self/environ', 'latin1').split('\\0');
        console.log(JSON.stringify({ taken, inEnv: process.env.LB_TEST_SECRET ?? null, block }));
      `;
      const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, LB_TEST_SECRET: secret, XLB_TEST_SECRET: 'neighbour', LB_TEST_SECRETS: 'other' },
        encoding: 'utf8',
      });
      const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as {
        taken: { value: string; scrub: string };
        inEnv: string | null;
        block: string[];
      };
      expect(result.taken).toEqual({ value: secret, scrub: 'cleared' });
      expect(result.inEnv).toBeNull();
      expect(result.block.join('\n')).not.toContain(secret);
      expect(result.block).toContain('LB_TEST_SECRET=');
      expect(result.block).toContain('XLB_TEST_SECRET=neighbour');
      expect(result.block).toContain('LB_TEST_SECRETS=other');
    },
  );
});
