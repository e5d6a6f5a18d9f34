/** The CTI OS file names live in shared/ so the window names the same files as the core and the CLI. */
export { CA_CERT_FILE, CA_KEY_FILE, filesOf, roleOfRequestFile, type CtiosRoleFiles } from '../../../shared/ctios-file-names.ts';
