/**
 * CTL signature check: the record whose certificate matches the header's signer (serial and issuer)
 * must verify the file without its signature TLV, RSA PKCS#1 v1.5 with the header's hash algorithm.
 * This proves who signed the file; whether that signer is trusted is the trust store's decision.
 */
import { constants, verify, type KeyObject, type X509Certificate } from 'node:crypto';
import { CtiError } from '../../../shared/errors.ts';
import { sameSerial, tryCertificateFieldsOf } from './certificate-fields.ts';
import { signedContent, type CtlFile, type CtlRecord } from './codec.ts';
import { ALLOWED_HASHES_TEXT, hashNameOf, SIGNATURE_ALGORITHM_RSA } from './tags.ts';

export interface CtlSigner {
  record: CtlRecord;
  certificate: X509Certificate;
}

function invalid(message: string): CtiError {
  return new CtiError('CTL_INVALID', `CTL signature: ${message}`);
}

/** Records whose certificate has the signer's serial and issuer (the issuer as the file spells it, or as we do). */
function signerCandidates(ctl: CtlFile): CtlSigner[] {
  const { signer } = ctl.header;
  const candidates: CtlSigner[] = [];
  for (const record of ctl.records) {
    const fields = tryCertificateFieldsOf(record.certificate);
    if (!fields || !sameSerial(fields.serialNumber, signer.serialNumber)) continue;
    if (signer.issuerName !== record.issuerName && signer.issuerName !== fields.issuer) continue;
    candidates.push({ record, certificate: fields.x509 });
  }
  return candidates;
}

/** The certificate's public key, or undefined when OpenSSL cannot decode it (a damaged or hostile record). */
function publicKeyOf(certificate: X509Certificate): KeyObject | undefined {
  try {
    return certificate.publicKey;
  } catch {
    return undefined;
  }
}

function verifiesWith(hash: string, content: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(hash, content, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    // OpenSSL rejects some malformed signatures (e.g. longer than the modulus) by throwing: still a bad signature.
    return false;
  }
}

export function verifyCtlSignature(ctl: CtlFile): CtlSigner {
  const { header } = ctl;
  const hash = hashNameOf(header.hashAlgorithm);
  if (!hash) throw invalid(`unsupported hash algorithm ${header.hashAlgorithm}; allowed are ${ALLOWED_HASHES_TEXT}`);
  if (header.signatureAlgorithm !== SIGNATURE_ALGORITHM_RSA) {
    throw invalid(`unsupported signature algorithm ${header.signatureAlgorithm}; only ${SIGNATURE_ALGORITHM_RSA} (RSA) is defined`);
  }
  const candidates = signerCandidates(ctl);
  const serialHex = header.signer.serialNumber.toString('hex').toUpperCase();
  if (candidates.length === 0) {
    throw invalid(`unknown signer: no record has a certificate with serial ${serialHex} issued by "${header.signer.issuerName}"`);
  }
  const content = signedContent(ctl);
  let malformedKey = false;
  for (const candidate of candidates) {
    const key = publicKeyOf(candidate.certificate);
    malformedKey ||= key === undefined;
    if (key?.asymmetricKeyType !== 'rsa') continue;
    if (verifiesWith(hash, content, key, header.signature)) return candidate;
  }
  if (malformedKey) {
    throw invalid(`the certificate of signer "${header.signer.name}" (serial ${serialHex}) has a malformed public key`);
  }
  throw invalid(`bad signature: the file does not verify with the ${hash.toUpperCase()} RSA key of signer "${header.signer.name}" (serial ${serialHex})`);
}
