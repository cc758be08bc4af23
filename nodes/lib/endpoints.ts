/**
 * Where DSS lives: the region x deployment x client-type table of docs/protocol.md §2 (with the
 * device service of §7.1), plus a `custom` region whose URLs are given by hand (a simulator, a
 * proxy, an OEM's own hosts), and the device-service URL override any region accepts.
 */

export const REGIONS = ['us', 'eu', 'cn', 'custom'] as const;
export type Region = (typeof REGIONS)[number];
export const DEPLOYMENTS = ['field', 'dev', 'staging'] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];
export const CLIENT_TYPES = ['cloud', 'mobile'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

/** The services a DSS client talks to. */
export interface Endpoints {
  /** WebSocket stream URL, without query (`wss://…/stream`). */
  streamUrl: string;
  /** DSS REST base for subscriptions, or null where Ayla does not publish it (US staging). */
  apiUrl: string | null;
  /** User-service base for sign-in, or null where Ayla does not publish it (US staging). */
  userUrl: string | null;
  /**
   * Device-service base (devices, properties, writes; docs/protocol.md §7.1), or null where Ayla
   * does not publish it (US staging) and for a custom region without one. Absent means null.
   */
  deviceUrl?: string | null;
}

/** Stable codes of {@link EndpointError}. */
export const ENDPOINT_ERROR_CODES = [
  'UNKNOWN_REGION',
  'NO_SUCH_DEPLOYMENT',
  'BAD_URL',
  'INSECURE_URL',
] as const;

/** One of {@link ENDPOINT_ERROR_CODES}. */
export type EndpointErrorCode = (typeof ENDPOINT_ERROR_CODES)[number];

/** A region/deployment/client combination that does not exist, or an unusable custom URL. */
export class EndpointError extends Error {
  constructor(
    readonly code: EndpointErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EndpointError';
  }
}

type Table = Record<Exclude<Region, 'custom'>, Partial<Record<Deployment, Record<ClientType, Endpoints>>>>;

/**
 * docs/protocol.md §2 and §7.1. The device service does not depend on the client type; EU's is
 * `ads-eu` (the 2020 specification's `ads-field-eu` is reached with the `deviceUrl` override,
 * docs/protocol.md §7.1). CN dev mobile: the product page says `mstream.ayla.com.cn`, Ayla's API browser
 * `mstream-dev.ayla.com.cn`; the product page is the newer of the two, so it wins here (the
 * custom region reaches the other). The CN dev cloud `/stream/stream` on the product page is a
 * typo for `/stream`.
 */
export const ENDPOINT_TABLE: Readonly<Table> = {
  us: {
    dev: {
      cloud: {
        streamUrl: 'wss://stream.aylanetworks.com/stream',
        apiUrl: 'https://stream.aylanetworks.com',
        userUrl: 'https://user-dev.aylanetworks.com',
        deviceUrl: 'https://ads-dev.aylanetworks.com',
      },
      mobile: {
        streamUrl: 'wss://mstream-dev.aylanetworks.com/stream',
        apiUrl: 'https://mdss-dev.aylanetworks.com',
        userUrl: 'https://user-dev.aylanetworks.com',
        deviceUrl: 'https://ads-dev.aylanetworks.com',
      },
    },
    field: {
      cloud: {
        streamUrl: 'wss://stream-field.aylanetworks.com/stream',
        apiUrl: 'https://stream-field.aylanetworks.com',
        userUrl: 'https://user-field.aylanetworks.com',
        deviceUrl: 'https://ads-field.aylanetworks.com',
      },
      mobile: {
        streamUrl: 'wss://mstream-field.aylanetworks.com/stream',
        apiUrl: 'https://mdss-field.aylanetworks.com',
        userUrl: 'https://user-field.aylanetworks.com',
        deviceUrl: 'https://ads-field.aylanetworks.com',
      },
    },
    staging: {
      cloud: { streamUrl: 'wss://staging-dss.ayladev.com/stream', apiUrl: null, userUrl: null, deviceUrl: null },
      mobile: { streamUrl: 'wss://staging-mstream.ayladev.com/stream', apiUrl: null, userUrl: null, deviceUrl: null },
    },
  },
  eu: {
    field: {
      cloud: {
        streamUrl: 'wss://stream-field-eu.aylanetworks.com/stream',
        apiUrl: 'https://stream-field-eu.aylanetworks.com',
        userUrl: 'https://user-field-eu.aylanetworks.com',
        deviceUrl: 'https://ads-eu.aylanetworks.com',
      },
      mobile: {
        streamUrl: 'wss://mstream-field-eu.aylanetworks.com/stream',
        apiUrl: 'https://mdss-field-eu.aylanetworks.com',
        userUrl: 'https://user-field-eu.aylanetworks.com',
        deviceUrl: 'https://ads-eu.aylanetworks.com',
      },
    },
  },
  cn: {
    dev: {
      cloud: {
        streamUrl: 'wss://stream.ayla.com.cn/stream',
        apiUrl: 'https://stream.ayla.com.cn',
        userUrl: 'https://user-dev.ayla.com.cn',
        deviceUrl: 'https://ads-dev.ayla.com.cn',
      },
      mobile: {
        streamUrl: 'wss://mstream.ayla.com.cn/stream',
        apiUrl: 'https://mdss-dev.ayla.com.cn',
        userUrl: 'https://user-dev.ayla.com.cn',
        deviceUrl: 'https://ads-dev.ayla.com.cn',
      },
    },
    field: {
      cloud: {
        streamUrl: 'wss://stream-field.ayla.com.cn/stream',
        apiUrl: 'https://stream-field.ayla.com.cn',
        userUrl: 'https://user-field.ayla.com.cn',
        deviceUrl: 'https://ads-field.ayla.com.cn',
      },
      mobile: {
        streamUrl: 'wss://mstream-field.ayla.com.cn/stream',
        apiUrl: 'https://mdss-field.ayla.com.cn',
        userUrl: 'https://user-field.ayla.com.cn',
        deviceUrl: 'https://ads-field.ayla.com.cn',
      },
    },
  },
};

/**
 * `table[key]` only when `key` is the table's own entry: region, deployment and client type come
 * from user configuration, and `toString`, `constructor` or `__proto__` must not resolve to
 * something inherited from Object.prototype.
 */
function ownEntry<T>(table: Readonly<Partial<Record<string, T>>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/**
 * Deployments that exist for a region (all three for `custom`, which is whatever the user says;
 * none for an unknown region).
 */
export function deploymentsFor(region: Region): Deployment[] {
  if (region === 'custom') return [...DEPLOYMENTS];
  const available = ownEntry(ENDPOINT_TABLE, region);
  if (!available) return [];
  return DEPLOYMENTS.filter((deployment) => ownEntry(available, deployment) !== undefined);
}

export interface EndpointOptions {
  region: Region | string;
  /** Ignored for `custom`. */
  deployment?: Deployment | string;
  /** Ignored for `custom`. */
  clientType?: ClientType | string;
  /** The three URLs for `custom`; `apiUrl` and `userUrl` may be empty when only a stream key is used. */
  custom?: { streamUrl?: string; apiUrl?: string; userUrl?: string };
  /**
   * The device-service URL: for `custom` the only one (empty = none); for the other regions an
   * override of the table's host (empty = the table's), for an OEM's dedicated host or the
   * other EU name. Same rules as the custom URLs.
   */
  deviceUrl?: string;
  /**
   * Allow plain `ws://` / `http://` custom URLs to hosts other than loopback. Off by default:
   * stream keys and tokens would cross the network in clear text.
   */
  allowInsecure?: boolean;
}

/**
 * True for 127.0.0.0/8, ::1 (with or without brackets, also as the IPv4-mapped `::ffff:7f…`
 * form the URL parser produces for `[::ffff:127.0.0.1]`) and `localhost` (also with a trailing
 * dot). Names such as `localhost.example.com` are not loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    /^::ffff:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|7f[0-9a-f]{2}:[0-9a-f]{1,4})$/.test(host)
  );
}

function checkCustomUrl(
  label: string,
  value: string | undefined,
  secure: string,
  plain: string,
  allowInsecure: boolean,
): string | null {
  const text = (value ?? '').trim();
  if (text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never quote the text: a stream key or password pasted into the field (or a URL without
    // its scheme, `host/stream?stream_key=…`) would end up in logs and Catch messages.
    throw new EndpointError('BAD_URL', `${label} is not a valid URL (expected ${secure}//host${label === 'stream URL' ? '/stream' : ''})`);
  }
  if (url.protocol !== secure && url.protocol !== plain) {
    throw new EndpointError('BAD_URL', `${label} must start with ${secure}// or ${plain}//, got ${url.protocol}//`);
  }
  if (url.protocol === plain && !allowInsecure && !isLoopbackHost(url.hostname)) {
    throw new EndpointError(
      'INSECURE_URL',
      `${label} uses unencrypted ${plain}// to ${url.hostname}; use ${secure}// or explicitly allow insecure transport`,
    );
  }
  // Credentials in a URL would end up in logs and exported flows; the error does not echo them.
  if (url.username || url.password) throw new EndpointError('BAD_URL', `${label} must not contain a user name or password`);
  if (text.includes('?') || text.includes('#')) throw new EndpointError('BAD_URL', `${label} must not contain a query or fragment`);
  // Keep the path (a proxy may mount DSS below a prefix) but drop trailing slashes.
  return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * Resolves the service URLs for a configuration.
 *
 * @throws {@link EndpointError} `UNKNOWN_REGION` or `NO_SUCH_DEPLOYMENT` for combinations Ayla
 *   does not run (EU has no dev deployment, staging exists only in the US), `BAD_URL` or
 *   `INSECURE_URL` for unusable custom URLs.
 */
export function resolveEndpoints(options: EndpointOptions): Endpoints {
  const { region } = options;
  if (region === 'custom') {
    const allowInsecure = options.allowInsecure === true;
    const streamUrl = checkCustomUrl('stream URL', options.custom?.streamUrl, 'wss:', 'ws:', allowInsecure);
    if (!streamUrl) throw new EndpointError('BAD_URL', 'the custom region needs a stream URL (wss://…/stream)');
    return {
      streamUrl,
      apiUrl: checkCustomUrl('DSS API URL', options.custom?.apiUrl, 'https:', 'http:', allowInsecure),
      userUrl: checkCustomUrl('user service URL', options.custom?.userUrl, 'https:', 'http:', allowInsecure),
      deviceUrl: checkCustomUrl('device service URL', options.deviceUrl, 'https:', 'http:', allowInsecure),
    };
  }
  const byDeployment = ownEntry<Partial<Record<Deployment, Record<ClientType, Endpoints>>>>(ENDPOINT_TABLE, String(region));
  if (!byDeployment) {
    throw new EndpointError('UNKNOWN_REGION', `unknown region "${String(region)}" (expected us, eu, cn or custom)`);
  }
  const deployment = options.deployment ?? 'field';
  const clientType = options.clientType ?? 'cloud';
  const byClient = ownEntry(byDeployment, String(deployment));
  if (!byClient) {
    const existing = deploymentsFor(region as Region).join(', ');
    throw new EndpointError(
      'NO_SUCH_DEPLOYMENT',
      `Ayla has no "${String(deployment)}" deployment in region "${region}" (available: ${existing})`,
    );
  }
  const endpoints = ownEntry(byClient, String(clientType));
  if (!endpoints) {
    throw new EndpointError('NO_SUCH_DEPLOYMENT', `unknown client type "${String(clientType)}" (expected cloud or mobile)`);
  }
  // An override is checked like a custom URL; plain http:// is for loopback (or "allow unencrypted").
  const override = checkCustomUrl('device service URL', options.deviceUrl, 'https:', 'http:', options.allowInsecure === true);
  return { ...endpoints, deviceUrl: override ?? endpoints.deviceUrl ?? null };
}

/**
 * The URLs an account's dialog takes, by their node property names: the three of the custom
 * region, and the device-service URL every region accepts (an override of the table's host).
 */
export type CustomUrlField = 'streamUrl' | 'apiUrl' | 'userUrl' | 'deviceUrl';

/** How {@link resolveEndpoints} checks each custom URL: its label in messages, schemes, and whether it may be empty. */
const CUSTOM_URL_RULES: Readonly<Record<CustomUrlField, { label: string; secure: string; plain: string; required: boolean }>> = {
  streamUrl: { label: 'stream URL', secure: 'wss:', plain: 'ws:', required: true },
  apiUrl: { label: 'DSS API URL', secure: 'https:', plain: 'http:', required: false },
  userUrl: { label: 'user service URL', secure: 'https:', plain: 'http:', required: false },
  deviceUrl: { label: 'device service URL', secure: 'https:', plain: 'http:', required: false },
};

/**
 * Why {@link resolveEndpoints} would refuse one of these URLs, as its error code, or null
 * when it accepts it: the editor checks each field on its own with the runtime's rule (schemes,
 * loopback-only plain transport, no user info, query or fragment; the stream URL is required).
 */
export function customUrlProblem(field: CustomUrlField, value: string | undefined, allowInsecure: boolean): 'BAD_URL' | 'INSECURE_URL' | null {
  const rule = CUSTOM_URL_RULES[field];
  try {
    const url = checkCustomUrl(rule.label, value, rule.secure, rule.plain, allowInsecure);
    return url === null && rule.required ? 'BAD_URL' : null;
  } catch (error) {
    if (error instanceof EndpointError && (error.code === 'BAD_URL' || error.code === 'INSECURE_URL')) return error.code;
    throw error;
  }
}
