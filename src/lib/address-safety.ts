/**
 * Which addresses the server may be asked to reach, and which hosts are loopback.
 *
 * An admin's image URL is later fetched by the worker from inside our network. Without this check a
 * URL could make it read cloud metadata (169.254.169.254), Redis on localhost or anything on the LAN
 * (server-side request forgery). The check runs on the addresses the name resolves to, not the name,
 * because any public name can point at a private address.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Resolves a host name to every address it has (injectable so tests never touch DNS). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const systemResolveHost: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

const privateV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, where cloud metadata services live
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  privateV4.addSubnet(network, prefix, 'ipv4');
}

// Only 2000::/3 is global unicast; inside it these blocks are not reachable hosts on the internet.
const privateV6InGlobal = new BlockList();
privateV6InGlobal.addSubnet('2001::', 23, 'ipv6'); // IETF assignments: Teredo, benchmarking, ORCHID
privateV6InGlobal.addSubnet('2001:db8::', 32, 'ipv6'); // documentation

/** True when the address is a public unicast address a fetch may go to. */
export function isPublicAddress(address: string): boolean {
  const bare = address.split('%')[0] ?? '';
  const family = isIP(bare);
  if (family === 4) return !privateV4.check(bare, 'ipv4');
  if (family !== 6) return false;
  const words = ipv6Words(bare);
  // IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address
  // that is what actually gets reached, so judge that one.
  const embedded = embeddedIPv4(words);
  if (embedded !== null) return isPublicAddress(embedded);
  if (((words[0] ?? 0) & 0xe000) !== 0x2000) return false;
  return !privateV6InGlobal.check(bare, 'ipv6');
}

/** Why the server must not fetch this URL, or null when every address its host resolves to is public. */
export async function unsafeUrlReason(url: URL, resolve: ResolveHost, timeoutMs = 5000, isPublic: (address: string) => boolean = isPublicAddress): Promise<string | null> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await withTimeout(resolve(host), timeoutMs);
    } catch {
      return `host "${host}" cannot be resolved`;
    }
    if (addresses.length === 0) return `host "${host}" cannot be resolved`;
  }
  const unsafe = addresses.find((a) => !isPublic(a));
  return unsafe === undefined ? null : `host "${host}" is a private, local or reserved address (${unsafe})`;
}

/** Loopback as a listen address: 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === 'localhost.') return true;
  const family = isIP(bare);
  if (family === 4) return bare.startsWith('127.');
  if (family !== 6) return false;
  const words = ipv6Words(bare);
  if (words.slice(0, 7).every((w) => w === 0) && words[7] === 1) return true;
  const embedded = embeddedIPv4(words);
  return embedded !== null && embedded.startsWith('127.') && words[5] === 0xffff;
}

/** The eight 16-bit words of a valid IPv6 address (zone id already removed). */
function ipv6Words(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function embeddedIPv4(words: number[]): string | null {
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = words;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0xffff) return v4(w6, w7);
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return v4(w6, w7);
  if (w0 === 0x2002) return v4(w1, w2);
  return null;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
