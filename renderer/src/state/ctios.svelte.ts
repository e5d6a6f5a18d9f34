/** The CTI OS tab's choices, kept while the user looks at another tab (the panel itself is unmounted). */
import type { CtiosRole } from '../../../shared/ctios-fields.ts';

/** Under the ctiprefs home: the core resolves relative folders there. One folder serves a lab or a first try. */
export const DEFAULT_CTIOS_FOLDER = 'ctios';

export const ctiosChoices = $state({
  caDir: DEFAULT_CTIOS_FOLDER,
  dir: DEFAULT_CTIOS_FOLDER,
  role: 'client' as CtiosRole,
  subject: '',
  server: '',
});
