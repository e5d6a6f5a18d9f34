import { render } from '@testing-library/svelte';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import DistinguishedName from '../../renderer/src/components/DistinguishedName.svelte';
import Fingerprint from '../../renderer/src/components/Fingerprint.svelte';
import { distinguishedNameParts, formatFingerprint } from '../../renderer/src/lib/format.ts';

describe('distinguishedNameParts', () => {
  it('splits before each attribute, after a comma or a semicolon', () => {
    expect(distinguishedNameParts('CN=CAPF-lab, OU=Lab cluster, O=ctiprefs lab')).toEqual([
      'CN=CAPF-lab,',
      ' OU=Lab cluster,',
      ' O=ctiprefs lab',
    ]);
    expect(distinguishedNameParts('O=ctiprefs lab;OU=Lab cluster;CN=ITLRECOVERY_cucm-lab')).toEqual([
      'O=ctiprefs lab;',
      'OU=Lab cluster;',
      'CN=ITLRECOVERY_cucm-lab',
    ]);
    expect(distinguishedNameParts('CN=lab1,2.5.4.5=42')).toEqual(['CN=lab1,', '2.5.4.5=42']);
  });

  it('keeps a comma inside a value', () => {
    expect(distinguishedNameParts('O=Acme, Inc., CN=cucm')).toEqual(['O=Acme, Inc.,', ' CN=cucm']);
    expect(distinguishedNameParts('CN=no separators here')).toEqual(['CN=no separators here']);
  });

  it('loses no character of any name', () => {
    fc.assert(fc.property(fc.string(), (name) => distinguishedNameParts(name).join('') === name));
  });

  it('renders one line per attribute with the name unchanged as text', () => {
    const { container } = render(DistinguishedName, { name: 'CN=CAPF-lab, OU=Lab cluster, O=ctiprefs lab' });
    expect(container.textContent).toBe('CN=CAPF-lab, OU=Lab cluster, O=ctiprefs lab');
    expect([...container.querySelectorAll('.attribute')].map((part) => part.textContent)).toEqual([
      'CN=CAPF-lab,',
      ' OU=Lab cluster,',
      ' O=ctiprefs lab',
    ]);
  });
});

describe('Fingerprint', () => {
  it('reads as colon-separated pairs and may wrap only between pairs', () => {
    const hex = '1c6b9da5700c6e8312e3f0b180acb79f345da69d1c80998deb9bf7dd22e38d8c';
    const { container } = render(Fingerprint, { hex, pairsPerLine: 4 });
    expect(container.textContent).toBe(formatFingerprint(hex));
    const breaks = container.querySelectorAll('wbr');
    expect(breaks).toHaveLength(31);
    for (const wbr of breaks) expect(wbr.previousSibling?.textContent?.endsWith(':')).toBe(true);
  });
});
