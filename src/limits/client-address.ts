import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The client's address for rate limiting. X-Forwarded-For is believed only as far as it was
 * written by proxies listed in TRUST_PROXY (checked from the socket outwards); with none listed
 * it is ignored, so a client cannot pick its own address by sending the header.
 */
export function clientAddressOf(trusted: string[]): (request: IncomingMessage) => string {
  const trust = proxyaddr.compile(trusted);
  return (request) =>
    proxyaddr(request as Parameters<typeof proxyaddr>[0], trust).replace(/^::ffff:/, '');
}

/** Throws on an entry proxy-addr cannot read, for the configuration check at start-up. */
export function checkTrustProxy(trusted: string[]): void {
  proxyaddr.compile(trusted);
}
