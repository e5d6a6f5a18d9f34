/** Where a window session (the app, the preview) keeps its files and secrets: a lab never uses the real ones. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_VAULT_SERVICE } from '../../../electron/core/keystore/vault.ts';
import { LAB_VAULT_SERVICE, sessionHome, sessionVaultService } from '../../../electron/lab-session.ts';

const env = { CTIPREFS_HOME: '/home/alice/.config/ctiprefs' };

describe('sessionHome and sessionVaultService', () => {
  it('uses the real home and vault service without --lab', () => {
    expect(sessionHome({ lab: false }, env)).toBe('/home/alice/.config/ctiprefs');
    expect(sessionVaultService({ lab: false })).toBe(DEFAULT_VAULT_SERVICE);
  });

  it('gives --lab a home and a vault service of its own', () => {
    expect(sessionHome({ lab: true }, env)).toBe('/home/alice/.config/ctiprefs-lab');
    expect(sessionVaultService({ lab: true })).toBe(LAB_VAULT_SERVICE);
    expect(LAB_VAULT_SERVICE).not.toBe(DEFAULT_VAULT_SERVICE);
  });

  it('takes --home as given, resolved, with or without --lab', () => {
    expect(sessionHome({ lab: true, home: '/tmp/rehearsal' }, env)).toBe('/tmp/rehearsal');
    expect(sessionHome({ lab: false, home: 'relative/dir' }, env)).toBe(`${process.cwd()}/relative/dir`);
  });
});
