import { decodeGlobalId, decodeIntId, encodeGlobalId } from '../../src/common/global-id';

test('IDs round-trip and are opaque base64url', () => {
  const id = encodeGlobalId('Measure', 42);
  expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(id).not.toContain('42');
  expect(decodeGlobalId(id, 'id')).toEqual({ type: 'Measure', key: '42' });
  expect(decodeIntId(id, 'Measure', 'id')).toBe(42);
  expect(decodeGlobalId(encodeGlobalId('Country', 'JP'), 'id')).toEqual({
    type: 'Country',
    key: 'JP',
  });
});

test.each([
  ['', 'empty'],
  ['!!!', 'not base64url'],
  [Buffer.from('Measure').toString('base64url'), 'no key'],
  [Buffer.from('Spaceship:1').toString('base64url'), 'unknown type'],
  [Buffer.from('Measure:abc').toString('base64url'), 'non-numeric key'],
  [Buffer.from('Measure:01').toString('base64url'), 'leading zero'],
  [Buffer.from('Country:jp').toString('base64url'), 'lower-case code'],
  ['A'.repeat(100), 'too long'],
])('%p (%s) is BAD_USER_INPUT naming the field', (id) => {
  try {
    decodeGlobalId(id, 'filter.targetsOfficial');
    throw new Error('expected a failure');
  } catch (error) {
    expect((error as { extensions: unknown }).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'filter.targetsOfficial',
    });
  }
});

test('an ID of the wrong type is rejected with the expected type in the message', () => {
  expect(() => decodeIntId(encodeGlobalId('Official', 1), 'Measure', 'id')).toThrow(
    /Expected the ID of a Measure/,
  );
});
