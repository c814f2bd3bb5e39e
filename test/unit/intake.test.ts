import { describe, expect, it } from 'vitest';
import { InvalidEventError, validateExportRequested } from '../../functions/core/requests/intake';
import { safeFailureReason } from '../../functions/core/requests/lifecycle';
import {
  canMove,
  legalDueDate,
  type RequestState,
  requestStates,
} from '../../functions/core/requests/request-record';
import {
  ConfigError,
  readAdmissionConfig,
  readIntakeConfig,
  readPipelineTable,
} from '../../functions/runtime/config';

function event(detail: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'evt-1',
    source: 'game.account-portal',
    'detail-type': 'ExportRequested',
    account: '123456789012',
    time: '2025-03-01T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      requestId: 'req-1',
      playerId: 'p-42',
      locale: 'pt-BR',
      requestedAt: '2025-03-01T09:59:58.123+01:00',
      email: 'nova@example.org',
      channel: 'portal',
      ...detail,
    },
    ...envelope,
  };
}

function rejection(
  input: unknown,
  options?: Parameters<typeof validateExportRequested>[1],
): InvalidEventError {
  try {
    validateExportRequested(input, options);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('expected the event to be rejected');
}

describe('validateExportRequested', () => {
  it('returns the detail of a valid event, ignoring envelope fields it does not need', () => {
    expect(validateExportRequested(event())).toEqual({
      requestId: 'req-1',
      playerId: 'p-42',
      locale: 'pt-BR',
      requestedAt: '2025-03-01T09:59:58.123+01:00',
      email: 'nova@example.org',
      channel: 'portal',
    });
  });

  it('accepts an event without the optional e-mail and channel', () => {
    const { email: _e, channel: _c, ...required } = event().detail;
    expect(validateExportRequested({ ...event(), detail: required })).toEqual(required);
  });

  it('names the field and the problem of a bad date-time', () => {
    const error = rejection(event({ requestedAt: 'yesterday' }));
    expect(error.message).toContain('detail.requestedAt: expected an ISO 8601 date-time');
    expect(error.issues).toEqual([{ path: 'detail.requestedAt', problem: expect.any(String) }]);
  });

  it('says a missing field is required', () => {
    const { playerId: _p, ...rest } = event().detail;
    expect(rejection({ ...event(), detail: rest }).message).toContain('detail.playerId: is required');
  });

  it.each([
    ['requestId', 'has space', /detail\.requestId: expected 1–72 characters/],
    // 72 at most: a restarted request runs as "<requestId>.<attempt>", and names allow 80.
    ['requestId', 'x'.repeat(73), /detail\.requestId: expected 1–72 characters/],
    ['requestId', '', /detail\.requestId: expected 1–72 characters/],
    // RFC 5646 §4.4.1: 35 characters; a 540,000-character tag once reached DynamoDB.
    ['locale', `en-${'a'.repeat(33)}`, /detail\.locale: expected a language tag of at most 35 characters/],
    ['email', `${'a'.repeat(250)}@example.org`, /detail\.email: expected at most 254 characters/],
    ['playerId', 'p/../admin', /detail\.playerId: expected 1–128 characters/],
    ['locale', 'english', /detail\.locale: expected a BCP 47 language tag/],
    ['locale', 'en_US', /detail\.locale: expected a BCP 47 language tag/],
    ['channel', 'Portal!', /detail\.channel: expected a short lower-case token/],
    ['requestedAt', '2025-03-01T10:00:00', /detail\.requestedAt: expected an ISO 8601 date-time/],
    ['requestedAt', 1740823200000, /detail\.requestedAt: expected an ISO 8601 date-time/],
  ])('refuses %s = %j', (field, value, message) => {
    expect(rejection(event({ [field]: value })).message).toMatch(message);
  });

  it('accepts the usual shapes of language tag', () => {
    for (const locale of ['en', 'de-AT', 'zh-Hant-TW', 'es-419', 'fil']) {
      expect(validateExportRequested(event({ locale })).locale).toBe(locale);
    }
  });

  it('never repeats a bad value in the message: it may be personal data', () => {
    const error = rejection(event({ email: 'nova at example.org', playerId: 'Nova Starfield' }));
    expect(error.message).toContain('detail.email: expected an e-mail address');
    expect(error.message).toContain('detail.playerId');
    expect(error.message).not.toContain('nova at example.org');
    expect(error.message).not.toContain('Nova Starfield');
  });

  it('lists every problem, not only the first', () => {
    const error = rejection(event({ requestId: '', locale: 7 }));
    expect(error.issues.map((i) => i.path).sort()).toEqual(['detail.locale', 'detail.requestId']);
  });

  it('refuses a requestedAt in the future (beyond clock skew) or older than the configured window', () => {
    const now = new Date('2025-03-01T10:00:00Z');
    expect(rejection(event({ requestedAt: '2025-03-01T10:30:00Z' }), { now }).message).toContain(
      'detail.requestedAt: is in the future',
    );
    expect(validateExportRequested(event({ requestedAt: '2025-03-01T10:04:00Z' }), { now }).requestId).toBe(
      'req-1',
    );
    const maxAgeMs = 30 * 86_400_000;
    expect(rejection(event({ requestedAt: '1970-01-01T00:00:00Z' }), { now, maxAgeMs }).message).toContain(
      'detail.requestedAt: is more than 30 days ago',
    );
    expect(
      validateExportRequested(event({ requestedAt: '2025-02-20T00:00:00Z' }), { now, maxAgeMs }).requestId,
    ).toBe('req-1');
  });

  it('accepts the configured detail-type only', () => {
    expect(validateExportRequested(event()).requestId).toBe('req-1');
    expect(rejection(event(), { detailType: 'DataExportRequested' }).message).toContain(
      'detail-type: expected "DataExportRequested"',
    );
    expect(
      validateExportRequested(event({}, { 'detail-type': 'DataExportRequested' }), {
        detailType: 'DataExportRequested',
      }).requestId,
    ).toBe('req-1');
  });

  it('checks the envelope: detail-type, source and detail', () => {
    expect(rejection(event({}, { 'detail-type': 'ExportReady' })).message).toContain(
      'detail-type: expected "ExportRequested"',
    );
    expect(rejection({ ...event(), detail: undefined }).message).toContain('detail: is required');
    expect(rejection('not an event').message).toContain('(event)');
    expect(rejection(event(), { sources: ['game.support-desk'] }).message).toContain(
      'source: expected one of game.support-desk',
    );
  });
});

describe('legalDueDate', () => {
  it.each([
    ['2025-01-31T10:00:00.000Z', '2025-02-28T10:00:00.000Z'],
    ['2024-01-31T10:00:00.000Z', '2024-02-29T10:00:00.000Z'],
    ['2024-01-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['2025-03-31T23:59:59.000Z', '2025-04-30T23:59:59.000Z'],
    ['2025-03-15T08:30:00.000Z', '2025-04-15T08:30:00.000Z'],
    ['2025-12-31T12:00:00.000Z', '2026-01-31T12:00:00.000Z'],
    ['2025-02-28T12:00:00.000Z', '2025-03-28T12:00:00.000Z'],
  ])('received %s is due %s', (received, due) => {
    expect(legalDueDate(new Date(received)).toISOString()).toBe(due);
  });
});

describe('request transitions', () => {
  const expected: Record<RequestState, RequestState[]> = {
    // Admission: the dispatcher starts it, or an operator cancels it while it waits.
    QUEUED: ['RECEIVED', 'FAILED'],
    RECEIVED: ['COLLECTING', 'FAILED'],
    // Back to RECEIVED: the watchdog restarts a request whose execution was lost.
    COLLECTING: ['PACKAGING', 'FAILED', 'RECEIVED'],
    PACKAGING: ['READY', 'FAILED', 'RECEIVED'],
    READY: ['EXPIRED'],
    EXPIRED: [],
    FAILED: [],
  };
  for (const from of requestStates) {
    for (const to of requestStates) {
      const allowed = expected[from].includes(to);
      it(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(canMove(from, to)).toBe(allowed);
      });
    }
  }
});

describe('safeFailureReason', () => {
  it('removes e-mail addresses and collapses whitespace', () => {
    expect(safeFailureReason('SesError: address nova.s+x@mail.example.org\n rejected')).toBe(
      'SesError: address [e-mail address removed] rejected',
    );
  });
  it('keeps ids and cuts long reasons', () => {
    expect(safeFailureReason('PlayerNotFoundError: p-42')).toBe('PlayerNotFoundError: p-42');
    expect(safeFailureReason('x'.repeat(2000))).toHaveLength(500);
    expect(safeFailureReason('   ')).toBe('unknown failure');
  });
});

describe('configuration from the environment', () => {
  const intake = {
    RESEND_COOLDOWN_HOURS: '24',
    ALLOWED_EVENT_SOURCES: 'a, b,',
    REQUEST_DETAIL_TYPE: 'ExportRequested',
    MAX_REQUEST_AGE_DAYS: '30',
  };

  it('names the missing or malformed variable; no default hides a template that lacks one', () => {
    expect(() => readPipelineTable({})).toThrow(ConfigError);
    expect(() => readPipelineTable({})).toThrow(/PIPELINE_TABLE is not set/);
    const { REQUEST_DETAIL_TYPE: _type, ...withoutType } = intake;
    expect(() => readIntakeConfig(withoutType)).toThrow(/REQUEST_DETAIL_TYPE is not set/);
    expect(() => readAdmissionConfig({ STATE_MACHINE_ARN: 'arn' })).toThrow(
      /MAX_CONCURRENT_EXPORTS is not set/,
    );
    expect(() => readIntakeConfig({ ...intake, RESEND_COOLDOWN_HOURS: 'soon' })).toThrow(
      /RESEND_COOLDOWN_HOURS must be a whole number/,
    );
  });

  it('reads the start-export settings', () => {
    expect(readIntakeConfig(intake)).toEqual({
      resendCooldownMs: 24 * 3600 * 1000,
      allowedSources: ['a', 'b'],
      detailType: 'ExportRequested',
      maxRequestAgeMs: 30 * 86_400_000,
    });
  });

  it('reads the dispatcher settings', () => {
    expect(readAdmissionConfig({ STATE_MACHINE_ARN: 'arn', MAX_CONCURRENT_EXPORTS: '6' })).toEqual({
      stateMachineArn: 'arn',
      maxConcurrent: 6,
    });
    expect(() => readAdmissionConfig({ STATE_MACHINE_ARN: 'arn', MAX_CONCURRENT_EXPORTS: '0' })).toThrow(
      /MAX_CONCURRENT_EXPORTS/,
    );
  });
});
