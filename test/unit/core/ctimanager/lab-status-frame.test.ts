import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TSPERR_INIT_CERTIFICATE_COMPROMISED } from '../../../../shared/errors.ts';
import {
  decodeLabStatusFrame,
  encodeLabStatusFrame,
  LAB_STATUS_CERTIFICATE_COMPROMISED,
  LAB_STATUS_FRAME_LENGTH,
  LAB_STATUS_MAGIC,
} from '../../../../electron/core/ctimanager/lab-status-frame.ts';

const status = fc.integer({ min: 0, max: 0xffffffff });

describe('lab status frame', () => {
  it('encodes the compromised status as "LABS" then 0x00000011 big-endian', () => {
    expect(encodeLabStatusFrame(LAB_STATUS_CERTIFICATE_COMPROMISED).toString('hex')).toBe('4c41425300000011');
    expect(LAB_STATUS_CERTIFICATE_COMPROMISED === TSPERR_INIT_CERTIFICATE_COMPROMISED).toBe(true);
  });

  it('round-trips every 32-bit status, ignoring bytes after the frame', () => {
    fc.assert(
      fc.property(status, fc.uint8Array({ maxLength: 32 }), (value, trailing) => {
        const decoded = decodeLabStatusFrame(Buffer.concat([encodeLabStatusFrame(value), trailing]));
        expect(decoded).toEqual({ kind: 'status', status: value });
      }),
    );
  });

  it('calls every strict prefix of a frame incomplete', () => {
    fc.assert(
      fc.property(status, fc.integer({ min: 0, max: LAB_STATUS_FRAME_LENGTH - 1 }), (value, length) => {
        expect(decodeLabStatusFrame(encodeLabStatusFrame(value).subarray(0, length))).toEqual({ kind: 'incomplete' });
      }),
    );
  });

  it('calls bytes that do not start like the magic foreign, however short', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const prefix = Buffer.from(bytes).subarray(0, LAB_STATUS_MAGIC.length);
        fc.pre(!prefix.equals(LAB_STATUS_MAGIC.subarray(0, prefix.length)));
        expect(decodeLabStatusFrame(bytes)).toEqual({ kind: 'foreign' });
      }),
    );
    expect(decodeLabStatusFrame(Buffer.from('LABX0000'))).toEqual({ kind: 'foreign' });
  });

  it('never throws on arbitrary bytes, including views into larger buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), (bytes, offset) => {
        const view = new Uint8Array(bytes.buffer, Math.min(offset, bytes.length));
        const decoded = decodeLabStatusFrame(view);
        expect(['incomplete', 'status', 'foreign']).toContain(decoded.kind);
      }),
    );
  });

  it('reads only the view it is given', () => {
    const backing = Buffer.concat([Buffer.from('xxLABS'), Buffer.from([0, 0, 0, 0x11])]);
    expect(decodeLabStatusFrame(backing.subarray(2))).toEqual({ kind: 'status', status: 0x11 });
  });

  it('refuses a status that is not a 32-bit unsigned integer', () => {
    for (const bad of [-1, 0x1_0000_0000, 1.5, Number.NaN]) {
      expect(() => encodeLabStatusFrame(bad)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    }
  });
});
