import { rateLimitKeyOf } from '../../src/limits/client-address';

describe('rateLimitKeyOf', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:0:0:ffff::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0001:0002:0003:0004:0005:0006', '2001:db8:1:2::/64'],
    // as some gateways write X-Forwarded-For: the port is not part of the client
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:db8::1]:443', '2001:db8:0:0::/64'],
    ['[::ffff:203.0.113.7]:8080', '203.0.113.7'],
  ])('%s is charged as %s', (address, key) => {
    expect(rateLimitKeyOf(address)).toBe(key);
  });

  test('every address of one /64 shares a key; the next /64 does not', () => {
    const keys = new Set(
      ['2001:db8:a:b::1', '2001:db8:a:b:ffff:ffff:ffff:ffff', '2001:db8:a:b:1:2:3:4'].map(
        rateLimitKeyOf,
      ),
    );
    expect(keys.size).toBe(1);
    expect(rateLimitKeyOf('2001:db8:a:c::1')).not.toBe([...keys][0]);
  });
});
