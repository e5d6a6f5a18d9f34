/** Bad command-line input: exit 2 with a message that names the flag and what it accepts (the real CLI). */
import { mkdir, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/temp.ts';

let home: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  home = await tempDir('cli-input');
});
afterAll(async () => {
  await home?.remove();
});

const enrollArgs = ['enroll', '--tftp', '127.0.0.1:9', '--capf', '127.0.0.1:9', '--user', 'u', '--instance-id', 'input1'];

async function refused(args: string[], options: { cwd?: string } = {}): Promise<string> {
  const run = await runCli(['--json', ...args], options);
  const body = JSON.parse(run.stdout) as { error: { code: string; message: string } };
  expect({ code: run.code, error: body.error.code }).toEqual({ code: 2, error: 'BAD_INPUT' });
  return body.error.message;
}

describe('ctiprefs bad input', () => {
  it('refuses an empty --home instead of using the current folder', async () => {
    const cwd = join(home.path, 'cwd');
    await mkdir(cwd);
    expect(await refused(['--home=', 'status'], { cwd })).toBe('--home needs a folder path');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('reads a negative --retries as its value and names the range', async () => {
    const base = ['--home', home.path, ...enrollArgs, '--auth-string', '1234'];
    expect(await refused([...base, '--retries', '-1'])).toBe('--retries: Retries must be 0 to 3, got "-1"');
    expect(await refused([...base, '--retries=-1'])).toBe('--retries: Retries must be 0 to 3, got "-1"');
    expect(await refused([...base, '--retry-interval', '-5'])).toBe('--retry-interval: Retry interval must be 0 to 15, got "-5"');
  });

  it('names --tftp, never a settings profile, when a TFTP server is wrong', async () => {
    // A profile in settings already, so the settings check would speak of "Profile 2".
    const settings = {
      version: 1,
      activeProfileId: 'other',
      profiles: [
        {
          id: 'other',
          userName: 'other',
          instanceId: 'other1',
          tftpServers: ['127.0.0.1'],
          capfHost: '127.0.0.1',
          capfPort: 3804,
          secureConnection: true,
          ctiManagerServer: '',
          retries: 0,
          retryInterval: 0,
          deviceNameTemplate: '{instance}',
          certificatePath: '',
        },
      ],
    };
    await writeFile(join(home.path, 'settings.json'), JSON.stringify(settings));
    const enroll = ['--home', home.path, 'enroll', '--capf', '127.0.0.1', '--user', 'u', '--instance-id', 'input1', '--auth-string', '1234'];
    const message = await refused([...enroll, '--tftp', '127.0.0.1', '--tftp', 'bad_host']);
    expect(message).toBe('--tftp must be an IPv4 address or a host name');
    expect(await refused(['--home', home.path, 'ctl', 'fetch', '--tftp', '10.0.0.1:99999'])).toBe('--tftp port must be 1 to 65535');
  });

  it('says that IPv6 is not supported for --tftp and --capf', async () => {
    for (const tftp of ['[::1]:69', '::1']) {
      expect(await refused(['--home', home.path, 'ctl', 'fetch', '--tftp', tftp])).toBe(
        `--tftp must be an IPv4 address or a host name: IPv6 addresses are not supported, got "${tftp}"`,
      );
    }
    const capf = ['--home', home.path, 'enroll', '--tftp', '127.0.0.1', '--user', 'u', '--instance-id', 'input1', '--auth-string', '1234', '--capf'];
    expect(await refused([...capf, '[::1]:3804'])).toMatch(/^--capf must be an IPv4 address or a host name: IPv6 addresses are not supported/);
  });

  it('refuses an --auth-string-file far larger than an authentication string without reading it whole', async () => {
    const big = join(home.path, 'big-auth.txt');
    await writeFile(big, '12345678\n');
    await truncate(big, 100 * 1024 * 1024);
    const message = await refused(['--home', home.path, ...enrollArgs, '--auth-string-file', big]);
    expect(message).toBe(`--auth-string-file: "${big}" is longer than 4096 bytes; it must hold only the authentication string (4 to 10 digits)`);
    // A device that never ends is cut off at the same limit.
    expect(await refused(['--home', home.path, ...enrollArgs, '--auth-string-file', '/dev/zero'])).toMatch(/"\/dev\/zero" is longer than 4096 bytes/);
    const folder = await refused(['--home', home.path, ...enrollArgs, '--auth-string-file', home.path]);
    expect(folder).toBe(`--auth-string-file: cannot read "${home.path}" (EISDIR)`);
  });
});
