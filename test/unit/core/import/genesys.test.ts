/**
 * Genesys T-Server for Cisco UCM options: the sample export, round trips of generated links through a
 * writer of the documented sections, duplicate instance IDs, and hostile input.
 */
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGenesysOptions } from '../../../../electron/core/import/genesys.ts';
import { prepareImport } from '../../../../electron/core/import/plan.ts';
import { EMPTY_SETTINGS } from '../../../../electron/core/settings.ts';

const sample = () => readFile(new URL('samples/tserver-ucm-options.cfg', import.meta.url), 'utf8');
const plan = (text: string, userName = 'tserver') => prepareImport({ kind: 'genesys', text, userName }, EMPTY_SETTINGS);

const LINK_TLS = '[link-tls]\ntls-capf-host=10.0.0.5\ntls-tftp-host=10.0.0.6\n';

interface Link {
  name: string;
  instanceId: string;
  authCode: string;
}

/** The documented layout: the T-Server section names the links, [link-tls] holds the servers. */
function writeOptions(links: readonly Link[], servers: { capf: string; capfPort: number; tftp: string; tftpPort: number }): string {
  const tserver = ['[TServer]', ...links.map((l, i) => `link-${i + 1}-name = ${l.name}`)];
  const linkTls = ['[link-tls]', 'password = secret', `tls-capf-host = ${servers.capf}`, `tls-capf-port = ${servers.capfPort}`, `tls-tftp-host = ${servers.tftp}`, `tls-tftp-port = ${servers.tftpPort}`];
  const sections = links.map((l) => [`[${l.name}]`, `tls-instance-id = ${l.instanceId}`, `tls-auth-code = ${l.authCode}`]);
  return [tserver, linkTls, ...sections].map((s) => s.join('\r\n')).join('\r\n\r\n');
}

describe('Genesys T-Server options', () => {
  it('reads the sample export: one profile per TLS link, secrets never in the plan', async () => {
    const prepared = await plan(await sample());
    expect(prepared.plan.refusals).toEqual([]);
    expect(prepared.plan.profiles).toEqual([
      expect.objectContaining({ source: 'section [link-ccm-a]', userName: 'tserver', instanceId: 'GenesysLinkA', tftpServers: ['10.10.20.11:69'], capfHost: '10.10.20.11', capfPort: 3804, authCode: 'present' }),
      expect.objectContaining({ source: 'section [link-ccm-b]', instanceId: 'GenesysLinkB', authCode: 'absent' }),
    ]);
    const everything = JSON.stringify([prepared.plan, prepared.profiles]);
    expect(everything).not.toContain('24681357');
    expect(everything).not.toContain('Genesys-Keystore-Passphrase');
    expect(prepared.plan.warnings).toEqual([
      expect.stringMatching(/^password in \[link-tls\] .* is not imported/),
      expect.stringMatching(/^tls-cert-path "\/opt\/genesys\/tserver\/certs" is not used/),
      'Section [link-ccm-plain] has no tls-instance-id: that link does not use TLS, so no profile is made for it',
    ]);
  });

  it('round trip: generated links written as an options export come back as the same profiles', async () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => n !== 'link-tls' && n !== 'tserver');
    const link = fc.record({ name, instanceId: fc.stringMatching(/^[a-zA-Z0-9]{1,24}$/), authCode: fc.stringMatching(/^[0-9]{4,10}$/) });
    const links = fc.uniqueArray(link, { minLength: 1, maxLength: 6, selector: (l) => l.name }).filter((ls) => new Set(ls.map((l) => l.instanceId)).size === ls.length);
    const port = fc.integer({ min: 1, max: 65535 });
    await fc.assert(
      fc.asyncProperty(links, port, port, async (ls, capfPort, tftpPort) => {
        const prepared = await plan(writeOptions(ls, { capf: '10.1.2.3', capfPort, tftp: '10.1.2.4', tftpPort }));
        expect(prepared.plan.refusals).toEqual([]);
        expect(prepared.profiles.map((p) => [p.instanceId, p.capfPort, p.tftpServers])).toEqual(ls.map((l) => [l.instanceId, capfPort, [`10.1.2.4:${tftpPort}`]]));
        expect(prepared.plan.profiles.map((p) => p.source)).toEqual(ls.map((l) => `section [${l.name}]`));
        expect([...prepared.authCodes.values()]).toEqual(ls.map((l) => l.authCode));
      }),
    );
  });

  it('refuses one instance ID on two links, naming both sections', async () => {
    const prepared = await plan(`${LINK_TLS}[link-a]\ntls-instance-id=Same1\n[link-b]\ntls-instance-id=Same1\n`);
    expect(prepared.plan.refusals).toEqual([
      'Instance ID Same1 is in both section [link-a] and section [link-b]: each connection needs its own instance ID, and Cisco may invalidate a certificate that two connections use',
    ]);
  });

  it('refuses duplicate sections and duplicate options instead of merging them', async () => {
    expect(parseGenesysOptions(`${LINK_TLS}[link-tls]\ntls-capf-host=10.0.0.9\n[l]\ntls-instance-id=a\n`, 'u').refusals).toEqual([
      'Section [link-tls] is on lines 1 and 4: a section appears once',
    ]);
    expect(parseGenesysOptions(`${LINK_TLS}[l]\ntls-instance-id=a\ntls-instance-id=b\n`, 'u').refusals).toEqual([
      'Option tls-instance-id is twice in section [l] (lines 5 and 6): keep one',
    ]);
  });

  it('needs the user name, [link-tls] and at least one link with tls-instance-id', async () => {
    expect((await plan(`${LINK_TLS}[l]\ntls-instance-id=a\n`, '')).plan.refusals).toEqual([expect.stringMatching(/^User name: the options do not name the CTI user/)]);
    expect((await plan('[l]\ntls-instance-id=a\n')).plan.refusals).toEqual(['No [link-tls] section: the file holds no TLS options of T-Server for Cisco UCM']);
    expect((await plan(LINK_TLS)).plan.refusals).toEqual(['No link section has tls-instance-id: there is no TLS link to import']);
    expect((await plan(`${LINK_TLS}[l]\ntls-auth-code=1234\n`)).plan.refusals).toEqual([
      'Section [l] has tls-auth-code but no tls-instance-id: a link\'s certificate needs both',
      'No link section has tls-instance-id: there is no TLS link to import',
    ]);
  });

  it('names the section and option of a bad value', async () => {
    const prepared = await plan('[link-tls]\ntls-capf-host=10.0.0.5\ntls-capf-port=0\ntls-tftp-host=bad host\n[l]\ntls-instance-id=a-b\n');
    expect(prepared.plan.refusals).toEqual([
      'tls-capf-port in [link-tls] must be 1 to 65535, got "0"',
      'section [l]: Instance ID must be 1 to 128 letters or digits (a-z, A-Z, 0-9)',
      'section [l]: TFTP server must be an IPv4 address or a host name',
    ]);
  });

  it('reports unknown link-tls options, dangling link names and stray lines; reads a BOM, CR line ends and quotes', async () => {
    const text = '\uFEFFstray=1\r[TServer]\rlink-1-name=gone\r[link-tls]\rtls-capf-host="10.0.0.5"\rtls-tftp-host=10.0.0.6, 10.0.0.7\rtls-extra=1\rnonsense\r[l]\rtls-instance-id=a\r';
    const prepared = await plan(text);
    expect(prepared.plan.refusals).toEqual([]);
    expect(prepared.plan.profiles[0]).toMatchObject({ capfHost: '10.0.0.5', tftpServers: ['10.0.0.6:69', '10.0.0.7:69'] });
    expect(prepared.plan.warnings).toEqual([
      'Line 1: option "stray" comes before any section; ignored',
      'Line 8 is neither [section] nor key=value; ignored',
      'Option "tls-extra" in section [link-tls] is not one of password, tls-cert-path, tls-capf-host, tls-capf-port, tls-tftp-host, tls-tftp-port; ignored',
      'link-1-name in section [TServer] names section [gone], which is not in the file',
      'Section [l] has tls-instance-id but no link-<n>-name option names it; imported anyway',
    ]);
  });

  it('refuses huge values of the options it reads, and binary text', async () => {
    expect((await plan(`[link-tls]\ntls-capf-host=${'a'.repeat(5000)}\ntls-tftp-host=h\n[l]\ntls-instance-id=a\n`)).plan.refusals[0]).toBe(
      'Option tls-capf-host in section [link-tls] is 5000 characters long; at most 4096',
    );
    expect(parseGenesysOptions('[link-tls]\0', 'u').refusals[0]).toMatch(/NUL/);
  });

  it('reads long lines of blanks in linear time: a line of spaces, "[" and spaces, spaces around "="', async () => {
    const blanks = ' '.repeat(60_000); // three lines of it stay under the 256 KiB cap
    const warnings = (await plan(`${LINK_TLS}[l]\ntls-instance-id=a\n${blanks}x\n[${blanks}\n${blanks}=${blanks}\n`)).plan.warnings;
    expect(warnings).toEqual(['Line 6 is neither [section] nor key=value; ignored', 'Line 7 is neither [section] nor key=value; ignored', 'Line 8 is neither [section] nor key=value; ignored']);
  });

  it('never throws on arbitrary text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), async (junk) => {
        expect(Array.isArray((await plan(`${LINK_TLS}${junk}\n[${junk}]\n${junk}=${junk}`)).plan.refusals)).toBe(true);
      }),
    );
  });
});
