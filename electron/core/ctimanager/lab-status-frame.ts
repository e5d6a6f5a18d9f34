/**
 * The lab's session-status frame: a LAB CONVENTION, not part of Cisco's protocol.
 *
 * A real CTIManager speaks Cisco's proprietary QBE protocol after the TLS handshake and sends nothing
 * until the client opens a provider; we do not implement QBE. So that the lab can tell the connection
 * test what it decided about the client certificate, the lab CTIManager sends exactly one frame right
 * after the handshake:
 *
 *   magic  4 bytes  ASCII "LABS"
 *   status 4 bytes  big-endian TSP status: 0 = session accepted,
 *                   0x00000011 = TSPERR_INIT_CERTIFICATE_COMPROMISED
 *
 * The magic lets the client tell this frame apart from anything a real server might send, so bytes
 * that do not start with it are "not the lab", never a status.
 */
import { CtiError, TSPERR_INIT_CERTIFICATE_COMPROMISED } from '../../../shared/errors.ts';

export const LAB_STATUS_MAGIC = Buffer.from('LABS', 'ascii');
export const LAB_STATUS_FRAME_LENGTH = LAB_STATUS_MAGIC.length + 4;

/** TSP status values the lab sends; compare them with ===, never with `<`. */
export const LAB_STATUS_SESSION_ACCEPTED = 0x00000000;
export const LAB_STATUS_CERTIFICATE_COMPROMISED = TSPERR_INIT_CERTIFICATE_COMPROMISED;

const MAX_UINT32 = 0xffffffff;

export function encodeLabStatusFrame(status: number): Buffer {
  if (!Number.isInteger(status) || status < 0 || status > MAX_UINT32) {
    throw new CtiError('BAD_INPUT', `lab status must be an integer from 0 to 0xFFFFFFFF, got ${String(status)}`);
  }
  const frame = Buffer.alloc(LAB_STATUS_FRAME_LENGTH);
  LAB_STATUS_MAGIC.copy(frame, 0);
  frame.writeUInt32BE(status, LAB_STATUS_MAGIC.length);
  return frame;
}

export type LabStatusDecoding =
  /** Too few bytes yet; what arrived is a prefix of a lab frame. */
  | { kind: 'incomplete' }
  /** A lab frame; bytes after it are not part of it. */
  | { kind: 'status'; status: number }
  /** Not a lab frame: the server is something else (a real CTIManager would be). */
  | { kind: 'foreign' };

/** Decodes the first bytes the server sent after the handshake. */
export function decodeLabStatusFrame(received: Uint8Array): LabStatusDecoding {
  const bytes = Buffer.from(received.buffer, received.byteOffset, received.byteLength);
  const magicBytesSeen = Math.min(bytes.length, LAB_STATUS_MAGIC.length);
  if (!bytes.subarray(0, magicBytesSeen).equals(LAB_STATUS_MAGIC.subarray(0, magicBytesSeen))) return { kind: 'foreign' };
  if (bytes.length < LAB_STATUS_FRAME_LENGTH) return { kind: 'incomplete' };
  return { kind: 'status', status: bytes.readUInt32BE(LAB_STATUS_MAGIC.length) };
}
