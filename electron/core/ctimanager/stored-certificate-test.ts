/**
 * The connection test as the app and `doctor` run it: the stored certificate and key of a profile, and
 * CTIManager checked against the trusted CTL's CCM and CCM+TFTP records.
 */
import type { Endpoint } from '../../../shared/fields.ts';
import type { ConnectionTestResult } from '../../../shared/model.ts';
import type { CtlFile } from '../ctl/codec.ts';
import { CTIMANAGER_ROLES } from '../ctl/tags.ts';
import { trustAnchorsByRole } from '../ctl/trust-store.ts';
import type { StoredKeystore } from '../keystore/certificate-store.ts';
import { testSecureConnection } from './test-connection.ts';

export function testWithStoredCertificate(endpoint: Endpoint, identity: StoredKeystore, ctl: CtlFile): Promise<ConnectionTestResult> {
  return testSecureConnection({
    host: endpoint.host,
    port: endpoint.port,
    certificate: identity.certificate,
    privateKey: identity.privateKey,
    chain: identity.chain,
    trustedServerCertificates: trustAnchorsByRole(ctl, [...CTIMANAGER_ROLES]),
  });
}
