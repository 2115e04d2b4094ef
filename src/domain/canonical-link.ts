/**
 * URL clean-up: resolving feed links to absolute http(s) URLs, and the canonical form used to
 * recognise one article across feeds and polls (tracking parameters and fragments removed).
 */

/** Query parameters that only track the click, compared lower-case. */
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'gclsrc', 'dclid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'li_fat_id', 'igshid', 'mc_cid', 'mc_eid',
  'xtor', '_hsenc', '_hsmi', 'ref_src', 'ref_url', 'mkt_tok', 'ito', 'cmpid', 'ocid', 'smid', 's_cid', 's_kwcid',
  'at_medium', 'at_campaign', 'at_platform', 'at_creation', 'at_format', 'at_variant', 'at_link', 'at_send_date',
  'at_ptr_name', 'at_recipient_id', 'at_recipient_list', '_ga', '_gl', 'oly_anon_id', 'oly_enc_id', 'rb_clickid',
  'vero_id', 'guccounter', '__twitter_impression', '_openstat', 'sr_share',
]);

/** Whole families of tracking parameters (Google Analytics, comScore, Webtrends, HubSpot ads, Matomo/Piwik). */
const TRACKING_PREFIXES = ['utm_', 'ns_', 'wt.', 'hsa_', 'pk_', 'mtm_', 'piwik_'];

function isTrackingParam(rawName: string): boolean {
  let name: string;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    name = rawName;
  }
  name = name.trim().toLowerCase();
  return TRACKING_PARAMS.has(name) || TRACKING_PREFIXES.some((p) => name.startsWith(p));
}

/** Fragments that address content in a single-page app (`#!/story/1`, `#/story/1`) are kept: they identify the article. */
const isRoutingFragment = (hash: string): boolean => hash.startsWith('#!') || hash.startsWith('#/');

/**
 * The canonical form of an absolute URL: lower-case scheme and host (the URL parser does that),
 * no default port, no fragment, no tracking parameters, remaining parameters sorted by name
 * (stable for repeated names). Parameters keep their original encoding and the path keeps its case.
 * Never throws: a string that is not an absolute URL comes back trimmed. `keepFragment` keeps any
 * fragment: for a feed whose items are fragments of one page (Scripting News), the fragment is the article.
 */
export function canonicalLink(url: string, options: { readonly keepFragment?: boolean } = {}): string {
  const trimmed = url.trim();
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    return trimmed;
  }
  const params = u.search
    .slice(1)
    .split('&')
    .filter((p) => p !== '' && !isTrackingParam(p.split('=', 1)[0]!))
    .map((p, index) => ({ p, name: p.split('=', 1)[0]!, index }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index))
    .map((x) => x.p);
  u.search = '';
  if (!options.keepFragment && !isRoutingFragment(u.hash)) u.hash = '';
  const hash = u.hash;
  u.hash = '';
  // Built by hand: assigning `search` would re-encode the parameters.
  return u.href + (params.length > 0 ? `?${params.join('&')}` : '') + hash;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * `href` made absolute against `base`, or null unless the result is an http(s) URL with a host.
 * Tolerates the debris feeds leave around links: whitespace, line breaks, CDATA markers.
 * A missing or non-http(s) base (a local file path, say) only lets absolute links through.
 */
export function resolveUrl(href: string | null | undefined, base?: string | null): string | null {
  if (href === null || href === undefined) return null;
  // Most feed links are already what the parser would give back; a parse costs more than the rest of listing an item.
  if (isSerialisedHttpUrl(href)) return href;
  const cleaned = href
    .replace(/<!\[CDATA\[|\]\]>/g, '')
    .replace(/\s*[\r\n]+\s*|\t+/g, '') // hard-wrapped feeds break lines inside URLs
    .trim();
  if (cleaned === '') return null;
  const scheme = SCHEME.exec(cleaned)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return null; // javascript:, data:, mailto:, file:…
  let resolved: URL;
  try {
    if (scheme === 'http' || scheme === 'https') resolved = new URL(cleaned); // absolute: the base is not read
    else if (cleaned.startsWith('//')) resolved = new URL(`${httpUrl(base ?? undefined)?.protocol ?? 'https:'}${cleaned}`);
    else {
      const baseUrl = httpUrl(base ?? undefined);
      if (baseUrl === null) return null;
      resolved = new URL(cleaned, baseUrl);
    }
  } catch {
    return null;
  }
  return isHttp(resolved) ? resolved.href : null;
}

/**
 * A lower-case http(s) scheme, a host of lower-case letters, digits and hyphens whose last label starts with a
 * letter (so never an IPv4 address to normalise, and no port), then a path, query and fragment made only of
 * characters the URL parser keeps as they are.
 */
const SERIALISED_HTTP_URL = /^https?:\/\/(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*\.?(?:\/[\w\-.~!$&()*+,;=:@%]*)+(?:\?[\w\-.~!$&()*+,;=:@%/?]*)?(?:#[\w\-.~!$&()*+,;=:@%/?#]*)?$/;

/**
 * True when `new URL(href).href === href` is certain without parsing: SERIALISED_HTTP_URL, no dot segment to
 * remove (`/.`, `%2e`, checked anywhere, which only sends a few more to the parser) and no punycode label to check.
 */
export function isSerialisedHttpUrl(href: string): boolean {
  return SERIALISED_HTTP_URL.test(href) && !href.includes('/.') && !href.includes('xn--') && !/%2e/i.test(href);
}

const isHttp = (u: URL): boolean => (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';

/** The last base parsed: a feed resolves all its links against one or two bases, one after another. */
let lastBase: { readonly text: string; readonly url: URL | null } | undefined;

/** `s` as an http(s) URL, or null. The URL is shared between calls (cached): read it, never change it. */
function httpUrl(s: string | undefined): URL | null {
  if (s === undefined) return null;
  if (lastBase?.text === s) return lastBase.url;
  let url: URL | null = null;
  try {
    const u = new URL(s.trim());
    url = isHttp(u) ? u : null;
  } catch {
    url = null;
  }
  lastBase = { text: s, url };
  return url;
}
