import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import proxyaddr from 'proxy-addr';

/**
 * The client's address for rate limiting. X-Forwarded-For is believed only as far as it was
 * written by proxies listed in TRUST_PROXY (checked from the socket outwards); with none listed
 * it is ignored, so a client cannot pick its own address by sending the header.
 */
export function clientAddressOf(trusted: string[]): (request: IncomingMessage) => string {
  const trust = proxyaddr.compile(trusted);
  return (request) =>
    proxyaddr(request as Parameters<typeof proxyaddr>[0], trust).replace(/^::ffff:/i, '');
}

/**
 * Whether a request comes straight from a proxy listed in TRUST_PROXY: only such a peer may name
 * the request (X-Request-Id); anyone else could reuse or forge ids that the log and the change
 * log use to trace writes.
 */
export function fromTrustedProxyOf(trusted: string[]): (request: IncomingMessage) => boolean {
  const trust = proxyaddr.compile(trusted);
  return (request) => {
    const peer = request.socket.remoteAddress;
    return peer !== undefined && trust(peer, 0);
  };
}

/**
 * The part of an address one client controls: an IPv4 address, or an IPv6 /64. A single IPv6
 * host is usually given a whole /64 (2^64 addresses), so charging each address on its own would
 * give it an unlimited budget. IPv4-mapped IPv6 addresses count as the IPv4 address.
 */
export function rateLimitKeyOf(given: string): string {
  // Some gateways write X-Forwarded-For entries with a port (1.2.3.4:5678, [2001:db8::1]:443):
  // the port changes with every connection and must not give each its own budget.
  const address =
    /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(given)?.[1] ??
    /^\[([0-9a-f:.]+)\](?::\d+)?$/i.exec(given)?.[1] ??
    given;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/** Throws on an entry proxy-addr cannot read, for the configuration check at start-up. */
export function checkTrustProxy(trusted: string[]): void {
  proxyaddr.compile(trusted);
}
