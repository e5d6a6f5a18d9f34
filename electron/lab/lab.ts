/**
 * The lab: a stand-in Unified CM cluster on loopback with the real wire formats. A TFTP server serves a
 * signed CTL listing the lab's SAST, CallManager and CAPF certificates, as CTLFile.tlv and as
 * CTLCAPF<hex of the CAPF address>.tlv like Unified CM; a CAPF server enrolls LSCs for the devices
 * CTI-<instance ID>; a CTIManager TLS endpoint checks them. Support staff rehearse with it; every test talks to it.
 */
import type { Endpoint } from '../../shared/fields.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CapfVersion } from '../core/capf/constants.ts';
import { writeFileAtomic } from '../core/fs/atomic-file.ts';
import { buildSignedCtl } from './ctl-builder.ts';
import { CTLFILE_NAME, ctlCapfFileName } from '../core/ctl/file-names.ts';
import { Role } from '../core/ctl/tags.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import type { HashName } from '../core/pki/certificates.ts';
import { startTftpServer } from './tftp/server.ts';
import { startCapfServer } from './capf-server.ts';
import { startCtiManagerServer } from './ctimanager-server.ts';
import { loadOrCreate, loadOrCreateLabPki, type LabIdentity, type LabPki } from './pki.ts';
import { DEFAULT_LAB_PROFILE, labDeviceName, type LabInstanceProfile } from './profiles.ts';

export const LAB_HOST = '127.0.0.1';

/** Which names the lab's TFTP serves the CTL under: both as Unified CM does, one of them, or none (not in mixed mode). */
export const LAB_CTL_NAMES = ['both', 'ctlfile', 'ctlcapf', 'none'] as const;
export type LabCtlNames = (typeof LAB_CTL_NAMES)[number];

function servedCtlNames(which: LabCtlNames): ReadonlySet<string> {
  const capfName = ctlCapfFileName(LAB_HOST);
  return new Set({ both: [capfName, CTLFILE_NAME], ctlfile: [CTLFILE_NAME], ctlcapf: [capfName], none: [] }[which]);
}

/** Which CAPF certificate the lab's CAPF presents: the one its CTL lists, a regenerated one the CTL does not list, or one that is no CA. */
export const LAB_CAPF_CERTIFICATES = ['listed', 'swapped', 'not-ca'] as const;
export type LabCapfCertificate = (typeof LAB_CAPF_CERTIFICATES)[number];

export interface LabOptions {
  dir: string;
  tftpPort?: number;
  capfPort?: number;
  ctiManagerPort?: number;
  profiles?: LabInstanceProfile[];
  /** Protocol version of the CAPF server's authentication requests; default 3 (1 and 2: RSA profiles only). */
  capfVersion?: CapfVersion;
  /** Default 'both'. */
  ctlNames?: LabCtlNames;
  /** Hash of the CTL signature; real clusters use SHA-1 on old releases and SHA-512/256 on new ones. */
  ctlHash?: Extract<HashName, 'sha1' | 'sha256' | 'sha512'>;
  /** Default 'listed'. */
  capfCertificate?: LabCapfCertificate;
  /** Instance IDs whose certificates the CTIManager treats as already marked compromised. */
  compromised?: string[];
  logger?: Logger;
}

export interface Lab {
  dir: string;
  tftp: Endpoint;
  capf: Endpoint;
  ctiManager: Endpoint;
  profiles: LabInstanceProfile[];
  /** The names its TFTP serves the CTL under. */
  ctlNames: string[];
  pki: LabPki;
  capfServer: Awaited<ReturnType<typeof startCapfServer>>;
  ctiManagerServer: Awaited<ReturnType<typeof startCtiManagerServer>>;
  /** Replaces the CTL the TFTP server serves (tests of updates and compromise). */
  serveCtl(bytes: Buffer | undefined): void;
  close(): Promise<void>;
}

/**
 * Builds the lab CTL once and keeps it, so a restarted lab serves the same (unchanged) file. A CTL listing
 * another CAPF certificate is built afresh and not kept.
 */
async function loadOrBuildCtl(dir: string, pki: LabPki, hash: LabOptions['ctlHash'], listedCapf: LabIdentity): Promise<Buffer> {
  const path = join(dir, 'tftp', CTLFILE_NAME);
  const usual = listedCapf === pki.capf;
  if (!hash && usual) {
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const ctl = buildSignedCtl({
    signer: pki.sast,
    hash: hash ?? 'sha256',
    records: [
      { role: Role.SAST, certificate: pki.sast.certificate },
      { role: Role.CCM_TFTP, certificate: pki.callManager.certificate, dnsName: 'cucm-lab' },
      { role: Role.CAPF, certificate: listedCapf.certificate, dnsName: 'cucm-lab' },
    ],
  });
  if (usual) await writeFileAtomic(path, ctl, 0o644);
  return ctl;
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const logger = options.logger ?? silentLogger;
  const profiles = options.profiles?.length ? options.profiles : [DEFAULT_LAB_PROFILE];
  const pki = await loadOrCreateLabPki(join(options.dir, 'pki'));
  const capfCertificate = options.capfCertificate ?? 'listed';
  const pkiDir = join(options.dir, 'pki');
  const servedCapf =
    capfCertificate === 'listed' ? pki.capf : await loadOrCreate(pkiDir, capfCertificate === 'swapped' ? 'capfRegenerated' : 'capfNotCa');
  let ctl: Buffer | undefined = await loadOrBuildCtl(options.dir, pki, options.ctlHash, capfCertificate === 'swapped' ? pki.capf : servedCapf);
  const ctlNames = servedCtlNames(options.ctlNames ?? 'both');

  const started: { close(): Promise<void> }[] = [];
  try {
    const tftp = await startTftpServer({
      host: LAB_HOST,
      port: options.tftpPort ?? 0,
      readFile: (name) => (ctlNames.has(name) ? ctl : undefined),
      logger,
    });
    started.push(tftp);
    const capfServer = await startCapfServer({
      host: LAB_HOST,
      port: options.capfPort ?? 0,
      certificate: servedCapf.certificate,
      privateKey: servedCapf.privateKey,
      profiles,
      ...(options.capfVersion ? { version: options.capfVersion } : {}),
      logger,
    });
    started.push(capfServer);
    const ctiManagerServer = await startCtiManagerServer({
      host: LAB_HOST,
      port: options.ctiManagerPort ?? 0,
      certificate: pki.callManager.certificate,
      privateKey: pki.callManager.privateKey,
      clientCa: [servedCapf.certificate],
      compromisedDevices: (options.compromised ?? []).map(labDeviceName),
      logger,
    });
    started.push(ctiManagerServer);
    return {
      dir: options.dir,
      tftp: { host: LAB_HOST, port: tftp.port },
      capf: { host: LAB_HOST, port: capfServer.port },
      ctiManager: { host: LAB_HOST, port: ctiManagerServer.port },
      profiles,
      ctlNames: [...ctlNames],
      pki,
      capfServer,
      ctiManagerServer,
      serveCtl(bytes) {
        ctl = bytes;
      },
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

async function closeAll(servers: { close(): Promise<void> }[]): Promise<void> {
  await Promise.allSettled(servers.reverse().map((s) => s.close()));
}
