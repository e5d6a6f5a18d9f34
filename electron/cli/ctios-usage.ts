/**
 * The `ctiprefs ctios` usage text and the CA password's variable: light, so `ctiprefs --help` can show them
 * without loading the CTI OS commands (pkijs, the TLS test).
 */
import { CTIOS_CA_PASSWORD_LENGTH } from '../../shared/ctios-fields.ts';

export const CA_PASSWORD_ENV = 'CTIPREFS_CTIOS_CA_PASSWORD';

export const CTIOS_USAGE = `  ctiprefs ctios ca create --out DIR [--subject "CN=..."] [--password-file FILE|-]
  ctiprefs ctios request --role client|server|peer --out DIR [--subject "CN=...,OU=...,O=...,C=.."]
  ctiprefs ctios sign --ca DIR --request FILE --out DIR [--role client|server] [--password-file FILE|-]
  ctiprefs ctios combine --cert FILE --key FILE --out FILE [--cleanup]
  ctiprefs [--json] ctios check DIR [--role client|server|peer]
  ctiprefs [--json] ctios test --server HOST:PORT --dir DIR [--handshake-time SECONDS]
  ctiprefs [--home DIR] ctios settings (show | set NAME=VALUE... | export --reg FILE | import --reg FILE) [--role client|server]
  (the CA password: ${CA_PASSWORD_ENV} or --password-file, ${CTIOS_CA_PASSWORD_LENGTH.min} to ${CTIOS_CA_PASSWORD_LENGTH.max} characters)`;
