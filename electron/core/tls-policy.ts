/**
 * The TLS rules for every connection ctiprefs opens (CAPF, CTIManager): TLS 1.2 or 1.3, forward-secret
 * AEAD suites only. TLS 1.3 suites are all ECDHE + AEAD; on 1.2 only ECDHE with AES-GCM or ChaCha20, so a
 * server that offers static RSA key exchange or CBC suites is refused during the handshake.
 */
import type { ConnectionOptions } from 'node:tls';

const TLS13_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];
const TLS12_SUITES = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
];

export const CLIENT_TLS_POLICY = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [...TLS13_SUITES, ...TLS12_SUITES].join(':'),
} as const satisfies ConnectionOptions;

/**
 * For the connections that judge a server by its certificate alone, compared with the CTL's records (CAPF,
 * CTIManager, the doctor's probe): no CA list. Given one, or none at all, Node's first TLS context builds
 * its store of every bundled public root (some 140 certificates, about 35 ms), none of which these
 * connections may trust; an empty list builds nothing.
 */
export const NO_CA_LIST = { ca: [] as string[] } satisfies ConnectionOptions;
