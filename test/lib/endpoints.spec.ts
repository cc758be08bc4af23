import { strict as assert } from 'node:assert';
import {
  deploymentsFor,
  ENDPOINT_TABLE,
  EndpointError,
  isLoopbackHost,
  resolveEndpoints,
  type EndpointErrorCode,
  type EndpointOptions,
} from '../../nodes/lib/endpoints';

/** Catches the EndpointError a call must throw. */
function endpointErrorOf(run: () => unknown): EndpointError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EndpointError, `expected an EndpointError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an EndpointError, nothing was thrown');
}

/** docs/protocol.md §2 and §7.1, typed out again so a typo in the table cannot hide behind itself. */
const EXPECTED_ROWS: Array<[string, string, string, string, string | null, string | null, string | null]> = [
  ['us', 'dev', 'cloud', 'wss://stream.aylanetworks.com/stream', 'https://stream.aylanetworks.com', 'https://user-dev.aylanetworks.com', 'https://ads-dev.aylanetworks.com'],
  ['us', 'dev', 'mobile', 'wss://mstream-dev.aylanetworks.com/stream', 'https://mdss-dev.aylanetworks.com', 'https://user-dev.aylanetworks.com', 'https://ads-dev.aylanetworks.com'],
  ['us', 'field', 'cloud', 'wss://stream-field.aylanetworks.com/stream', 'https://stream-field.aylanetworks.com', 'https://user-field.aylanetworks.com', 'https://ads-field.aylanetworks.com'],
  ['us', 'field', 'mobile', 'wss://mstream-field.aylanetworks.com/stream', 'https://mdss-field.aylanetworks.com', 'https://user-field.aylanetworks.com', 'https://ads-field.aylanetworks.com'],
  ['us', 'staging', 'cloud', 'wss://staging-dss.ayladev.com/stream', null, null, null],
  ['us', 'staging', 'mobile', 'wss://staging-mstream.ayladev.com/stream', null, null, null],
  ['eu', 'field', 'cloud', 'wss://stream-field-eu.aylanetworks.com/stream', 'https://stream-field-eu.aylanetworks.com', 'https://user-field-eu.aylanetworks.com', 'https://ads-eu.aylanetworks.com'],
  ['eu', 'field', 'mobile', 'wss://mstream-field-eu.aylanetworks.com/stream', 'https://mdss-field-eu.aylanetworks.com', 'https://user-field-eu.aylanetworks.com', 'https://ads-eu.aylanetworks.com'],
  ['cn', 'dev', 'cloud', 'wss://stream.ayla.com.cn/stream', 'https://stream.ayla.com.cn', 'https://user-dev.ayla.com.cn', 'https://ads-dev.ayla.com.cn'],
  ['cn', 'dev', 'mobile', 'wss://mstream.ayla.com.cn/stream', 'https://mdss-dev.ayla.com.cn', 'https://user-dev.ayla.com.cn', 'https://ads-dev.ayla.com.cn'],
  ['cn', 'field', 'cloud', 'wss://stream-field.ayla.com.cn/stream', 'https://stream-field.ayla.com.cn', 'https://user-field.ayla.com.cn', 'https://ads-field.ayla.com.cn'],
  ['cn', 'field', 'mobile', 'wss://mstream-field.ayla.com.cn/stream', 'https://mdss-field.ayla.com.cn', 'https://user-field.ayla.com.cn', 'https://ads-field.ayla.com.cn'],
];

describe('endpoints', () => {
  describe('the docs/protocol.md §2 table', () => {
    for (const [region, deployment, clientType, streamUrl, apiUrl, userUrl, deviceUrl] of EXPECTED_ROWS) {
      it(`${region} ${deployment} ${clientType}`, () => {
        assert.deepEqual(resolveEndpoints({ region, deployment, clientType }), { streamUrl, apiUrl, userUrl, deviceUrl });
      });
    }

    it('has exactly these rows', () => {
      const rows: string[] = [];
      for (const [region, byDeployment] of Object.entries(ENDPOINT_TABLE)) {
        for (const [deployment, byClient] of Object.entries(byDeployment ?? {})) {
          for (const clientType of Object.keys(byClient ?? {})) rows.push(`${region} ${deployment} ${clientType}`);
        }
      }
      assert.deepEqual(rows.sort(), EXPECTED_ROWS.map(([r, d, c]) => `${r} ${d} ${c}`).sort());
    });

    it('takes a device-service URL that overrides the table\'s in any region (docs/protocol.md §7.1)', () => {
      assert.equal(resolveEndpoints({ region: 'eu', deviceUrl: 'https://ads-field-eu.aylanetworks.com/' }).deviceUrl, 'https://ads-field-eu.aylanetworks.com');
      assert.equal(resolveEndpoints({ region: 'eu', deviceUrl: '' }).deviceUrl, 'https://ads-eu.aylanetworks.com');
      assert.equal(resolveEndpoints({ region: 'us', deployment: 'staging', deviceUrl: 'https://ads-oem.example.com' }).deviceUrl, 'https://ads-oem.example.com');
      assert.equal(endpointErrorOf(() => resolveEndpoints({ region: 'us', deviceUrl: 'http://ads.example.com' })).code, 'INSECURE_URL');
      assert.equal(resolveEndpoints({ region: 'us', deviceUrl: 'http://ads.example.com', allowInsecure: true }).deviceUrl, 'http://ads.example.com');
    });

    it('defaults to the field deployment and the cloud client', () => {
      assert.equal(resolveEndpoints({ region: 'eu' }).streamUrl, 'wss://stream-field-eu.aylanetworks.com/stream');
    });

    it('returns a copy the caller may change', () => {
      const endpoints = resolveEndpoints({ region: 'us' });
      endpoints.streamUrl = 'changed';
      assert.equal(resolveEndpoints({ region: 'us' }).streamUrl, 'wss://stream-field.aylanetworks.com/stream');
    });
  });

  describe('deploymentsFor', () => {
    const cases: Array<[string, string[]]> = [
      ['us', ['field', 'dev', 'staging']],
      ['eu', ['field']],
      ['cn', ['field', 'dev']],
      ['custom', ['field', 'dev', 'staging']],
      ['mars', []],
      ['toString', []],
      ['__proto__', []],
    ];
    for (const [region, expected] of cases) {
      it(`${region}: ${expected.join(', ') || 'none'}`, () => {
        assert.deepEqual(deploymentsFor(region as never), expected);
      });
    }
  });

  describe('combinations Ayla does not run', () => {
    const cases: Array<[string, EndpointOptions, EndpointErrorCode, RegExp]> = [
      ['EU dev', { region: 'eu', deployment: 'dev' }, 'NO_SUCH_DEPLOYMENT', /no "dev" deployment in region "eu" \(available: field\)/],
      ['EU staging', { region: 'eu', deployment: 'staging' }, 'NO_SUCH_DEPLOYMENT', /available: field/],
      ['CN staging', { region: 'cn', deployment: 'staging' }, 'NO_SUCH_DEPLOYMENT', /available: field, dev/],
      ['unknown region', { region: 'mars' }, 'UNKNOWN_REGION', /unknown region "mars"/],
      ['inherited name as region', { region: 'toString' }, 'UNKNOWN_REGION', /toString/],
      ['__proto__ as region', { region: '__proto__' }, 'UNKNOWN_REGION', /__proto__/],
      ['inherited name as deployment', { region: 'us', deployment: 'constructor' }, 'NO_SUCH_DEPLOYMENT', /constructor/],
      ['inherited name as client type', { region: 'us', clientType: 'constructor' }, 'NO_SUCH_DEPLOYMENT', /client type "constructor"/],
      ['unknown client type', { region: 'us', clientType: 'desktop' }, 'NO_SUCH_DEPLOYMENT', /expected cloud or mobile/],
    ];
    for (const [name, options, code, message] of cases) {
      it(`${name} -> ${code}`, () => {
        const error = endpointErrorOf(() => resolveEndpoints(options));
        assert.equal(error.code, code);
        assert.match(error.message, message);
      });
    }
  });

  describe('the custom region', () => {
    const accepted: Array<[string, EndpointOptions['custom'] & object, boolean, { streamUrl: string; apiUrl: string | null; userUrl: string | null }]> = [
      [
        'secure URLs, trailing slashes dropped',
        { streamUrl: 'wss://dss.example.com/stream/', apiUrl: 'https://dss.example.com/', userUrl: 'https://user.example.com//' },
        false,
        { streamUrl: 'wss://dss.example.com/stream', apiUrl: 'https://dss.example.com', userUrl: 'https://user.example.com' },
      ],
      [
        'only a stream URL (stream-key mode)',
        { streamUrl: ' wss://dss.example.com/stream ', apiUrl: '', userUrl: '   ' },
        false,
        { streamUrl: 'wss://dss.example.com/stream', apiUrl: null, userUrl: null },
      ],
      [
        'a proxy path prefix and a port are kept',
        { streamUrl: 'wss://proxy.example.com:8443/ayla/stream', apiUrl: 'https://proxy.example.com:8443/ayla' },
        false,
        { streamUrl: 'wss://proxy.example.com:8443/ayla/stream', apiUrl: 'https://proxy.example.com:8443/ayla', userUrl: null },
      ],
      [
        'plain ws/http to 127.0.0.1 (the simulator)',
        { streamUrl: 'ws://127.0.0.1:1880/stream', apiUrl: 'http://127.0.0.1:1880', userUrl: 'http://127.0.0.1:1880' },
        false,
        { streamUrl: 'ws://127.0.0.1:1880/stream', apiUrl: 'http://127.0.0.1:1880', userUrl: 'http://127.0.0.1:1880' },
      ],
      [
        'plain ws to localhost and [::1]',
        { streamUrl: 'ws://localhost:9000/stream', apiUrl: 'http://[::1]:9000' },
        false,
        { streamUrl: 'ws://localhost:9000/stream', apiUrl: 'http://[::1]:9000', userUrl: null },
      ],
      [
        'plain ws to another host when insecure transport is allowed',
        { streamUrl: 'ws://10.0.0.5/stream', apiUrl: 'http://10.0.0.5' },
        true,
        { streamUrl: 'ws://10.0.0.5/stream', apiUrl: 'http://10.0.0.5', userUrl: null },
      ],
      [
        'scheme and host letter case normalised',
        { streamUrl: 'WSS://DSS.Example.COM/stream' },
        false,
        { streamUrl: 'wss://dss.example.com/stream', apiUrl: null, userUrl: null },
      ],
    ];
    for (const [name, custom, allowInsecure, expected] of accepted) {
      it(`accepts ${name}`, () => {
        assert.deepEqual(resolveEndpoints({ region: 'custom', custom, allowInsecure }), { ...expected, deviceUrl: null });
      });
    }

    it('takes the device-service URL by the same rules, and has none without it', () => {
      const custom = { streamUrl: 'ws://127.0.0.1:1880/stream' };
      assert.equal(resolveEndpoints({ region: 'custom', custom, deviceUrl: 'http://127.0.0.1:1880/' }).deviceUrl, 'http://127.0.0.1:1880');
      assert.equal(resolveEndpoints({ region: 'custom', custom, deviceUrl: ' ' }).deviceUrl, null);
      assert.equal(endpointErrorOf(() => resolveEndpoints({ region: 'custom', custom, deviceUrl: 'http://ads.example.com' })).code, 'INSECURE_URL');
      assert.equal(endpointErrorOf(() => resolveEndpoints({ region: 'custom', custom, deviceUrl: 'https://ads.example.com?x=1' })).code, 'BAD_URL');
    });

    it('ignores deployment and client type', () => {
      const endpoints = resolveEndpoints({ region: 'custom', deployment: 'nonsense', clientType: 'x', custom: { streamUrl: 'wss://h/stream' } });
      assert.equal(endpoints.streamUrl, 'wss://h/stream');
    });

    const refused: Array<[string, EndpointOptions['custom'] & object, boolean, EndpointErrorCode, RegExp]> = [
      ['no stream URL', { apiUrl: 'https://dss.example.com' }, false, 'BAD_URL', /needs a stream URL/],
      ['an empty stream URL', { streamUrl: '  ' }, false, 'BAD_URL', /needs a stream URL/],
      ['text that is not a URL', { streamUrl: 'not a url' }, false, 'BAD_URL', /^stream URL is not a valid URL \(expected wss:\/\/host\/stream\)$/],
      ['https as the stream scheme', { streamUrl: 'https://dss.example.com/stream' }, false, 'BAD_URL', /must start with wss:\/\/ or ws:\/\//],
      ['wss as the API scheme', { streamUrl: 'wss://h/stream', apiUrl: 'wss://h' }, false, 'BAD_URL', /DSS API URL must start with https:\/\//],
      ['ftp as the user-service scheme', { streamUrl: 'wss://h/stream', userUrl: 'ftp://h' }, false, 'BAD_URL', /user service URL/],
      ['plain ws to a remote host', { streamUrl: 'ws://dss.example.com/stream' }, false, 'INSECURE_URL', /unencrypted ws:\/\/ to dss\.example\.com/],
      ['plain http API to a remote host', { streamUrl: 'wss://h/stream', apiUrl: 'http://10.0.0.5' }, false, 'INSECURE_URL', /DSS API URL/],
      ['plain http to a host that only starts like localhost', { streamUrl: 'ws://localhost.example.com/stream' }, false, 'INSECURE_URL', /localhost\.example\.com/],
      ['plain http to 127.evil.com', { streamUrl: 'ws://127.0.0.1.nip.io/stream' }, false, 'INSECURE_URL', /nip\.io/],
      ['a query string', { streamUrl: 'wss://h/stream?stream_key=abcdef' }, false, 'BAD_URL', /query or fragment/],
      ['an empty query', { streamUrl: 'wss://h/stream?' }, false, 'BAD_URL', /query or fragment/],
      ['a fragment', { streamUrl: 'wss://h/stream', apiUrl: 'https://h/#x' }, false, 'BAD_URL', /query or fragment/],
      ['a user and password', { streamUrl: 'wss://h/stream', apiUrl: 'https://me:s3cret@h' }, false, 'BAD_URL', /user name or password/],
    ];
    for (const [name, custom, allowInsecure, code, message] of refused) {
      it(`refuses ${name} (${code})`, () => {
        const error = endpointErrorOf(() => resolveEndpoints({ region: 'custom', custom, allowInsecure }));
        assert.equal(error.code, code);
        assert.match(error.message, message);
        assert.ok(!error.message.includes('s3cret') && !error.message.includes('abcdef'), error.message);
      });
    }

    it('does not echo an unparsable URL that may hold a password', () => {
      const error = endpointErrorOf(() => resolveEndpoints({ region: 'custom', custom: { streamUrl: 'wss://me:s3cret@bad host/stream' } }));
      assert.equal(error.code, 'BAD_URL');
      assert.ok(!error.message.includes('s3cret'), error.message);
    });
  });

  describe('isLoopbackHost', () => {
    const cases: Array<[string, boolean]> = [
      ['localhost', true],
      ['LOCALHOST', true],
      ['localhost.', true],
      ['127.0.0.1', true],
      ['127.1.2.3', true],
      ['::1', true],
      ['[::1]', true],
      ['[::ffff:7f00:1]', true],
      ['::ffff:127.0.0.1', true],
      ['localhost.example.com', false],
      ['127.0.0.1.nip.io', false],
      ['128.0.0.1', false],
      ['10.0.0.1', false],
      ['::', false],
      ['[::ffff:a00:1]', false],
      ['', false],
    ];
    for (const [host, expected] of cases) {
      it(`${JSON.stringify(host)} -> ${expected}`, () => {
        assert.equal(isLoopbackHost(host), expected);
      });
    }

    it('agrees with the URL parser on an IPv4-mapped loopback address', () => {
      assert.equal(isLoopbackHost(new URL('ws://[::ffff:127.0.0.1]:1/').hostname), true);
    });
  });
});
