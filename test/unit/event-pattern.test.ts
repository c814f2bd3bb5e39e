import { describe, expect, it } from 'vitest';
import {
  EventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '../../local/runtime/event-pattern';

// Examples come from the Amazon EventBridge User Guide (section named in each comment) and, where the
// guide is silent, from the README of aws/event-ruler, the matcher EventBridge runs.

/** An EventBridge envelope around `fields`, so every test event looks like one the bus carries. */
function event(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2015-11-11T21:29:54Z',
    region: 'us-east-1',
    resources: [],
    detail: {},
    ...fields,
  };
}

function detail(fields: Record<string, unknown>): Record<string, unknown> {
  return event({ detail: fields });
}

describe('matchesEventPattern', () => {
  describe('the pattern a CDK Rule renders for the export request', () => {
    // eventPattern: { source: ['game.account-portal'], detailType: ['ExportRequested'] }
    const pattern = { source: ['game.account-portal'], 'detail-type': ['ExportRequested'] };
    const portalEvent = event({
      source: 'game.account-portal',
      'detail-type': 'ExportRequested',
      detail: { requestId: 'r-1', playerId: 'p-1' },
    });

    it('matches an ExportRequested event from the account portal', () => {
      expect(matchesEventPattern(pattern, portalEvent)).toBe(true);
    });

    it('does not match another source', () => {
      expect(matchesEventPattern(pattern, { ...portalEvent, source: 'game.shop' })).toBe(false);
    });

    it('does not match another detail-type, nor an event without one', () => {
      expect(matchesEventPattern(pattern, { ...portalEvent, 'detail-type': 'ExportCancelled' })).toBe(false);
      const { 'detail-type': _dropped, ...withoutDetailType } = portalEvent;
      expect(matchesEventPattern(pattern, withoutDetailType)).toBe(false);
    });
  });

  // AWS EventBridge User Guide, "Amazon EventBridge event patterns" (the EC2 termination example)
  it('matches every field of the pattern and ignores the others', () => {
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };
    expect(
      matchesEventPattern(pattern, detail({ 'instance-id': 'i-1234567890abcdef0', state: 'terminated' })),
    ).toBe(true);
    expect(
      matchesEventPattern(pattern, detail({ 'instance-id': 'i-1234567890abcdef0', state: 'running' })),
    ).toBe(false);
  });

  // AWS EventBridge User Guide, "Matching event values": the values of a field are alternatives
  it('matches any one of the listed values', () => {
    const pattern = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matchesEventPattern(pattern, event({ source: 'aws.fargate' }))).toBe(true);
    expect(matchesEventPattern(pattern, event({ source: 'aws.s3' }))).toBe(false);
  });

  it('compares strings case-sensitively and values by type', () => {
    expect(matchesEventPattern({ source: ['aws.ec2'] }, event({ source: 'AWS.EC2' }))).toBe(false);
    expect(matchesEventPattern({ detail: { enabled: [true] } }, detail({ enabled: 'true' }))).toBe(false);
    expect(matchesEventPattern({ detail: { enabled: [true] } }, detail({ enabled: true }))).toBe(true);
  });

  it('compares numbers by value: 300 matches 300.0 but not the string "300"', () => {
    const pattern = { detail: { limit: [300] } };
    expect(matchesEventPattern(pattern, JSON.parse('{"detail": {"limit": 300.0}}'))).toBe(true);
    expect(matchesEventPattern(pattern, detail({ limit: 3e2 }))).toBe(true);
    expect(matchesEventPattern(pattern, detail({ limit: '300' }))).toBe(false);
  });

  describe('arrays', () => {
    // AWS EventBridge User Guide, "Arrays in Amazon EventBridge event patterns"
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };

    it('matches when the pattern and event arrays intersect', () => {
      const resources = [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ];
      expect(matchesEventPattern(pattern, event({ resources }))).toBe(true);
    });

    it('does not match when they share no value, or the event array is empty', () => {
      const resources = ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'];
      expect(matchesEventPattern(pattern, event({ resources }))).toBe(false);
      expect(matchesEventPattern(pattern, event({ resources: [] }))).toBe(false);
    });

    // aws/event-ruler README, "JSON Array Matching"
    it('takes the fields of one pattern object from the same array element', () => {
      const employees = [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ];
      const company = detail({ employees });
      expect(matchesEventPattern({ detail: { employees: { firstName: ['Anna'] } } }, company)).toBe(true);
      const annaSmith = { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } };
      const annaJones = { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } };
      expect(matchesEventPattern(annaSmith, company)).toBe(true);
      expect(matchesEventPattern(annaJones, company)).toBe(false);
    });

    it('looks through nested arrays', () => {
      const teams = [[{ name: 'Ingrid', role: 'lead' }], [{ name: 'Tomas', role: 'dev' }]];
      expect(
        matchesEventPattern({ detail: { teams: { name: ['Tomas'], role: ['dev'] } } }, detail({ teams })),
      ).toBe(true);
      expect(
        matchesEventPattern({ detail: { teams: { name: ['Tomas'], role: ['lead'] } } }, detail({ teams })),
      ).toBe(false);
    });
  });

  describe('null values and empty strings', () => {
    // AWS EventBridge User Guide, "Matching events on null values and empty strings in Amazon EventBridge"
    const launch = event({
      source: 'aws.autoscaling',
      'detail-type': 'EC2 Instance Launch Successful',
      detail: { eventVersion: '', responseElements: null },
    });

    it('matches an empty string with [""] and null with [null]', () => {
      expect(matchesEventPattern({ detail: { eventVersion: [''] } }, launch)).toBe(true);
      expect(matchesEventPattern({ detail: { responseElements: [null] } }, launch)).toBe(true);
    });

    it('does not treat null, an empty string and an absent field as interchangeable', () => {
      expect(matchesEventPattern({ detail: { responseElements: [''] } }, launch)).toBe(false);
      expect(matchesEventPattern({ detail: { eventVersion: [null] } }, launch)).toBe(false);
      expect(matchesEventPattern({ detail: { missing: [null] } }, launch)).toBe(false);
    });
  });

  // AWS EventBridge User Guide, "Prefix matching" and "Prefix matching while ignoring case"
  it('matches a prefix, case-sensitively or with equals-ignore-case', () => {
    const byDay = { time: [{ prefix: '2017-10-02' }] };
    expect(matchesEventPattern(byDay, event({ time: '2017-10-02T18:43:48Z' }))).toBe(true);
    expect(matchesEventPattern(byDay, event({ time: '2017-10-03T18:43:48Z' }))).toBe(false);
    const service = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    expect(matchesEventPattern(service, detail({ service: 'eventbridge' }))).toBe(true);
    expect(matchesEventPattern(service, detail({ service: 'EVENTBRIDGE' }))).toBe(true);
    expect(matchesEventPattern(service, detail({ service: 'S3' }))).toBe(false);
  });

  // AWS EventBridge User Guide, "Suffix matching" and "Suffix matching while ignoring case"
  it('matches a suffix, case-sensitively or with equals-ignore-case', () => {
    const png = { detail: { FileName: [{ suffix: '.png' }] } };
    expect(matchesEventPattern(png, detail({ FileName: 'avatar.png' }))).toBe(true);
    expect(matchesEventPattern(png, detail({ FileName: 'avatar.PNG' }))).toBe(false);
    const anyCase = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(matchesEventPattern(anyCase, detail({ FileName: 'avatar.PNG' }))).toBe(true);
    expect(matchesEventPattern(anyCase, detail({ FileName: 'avatar.jpg' }))).toBe(false);
  });

  // AWS EventBridge User Guide, "Equals-ignore-case matching"
  it('matches a whole string ignoring case, but only strings', () => {
    const pattern = { detail: { name: [{ 'equals-ignore-case': 'alice' }] } };
    expect(matchesEventPattern(pattern, detail({ name: 'ALICE' }))).toBe(true);
    expect(matchesEventPattern(pattern, detail({ name: 'Alice Smith' }))).toBe(false);
    expect(matchesEventPattern({ detail: { n: [{ prefix: '12' }] } }, detail({ n: 123 }))).toBe(false);
  });

  describe('anything-but', () => {
    // AWS EventBridge User Guide, "Anything-but matching"
    const notInitializing = { detail: { state: [{ 'anything-but': 'initializing' }] } };

    it('matches any value but the one given', () => {
      expect(matchesEventPattern(notInitializing, detail({ state: 'running' }))).toBe(true);
      expect(matchesEventPattern(notInitializing, detail({ state: 'initializing' }))).toBe(false);
    });

    it('does not match an absent field, but does match a present value of another type', () => {
      expect(matchesEventPattern(notInitializing, detail({ other: 'x' }))).toBe(false);
      expect(matchesEventPattern(notInitializing, detail({ state: null }))).toBe(true);
      expect(matchesEventPattern(notInitializing, detail({ state: 7 }))).toBe(true);
    });

    it('excludes a number, or a list of strings or of numbers', () => {
      expect(
        matchesEventPattern({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, detail({ 'x-limit': 123 })),
      ).toBe(false);
      const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
      expect(matchesEventPattern(states, detail({ state: 'overloaded' }))).toBe(false);
      expect(matchesEventPattern(states, detail({ state: 'running' }))).toBe(true);
      const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
      expect(matchesEventPattern(limits, JSON.parse('{"detail": {"x-limit": 300.0}}'))).toBe(false);
      expect(matchesEventPattern(limits, detail({ 'x-limit': 301.8 }))).toBe(true);
    });

    it('excludes a prefix or a suffix', () => {
      const notInit = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
      expect(matchesEventPattern(notInit, detail({ state: 'initializing' }))).toBe(false);
      expect(matchesEventPattern(notInit, detail({ state: 'running' }))).toBe(true);
      const notPng = { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } };
      expect(matchesEventPattern(notPng, detail({ FileName: 'avatar.png' }))).toBe(false);
      expect(matchesEventPattern(notPng, detail({ FileName: 'avatar.jpg' }))).toBe(true);
    });

    it('excludes values ignoring case, or by wildcard', () => {
      const ignoreCase = {
        detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] },
      };
      expect(matchesEventPattern(ignoreCase, detail({ state: 'STOPPED' }))).toBe(false);
      expect(matchesEventPattern(ignoreCase, detail({ state: 'running' }))).toBe(true);
      const notLib = { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } };
      expect(matchesEventPattern(notLib, detail({ FilePath: '/usr/lib/x.so' }))).toBe(false);
      expect(matchesEventPattern(notLib, detail({ FilePath: '/usr/bin/x' }))).toBe(true);
    });

    // aws/event-ruler README, "Simple matching": an event array matches when any element matches
    it('matches an array when any element is not excluded', () => {
      expect(matchesEventPattern(notInitializing, detail({ state: ['initializing', 'running'] }))).toBe(true);
      expect(matchesEventPattern(notInitializing, detail({ state: ['initializing'] }))).toBe(false);
    });
  });

  describe('numeric', () => {
    // AWS EventBridge User Guide, "Numeric matching"
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };

    it('matches only when every comparison holds', () => {
      expect(matchesEventPattern(pattern, detail({ 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 }))).toBe(
        true,
      );
      expect(matchesEventPattern(pattern, detail({ 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 }))).toBe(
        false,
      );
    });

    it('includes the ends of a range only as its operators say', () => {
      const range = { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } };
      const inRange = (count: number) => matchesEventPattern(range, detail({ 'c-count': count }));
      expect([0, 0.000001, 5, 5.000001, -3].map(inRange)).toEqual([false, true, true, false, false]);
    });

    it('only compares JSON numbers', () => {
      expect(matchesEventPattern({ detail: { n: [{ numeric: ['>=', 1] }] } }, detail({ n: '2' }))).toBe(
        false,
      );
      expect(matchesEventPattern({ detail: { n: [{ numeric: ['>=', 1] }] } }, detail({ n: true }))).toBe(
        false,
      );
    });
  });

  describe('cidr', () => {
    // AWS EventBridge User Guide, "IP address matching"
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };

    it('matches IPv4 addresses inside the range', () => {
      const inRange = (address: string) => matchesEventPattern(pattern, detail({ sourceIPAddress: address }));
      expect(['10.0.0.0', '10.0.0.255', '10.0.1.0', 'not-an-address'].map(inRange)).toEqual([
        true,
        true,
        false,
        false,
      ]);
    });

    it('matches IPv6 ranges', () => {
      const v6 = { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } };
      expect(matchesEventPattern(v6, detail({ sourceIPAddress: '2001:db8:4006:812::200e' }))).toBe(true);
      expect(matchesEventPattern(v6, detail({ sourceIPAddress: '2001:db9::1' }))).toBe(false);
    });
  });

  describe('exists', () => {
    // AWS EventBridge User Guide, "Exists matching"
    it('exists: true matches a present leaf and nothing else', () => {
      const pattern = { detail: { state: [{ exists: true }] } };
      expect(matchesEventPattern(pattern, detail({ 'instance-id': 'i-abcd1111', state: 'pending' }))).toBe(
        true,
      );
      expect(matchesEventPattern(pattern, detail({ 'c-count': { c1: 100 } }))).toBe(false);
    });

    it('exists: false matches only when the field is absent, even with its parent missing', () => {
      const pattern = { detail: { state: [{ exists: false }] } };
      expect(matchesEventPattern(pattern, detail({ 'instance-id': 'i-abcd1111' }))).toBe(true);
      expect(matchesEventPattern(pattern, detail({ state: 'pending' }))).toBe(false);
      const { detail: _dropped, ...noDetail } = event({});
      expect(matchesEventPattern(pattern, noDetail)).toBe(true);
    });

    // AWS EventBridge User Guide, "Exists matching": exists only works on leaf nodes (event-ruler README spells out both cases)
    it('treats a field holding an object as absent', () => {
      const withObject = detail({ 'c-count': { c1: 100 } });
      expect(matchesEventPattern({ detail: { 'c-count': [{ exists: true }] } }, withObject)).toBe(false);
      expect(matchesEventPattern({ detail: { 'c-count': [{ exists: false }] } }, withObject)).toBe(true);
    });
  });

  describe('wildcard', () => {
    // AWS EventBridge User Guide, "Comparison operators" (Wildcard row) and "Matching using wildcards"
    it('lets * stand for any run of characters', () => {
      const pattern = { detail: { FileName: [{ wildcard: 'dir/*.png' }] } };
      expect(matchesEventPattern(pattern, detail({ FileName: 'dir/avatar.png' }))).toBe(true);
      expect(matchesEventPattern(pattern, detail({ FileName: 'dir/sub/avatar.png' }))).toBe(true);
      expect(matchesEventPattern(pattern, detail({ FileName: 'dir/avatar.jpg' }))).toBe(false);
      expect(matchesEventPattern(pattern, detail({ FileName: 'other/avatar.png' }))).toBe(false);
    });

    it('reads \\* as a literal star and \\\\ as a literal backslash', () => {
      const pattern = { detail: { key: [{ wildcard: 'a\\*b\\\\*' }] } };
      expect(matchesEventPattern(pattern, detail({ key: 'a*b\\tail' }))).toBe(true);
      expect(matchesEventPattern(pattern, detail({ key: 'aXb\\tail' }))).toBe(false);
    });
  });

  describe('$or', () => {
    // AWS EventBridge User Guide, "Comparison operators" (Or, multiple fields)
    it('matches when any alternative matches', () => {
      const pattern = { detail: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] } };
      expect(matchesEventPattern(pattern, detail({ Location: 'Oslo', Day: 'Monday' }))).toBe(true);
      expect(matchesEventPattern(pattern, detail({ Location: 'New York', Day: 'Friday' }))).toBe(true);
      expect(matchesEventPattern(pattern, detail({ Location: 'Oslo', Day: 'Friday' }))).toBe(false);
    });

    // AWS EventBridge User Guide, "Or matching" (the numeric alternatives)
    it('combines alternatives built from operators', () => {
      const pattern = {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      };
      expect(matchesEventPattern(pattern, detail({ 'c-count': 50, 'x-limit': 301.8 }))).toBe(true);
      expect(matchesEventPattern(pattern, detail({ 'c-count': 50, 'd-count': 10, 'x-limit': 1 }))).toBe(
        false,
      );
    });

    // aws/event-ruler README, "Nested 'Or' and 'And'"
    it('nests: source && (metricName || (metricType && namespace && (metricId || spaceId)) || scope)', () => {
      const pattern = {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization', 'ReadLatency'] },
          {
            metricType: ['MetricType'],
            namespace: ['AWS/EC2', 'AWS/ES'],
            $or: [{ metricId: [1234] }, { spaceId: [1000] }],
          },
          { scope: ['Service'] },
        ],
      };
      const cloudwatch = (fields: Record<string, unknown>) => event({ source: 'aws.cloudwatch', ...fields });
      expect(
        matchesEventPattern(
          pattern,
          cloudwatch({ metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1000 }),
        ),
      ).toBe(true);
      expect(
        matchesEventPattern(
          pattern,
          cloudwatch({ metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1 }),
        ),
      ).toBe(false);
      expect(matchesEventPattern(pattern, cloudwatch({ scope: 'Service' }))).toBe(true);
      expect(matchesEventPattern(pattern, event({ source: 'aws.ec2', scope: 'Service' }))).toBe(false);
    });

    // aws/event-ruler README, "Parallel 'Or'"
    it('ands $or groups at different levels', () => {
      const pattern = {
        $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
        detail: {
          $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }],
        },
      };
      const both = event({ namespace: 'AWS/EC2', detail: { source: 'aws.cloudwatch' } });
      const onlyTop = event({ namespace: 'AWS/EC2', detail: { source: 'aws.s3' } });
      expect(matchesEventPattern(pattern, both)).toBe(true);
      expect(matchesEventPattern(pattern, onlyTop)).toBe(false);
    });
  });

  // AWS EventBridge User Guide, "Complex example with multiple matching"
  it('combines operators across fields', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const fields = { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 };
    expect(matchesEventPattern(pattern, event({ time: '2017-10-02T16:24:49Z', detail: fields }))).toBe(true);
    expect(
      matchesEventPattern(
        pattern,
        event({ time: '2017-10-02T16:24:49Z', detail: { ...fields, 'x-limit': 200 } }),
      ),
    ).toBe(false);
  });

  it('matches nothing that is not a JSON object', () => {
    expect(matchesEventPattern({ source: [{ exists: false }] }, 'aws.ec2')).toBe(false);
    expect(matchesEventPattern({ source: [{ exists: false }] }, null)).toBe(false);
  });
});

describe('validateEventPattern', () => {
  it('accepts every documented operator', () => {
    const pattern = {
      source: ['aws.ec2', null, 3, true],
      detail: {
        a: [
          { prefix: 'x' },
          { prefix: { 'equals-ignore-case': 'x' } },
          { suffix: { 'equals-ignore-case': 'x' } },
        ],
        b: [{ 'equals-ignore-case': 'x' }, { wildcard: 'x*y' }, { cidr: '2001:db8::/32' }, { exists: false }],
        c: [
          { 'anything-but': { prefix: ['init', 'error'] } },
          { 'anything-but': { wildcard: ['*.jar', '*.class'] } },
        ],
        d: [{ numeric: ['>=', -1.5, '<', 1e9] }, { numeric: ['=', 0] }],
        $or: [{ e: ['x'] }, { f: { g: [{ exists: true }] } }],
      },
    };
    expect(() => validateEventPattern(pattern)).not.toThrow();
  });

  it.each([
    ['a pattern that is not an object', ['aws.ec2'], '(root)', 'must be a JSON object'],
    ['an empty pattern', {}, '(root)', 'empty objects'],
    [
      'a leaf that is not an array',
      { source: 'game.account-portal' },
      'source',
      'must be an object or an array',
    ],
    ['an empty value array', { detail: { state: [] } }, 'detail.state', 'empty arrays'],
    ['a nested array value', { detail: { state: [['a']] } }, 'detail.state[0]', 'must be a string, number'],
    [
      'an unknown operator',
      { detail: { state: [{ contains: 'x' }] } },
      'detail.state[0]',
      'unknown or unsupported operator "contains"',
    ],
    [
      'two operators in one object',
      { detail: { state: [{ prefix: 'a', suffix: 'b' }] } },
      'detail.state[0]',
      'prefix, suffix',
    ],
    [
      'a prefix that is not a string',
      { time: [{ prefix: 2017 }] },
      'time[0].prefix',
      '"prefix" takes a string',
    ],
    [
      'a numeric range upside down',
      { detail: { n: [{ numeric: ['>', 5, '<=', 1] }] } },
      'detail.n[0].numeric',
      'lower bound',
    ],
    [
      'a numeric range in the wrong order',
      { detail: { n: [{ numeric: ['<', 5, '>', 1] }] } },
      'detail.n[0].numeric',
      'one comparison or a range',
    ],
    [
      'an unknown numeric operator',
      { detail: { n: [{ numeric: ['!=', 5] }] } },
      'detail.n[0].numeric',
      '"!="',
    ],
    [
      'a mixed anything-but list',
      { detail: { s: [{ 'anything-but': ['a', 1] }] } },
      'detail.s[0].anything-but',
      'only strings or only numbers',
    ],
    [
      'an unsupported anything-but operator',
      { detail: { s: [{ 'anything-but': { numeric: ['>', 1] } }] } },
      'detail.s[0].anything-but.numeric',
      'does not support "numeric"',
    ],
    [
      'exists that is not a boolean',
      { detail: { s: [{ exists: 'yes' }] } },
      'detail.s[0].exists',
      'true or false',
    ],
    [
      'consecutive wildcards',
      { detail: { f: [{ wildcard: 'a**b' }] } },
      'detail.f[0].wildcard',
      'consecutive',
    ],
    [
      'a cidr without a prefix length',
      { detail: { ip: [{ cidr: '10.0.0.1' }] } },
      'detail.ip[0].cidr',
      'prefix length',
    ],
    [
      'a cidr with a bad address',
      { detail: { ip: [{ cidr: '10.0.0/8' }] } },
      'detail.ip[0].cidr',
      'IPv4 or IPv6',
    ],
    ['$or with one alternative', { detail: { $or: [{ a: ['x'] }] } }, 'detail.$or', 'at least two'],
    [
      'an operator name as a field inside $or',
      { $or: [{ prefix: ['x'] }, { b: ['y'] }] },
      '$or[0].prefix',
      'operator name',
    ],
  ])('refuses %s', (_case, pattern, path, problem) => {
    expect(() => validateEventPattern(pattern)).toThrow(EventPatternError);
    expect(() => validateEventPattern(pattern)).toThrow(`at ${path}:`);
    expect(() => validateEventPattern(pattern)).toThrow(problem);
  });

  it('is applied by matchesEventPattern before matching', () => {
    const attempt = () => matchesEventPattern({ detail: { state: 'running' } }, detail({ state: 'running' }));
    expect(attempt).toThrow(EventPatternError);
    expect(attempt).toThrow('detail.state');
  });
});
