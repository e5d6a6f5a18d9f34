/**
 * `ctiprefs import jtapi|genesys FILE`: the real CLI against the lab. Profiles are created from the files,
 * auth codes are never stored and are used once with --enroll, and a refused file writes nothing (exit 2).
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startLabProcess } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const JTAPI_CODE = '86420975';
const GENESYS_CODE = '13572468';

let lab: { child: ChildProcess; ready: Record<string, unknown> };
let root: Awaited<ReturnType<typeof tempDir>>;
let tftp: [string, string];
let capf: [string, string];

beforeAll(async () => {
  root = await tempDir('import-cli');
  lab = await startLabProcess(['--dir', join(root.path, 'lab'), '--profile', `JtapiLab1:${JTAPI_CODE}:p256`, '--profile', `GenesysLab1:${GENESYS_CODE}:p256`]);
  tftp = String(lab.ready.tftp).split(':') as [string, string];
  capf = String(lab.ready.capf).split(':') as [string, string];
}, 60_000);

afterAll(async () => {
  lab?.child.kill();
  await root?.remove();
});

async function file(name: string, text: string | Buffer): Promise<string> {
  const path = join(root.path, name);
  await writeFile(path, text);
  return path;
}

const jtapiIni = () =>
  `TraceLevel=1\r\nSecurityProperty=labuser,JtapiLab1,${JTAPI_CODE},${capf[0]},${capf[1]},${tftp[0]},${tftp[1]},C:\\JTAPI,true,,false;labuser,JtapiLab2,,${capf[0]},${capf[1]},${tftp[0]},${tftp[1]},,true,,false;\r\n`;

const genesysOptions = (links: string) =>
  `[TServer]\nlink-1-name=link-a\n\n[link-tls]\npassword=GenesysPass\ntls-capf-host=${capf[0]}\ntls-capf-port=${capf[1]}\ntls-tftp-host=${tftp[0]}\ntls-tftp-port=${tftp[1]}\n\n${links}`;

const exists = (path: string) => access(path).then(() => true, () => false);

describe('ctiprefs import', () => {
  it('jtapi --dry-run lists the profiles (user, instance ID, servers) and writes nothing', async () => {
    const home = join(root.path, 'dry');
    const run = await runCli(['--home', home, 'import', 'jtapi', await file('dry.ini', jtapiIni()), '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`created  record 1: user labuser, instance ID JtapiLab1, TFTP ${tftp.join(':')}, CAPF ${capf.join(':')}, auth code present (not stored)`);
    expect(run.stdout).toContain('created  record 2: user labuser, instance ID JtapiLab2');
    expect(run.stdout).not.toContain(JTAPI_CODE);
    expect(await exists(join(home, 'settings.json'))).toBe(false);
  });

  it('jtapi --enroll creates both profiles, enrolls the one with an auth code once, and stores no code', async () => {
    const home = join(root.path, 'jtapi');
    const run = await runCli(['--home', home, '--json', 'import', 'jtapi', await file('jtapi.ini', jtapiIni()), '--enroll']);
    expect(run.stderr).not.toContain(JTAPI_CODE);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.profiles.map((p: { instanceId: string }) => p.instanceId)).toEqual(['JtapiLab1', 'JtapiLab2']);
    expect(result.enrollments).toEqual([expect.objectContaining({ source: 'record 1', instanceId: 'JtapiLab1', status: expect.objectContaining({ state: 'succeeded', outcome: 'installed' }) })]);
    expect(result.notices).toEqual(['The auth code of record 1 is used up: remove it from jtapi.ini.', 'record 2: not enrolled (no usable auth code in the file)']);
    expect(run.stdout).not.toContain(JTAPI_CODE);
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).not.toContain(JTAPI_CODE);
    expect(JSON.parse(settings).profiles.map((p: { instanceId: string }) => p.instanceId)).toEqual(['JtapiLab1', 'JtapiLab2']);
    const certs = JSON.parse((await runCli(['--home', home, '--json', 'certs', 'list'])).stdout);
    expect(certs.certificates.map((c: { instanceId: string }) => c.instanceId)).toEqual(['JtapiLab1']);
  });

  it('genesys --enroll makes one profile per link and says to remove tls-auth-code afterwards', async () => {
    const home = join(root.path, 'genesys');
    const path = await file('tserver.cfg', genesysOptions(`[link-a]\ntls-instance-id=GenesysLab1\ntls-auth-code=${GENESYS_CODE}\n`));
    const run = await runCli(['--home', home, 'import', 'genesys', path, '--user', 'tserver', '--enroll']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`created  section [link-a]: user tserver, instance ID GenesysLab1, TFTP ${tftp.join(':')}, CAPF ${capf.join(':')}, auth code present (not stored)`);
    expect(run.stdout).toContain('section [link-a] (instance GenesysLab1): installed');
    expect(run.stdout).toContain('Remove tls-auth-code from section [link-a] now, as the Genesys procedure requires');
    const settings = await readFile(join(home, 'settings.json'), 'utf8');
    expect(settings).not.toContain(GENESYS_CODE);
    expect(settings).not.toContain('GenesysPass');
  });

  it('refuses one instance ID on two links (exit 2, both sections named) and writes nothing', async () => {
    const home = join(root.path, 'duplicate');
    const path = await file('dup.cfg', genesysOptions('[link-a]\ntls-instance-id=GenesysLab1\n[link-b]\ntls-instance-id=GenesysLab1\n'));
    const run = await runCli(['--home', home, '--json', 'import', 'genesys', path, '--user', 'tserver']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toMatch(/^Nothing was imported: Instance ID GenesysLab1 is in both section \[link-a\] and section \[link-b\]: .*Cisco may invalidate/);
    expect(run.stderr).toContain('Usage: ctiprefs [--home DIR] [--json] import genesys FILE');
    expect(await exists(join(home, 'settings.json'))).toBe(false);
  });

  it('reads a UTF-16 file with its byte order mark; refuses an oversized or missing file and --dry-run with --enroll', async () => {
    const home = join(root.path, 'inputs');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jtapiIni(), 'utf16le')]);
    const ok = await runCli(['--home', home, '--json', 'import', 'jtapi', await file('utf16.ini', utf16), '--dry-run']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).profiles).toHaveLength(2);

    const huge = await runCli(['--home', home, '--json', 'import', 'jtapi', await file('huge.ini', Buffer.alloc(300 * 1024, 0x41))]);
    expect(huge.code).toBe(2);
    expect(JSON.parse(huge.stdout).error.message).toMatch(/larger than 262144 bytes/);

    const missing = await runCli(['--home', home, 'import', 'jtapi', join(root.path, 'nope.ini')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read import file');

    const both = await runCli(['--home', home, 'import', 'jtapi', await file('both.ini', jtapiIni()), '--dry-run', '--enroll']);
    expect(both.code).toBe(2);
    expect(await exists(join(home, 'settings.json'))).toBe(false);
  });
});
