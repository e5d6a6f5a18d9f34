/** A separate process that upserts profiles and sets statuses in one home: `node child.ts HOME PREFIX COUNT`. */
import { defaultProfile } from '../../../shared/profile.ts';
import { openCore } from '../../../electron/core/context.ts';
import { silentLogger } from '../../../electron/core/log.ts';

const [home, prefix, count] = process.argv.slice(2) as [string, string, string];
const core = openCore({ home, logger: silentLogger });
for (let i = 0; i < Number(count); i++) {
  const id = `${prefix}-${i}`;
  await core.settings.upsertProfile({ ...defaultProfile(id), userName: prefix, instanceId: `${prefix}${i}`, tftpServers: ['127.0.0.1'], capfHost: '127.0.0.1' });
  await core.status.set(id, { state: 'succeeded', at: new Date().toISOString(), outcome: 'installed' });
}
