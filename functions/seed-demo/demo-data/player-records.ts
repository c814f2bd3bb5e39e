import { ExactNumber, isPlainObject, type StoreRecord } from '../../core/values';
import { at, DAY_MS, DEMO_AGENT_IDS, type DemoContext, type DemoPersona, type DemoRng, iso } from './context';
import { APPEAL_STATEMENT, CONSENT_WORDING, SURVEY } from './phrases';
import { identiconPng } from './thumbnails';

// ---------------------------------------------------------------------------------------------
// consents: a history, not a state. The last event of each purpose matches the flags on the
// players table, so the two tables tell the same story.

const POLICY_VERSIONS: readonly (readonly [string, number])[] = [
  ['2018-05', Date.UTC(2018, 4, 25)],
  ['2022-01', Date.UTC(2022, 0, 17)],
  ['2024-06', Date.UTC(2024, 5, 30)],
];

export function isMobile(device: string): boolean {
  return /iPhone|iPad|Android/.test(device);
}

export function* consentItems(ctx: DemoContext): Generator<StoreRecord> {
  for (const p of ctx.personas) {
    const rng = ctx.rngFor(ctx.seed, 'consents', p.playerId);
    const created = Date.parse(p.createdAt);
    const wording = CONSENT_WORDING[p.lang];
    const event = (purpose: string, action: string, when: number, channel: string): StoreRecord => {
      const item: StoreRecord = {
        playerId: p.playerId,
        consentId: `${purpose}#${iso(when)}`,
        purpose,
        action,
        at: iso(when),
        channel,
        wording: wording[purpose] ?? purpose,
      };
      return item;
    };
    // The version in force at sign-up, then each later one, accepted at the next login after it.
    const current = POLICY_VERSIONS.filter(([, from]) => from <= created).at(-1) ?? POLICY_VERSIONS[0];
    for (const [version, from] of POLICY_VERSIONS) {
      if (from < (current?.[1] ?? 0)) continue;
      const when = from <= created ? created : from + rng.int(1, 20) * DAY_MS + rng.int(0, 86_399) * 1000;
      yield {
        ...event('privacy-policy', 'accepted', when, from <= created ? 'registration' : 'login-prompt'),
        policyVersion: version,
      };
    }
    yield* optInHistory(rng, p.newsletterEmail, created, ctx.dataEnd, (action, when, first) =>
      event('newsletter-email', action, when, first ? 'double-opt-in-email' : 'privacy-settings'),
    );
    yield* optInHistory(rng, p.offersSms, created, ctx.dataEnd, (action, when, first) =>
      event('offers-sms', action, when, first ? 'registration' : 'privacy-settings'),
    );
    if (p.devices.some(isMobile)) {
      yield event('push', 'granted', created + rng.int(1, 60) * DAY_MS, 'device-permission-prompt');
    }
    yield* optInHistory(rng, rng.chance(0.5), created, ctx.dataEnd, (action, when, first) =>
      event('third-party-tracking', action, when, first ? 'registration' : 'privacy-settings'),
    );
  }
}

/** Granted at some point, perhaps withdrawn and granted again, ending in `finallyOn`. */
function* optInHistory(
  rng: DemoRng,
  finallyOn: boolean,
  from: number,
  to: number,
  make: (action: string, when: number, first: boolean) => StoreRecord,
): Generator<StoreRecord> {
  const flips = finallyOn ? rng.pick([0, 2]) : 1;
  const times = Array.from({ length: flips + 1 }, () => at(rng, from, to)).sort((a, b) => a - b);
  for (const [i, when] of times.entries()) yield make(i % 2 === 0 ? 'granted' : 'withdrawn', when, i === 0);
}

// ---------------------------------------------------------------------------------------------
// sessions: relative to "now", so the 30-day retention window always has items on both sides.

const DEVICE_DETAILS: Record<string, readonly [deviceModel: string, os: string]> = {
  'Windows 11 PC': ['Desktop PC', 'Windows 11 23H2'],
  'Windows 10 PC': ['Desktop PC', 'Windows 10 22H2'],
  'Steam Deck': ['Steam Deck OLED', 'SteamOS 3.6'],
  'iPhone 15': ['iPhone 15', 'iOS 18.5'],
  'PlayStation 5': ['PlayStation 5', 'PS5 system software 25.02'],
  'MacBook Pro': ['MacBook Pro (M3)', 'macOS 15.5'],
  'Nintendo Switch': ['Nintendo Switch OLED', 'Switch system 20.1'],
  'Xbox Series X': ['Xbox Series X', 'Xbox OS 10.0.26100'],
  'Android (Samsung Galaxy S23)': ['Samsung Galaxy S23', 'Android 15'],
  'iPad Air': ['iPad Air (M2)', 'iPadOS 18.5'],
};
const APP_VERSIONS = ['3.12.0', '3.13.1', '3.14.0', '3.14.2'];

/** Documentation address ranges only (RFC 5737, RFC 3849): never someone's real address. */
export function ipAddress(rng: DemoRng, index: number): string {
  switch (rng.int(0, 3)) {
    case 0:
      return `192.0.2.${10 + index * 20 + rng.int(0, 9)}`;
    case 1:
      return `198.51.100.${10 + index * 20 + rng.int(0, 9)}`;
    case 2:
      return `203.0.113.${10 + index * 20 + rng.int(0, 9)}`;
    default:
      return `2001:db8:${(0x1000 + index).toString(16)}::${rng.int(1, 0xfff).toString(16)}`;
  }
}

/** Sessions this many days old or newer are inside the demo's 30-day window; margins keep a day's drift safe. */
export const SESSIONS_INSIDE_DAYS = 27;
export const SESSIONS_OUTSIDE_DAYS = 33;

export function* sessionItems(ctx: DemoContext): Generator<StoreRecord> {
  for (const [index, p] of ctx.personas.entries()) {
    const rng = ctx.rngFor(ctx.seed, 'sessions', p.playerId);
    const inside = Array.from({ length: rng.int(4, 9) }, () =>
      at(rng, ctx.now - SESSIONS_INSIDE_DAYS * DAY_MS, ctx.now - 3_600_000),
    );
    const outside = Array.from({ length: rng.int(3, 6) }, () =>
      at(rng, ctx.now - 90 * DAY_MS, ctx.now - SESSIONS_OUTSIDE_DAYS * DAY_MS),
    );
    for (const loggedIn of [...outside, ...inside].sort((a, b) => a - b)) {
      const [deviceModel, os] = DEVICE_DETAILS[rng.pick(p.devices)] ?? ['Unknown device', 'Unknown OS'];
      yield {
        playerId: p.playerId,
        sessionId: `s-${iso(loggedIn).slice(0, 19).replace(/[-:]/g, '')}-${rng.hex(4)}`,
        loggedInAt: iso(loggedIn),
        loggedOutAt: iso(loggedIn + rng.int(120, 5 * 3600) * 1000),
        ipAddress: ipAddress(rng, index),
        deviceModel,
        os,
        appVersion: rng.pick(APP_VERSIONS),
        loginMethod: rng.chance(0.7) ? 'password' : 'social',
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// linked-accounts: the same links as players.socialLogins, with what the provider granted.

const SCOPES: Record<string, readonly string[]> = {
  google: ['openid', 'email', 'profile'],
  discord: ['identify', 'email'],
  steam: ['openid'],
  apple: ['name', 'email'],
  facebook: ['public_profile', 'email'],
  line: ['openid', 'profile'],
};

export function* linkedAccountItems(ctx: DemoContext): Generator<StoreRecord> {
  for (const player of ctx.players()) {
    const playerId = String(player.playerId);
    const rng = ctx.rngFor(ctx.seed, 'linked-accounts', playerId);
    const logins = Array.isArray(player.socialLogins) ? player.socialLogins : [];
    for (const login of logins) {
      if (!isPlainObject(login)) continue;
      const provider = String(login.provider);
      const item: StoreRecord = {
        playerId,
        provider,
        externalId: String(login.externalId),
        linkedAt: String(login.linkedAt),
        scopes: [...(SCOPES[provider] ?? ['openid'])],
      };
      // Sign in with Apple may hand out a random relay address instead of the real one [004 §13].
      if (provider === 'apple') item.relayEmail = `${rng.hex(10)}@privaterelay.appleid.com`;
      yield item;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// sanctions: the demo player has an automatic bot suspension overturned on appeal and a manual
// chat mute; automatic ones carry the detection internals the export must withhold.

const AUTOMATIC = ['automation-bot', 'speed-hack', 'memory-manipulation'] as const;

export function* sanctionItems(ctx: DemoContext): Generator<StoreRecord> {
  for (const p of ctx.personas) {
    const rng = ctx.rngFor(ctx.seed, 'sanctions', p.playerId);
    const isDemo = p.playerId === ctx.demoPlayerId;
    const count = isDemo ? 2 : rng.int(0, 2);
    const times = Array.from({ length: count }, () => at(rng, Date.parse(p.createdAt), ctx.dataEnd)).sort(
      (a, b) => a - b,
    );
    for (const [i, detected] of times.entries()) {
      const automatic = isDemo ? i === 0 : rng.chance(0.6);
      yield automatic ? automaticSanction(rng, p, detected, isDemo) : chatMute(rng, p, detected);
    }
  }
}

function automaticSanction(rng: DemoRng, p: DemoPersona, detected: number, appealed: boolean): StoreRecord {
  const starts = detected + rng.int(60, 600) * 1000;
  const item: StoreRecord = {
    playerId: p.playerId,
    sanctionId: `sanc-${rng.hex(8)}`,
    detectedAt: iso(detected),
    classification: rng.pick(AUTOMATIC),
    action: 'temporary-suspension',
    startsAt: iso(starts),
    endsAt: iso(starts + 7 * DAY_MS),
    decidedAutomatically: true,
    status: appealed ? 'overturned' : 'expired',
    detectionSignature: `sig-${rng.hex(24)}`,
    heuristicScore: new ExactNumber(`0.${rng.int(9001, 9999)}`.replace(/0+$/, '')),
    rngSeed: rng.digits(19),
  };
  if (appealed) {
    const submitted = starts + rng.int(1, 24) * 3_600_000;
    item.appeal = {
      submittedAt: iso(submitted),
      statement: APPEAL_STATEMENT[p.lang],
      reviewedBy: rng.pick(DEMO_AGENT_IDS),
      decidedAt: iso(submitted + rng.int(1, 3) * DAY_MS),
      outcome: 'overturned',
    };
  }
  return item;
}

function chatMute(rng: DemoRng, p: DemoPersona, detected: number): StoreRecord {
  const starts = detected + rng.int(1, 12) * 3_600_000;
  return {
    playerId: p.playerId,
    sanctionId: `sanc-${rng.hex(8)}`,
    detectedAt: iso(detected),
    classification: 'chat-abuse',
    action: 'chat-mute',
    startsAt: iso(starts),
    endsAt: iso(starts + 3 * DAY_MS),
    decidedAutomatically: false,
    status: 'expired',
  };
}

// ---------------------------------------------------------------------------------------------
// contest-entries

const TOURNAMENTS = ['Fjord Cup 2024 – EU', 'Ragnarök Invitational', 'Nordlys Winter Clash 2025'];
const PRIZES = ['Gold coins ×1200', 'Longship skin "Aurora"', 'Season Pass 3: Ragnarök'];

export function* contestEntryItems(ctx: DemoContext): Generator<StoreRecord> {
  for (const p of ctx.personas) {
    const rng = ctx.rngFor(ctx.seed, 'contest-entries', p.playerId);
    const survey = SURVEY[p.lang];
    const count = p.playerId === ctx.demoPlayerId ? 3 : rng.int(1, 3);
    for (let i = 0; i < count; i++) {
      const entered = at(rng, Date.parse('2024-01-01T00:00:00Z'), ctx.dataEnd);
      const kind = i === 0 ? 'tournament' : i === 1 ? 'survey' : 'contest';
      const base: StoreRecord = {
        playerId: p.playerId,
        entryId: `${kind}#${iso(entered)}`,
        kind,
        name:
          kind === 'survey'
            ? 'Season 3 player survey'
            : kind === 'contest'
              ? 'Screenshot of the season'
              : rng.pick(TOURNAMENTS),
        enteredAt: iso(entered),
      };
      if (kind === 'survey') {
        base.answers = [
          { question: survey.satisfaction, answer: String(rng.int(1, 5)) },
          { question: survey.improve, answer: rng.pick(survey.answers) },
        ];
      } else {
        const placing = rng.int(1, 64);
        base.placing = new ExactNumber(String(placing));
        if (placing <= 3) base.prize = rng.pick(PRIZES);
      }
      if (kind === 'contest') base.screenshotThumbnails = screenshotThumbnails(ctx, p.playerId);
      yield base;
    }
  }
}

/** 1 to 3 different pictures, base64 as an export shows them (stored as a binary set). */
function screenshotThumbnails(ctx: DemoContext, playerId: string): string[] {
  // A stream of its own: the entries drawn from the table's stream stay as they were.
  const rng = ctx.rngFor(ctx.seed, 'contest-entries', playerId, 'screenshots');
  const wanted = rng.int(1, 3);
  const pictures = new Set<string>();
  // A set's values are distinct; two equal 8×8 patterns are unlikely, and simply drawn again.
  while (pictures.size < wanted) pictures.add(identiconPng(rng).toString('base64'));
  return [...pictures];
}
