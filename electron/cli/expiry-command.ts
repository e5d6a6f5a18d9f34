/** `ctiprefs settings expiry-warning-days [DAYS]`: shows or sets when certificates are marked for renewal. */
import { CtiError } from '../../shared/errors.ts';
import { checkExpiryWarningDays, EXPIRY_WARNING_DAYS } from '../../shared/fields.ts';
import { expiryWarningDaysOf } from '../../shared/profile.ts';
import type { CoreContext } from '../core/context.ts';
import type { CommandResult } from './commands.ts';

export async function expiryWarningDaysCommand(core: CoreContext, args: string[]): Promise<CommandResult> {
  if (args.length > 1) throw new CtiError('BAD_INPUT', `settings expiry-warning-days takes one value, ${EXPIRY_WARNING_DAYS.min} to ${EXPIRY_WARNING_DAYS.max}`);
  const settings = await core.settings.read();
  const [text] = args;
  if (text !== undefined) {
    const days = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
    const error = checkExpiryWarningDays(days);
    if (error) throw new CtiError('BAD_INPUT', `expiry-warning-days: ${error}, got "${text}"`);
    await core.settings.write({ ...settings, expiryWarningDays: days });
    return { value: { expiryWarningDays: days }, text: `Certificates with fewer than ${days} days left are now marked for renewal.` };
  }
  const days = expiryWarningDaysOf(settings);
  return { value: { expiryWarningDays: days }, text: `Certificates with fewer than ${days} days left are marked for renewal.` };
}
