/** CtiosClient.pem / CtiosServer.pem: "CtiosClientCert.pem data first and then CtiosClientkey.pem data second". */
import { toPem } from '../pki/certificates.ts';
import type { PemBlock } from './pem-blocks.ts';

export function combinedPem(certificateDer: Buffer, key: PemBlock): string {
  return `${toPem(certificateDer)}${key.text}`;
}
