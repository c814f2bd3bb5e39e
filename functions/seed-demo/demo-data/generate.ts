import { ExactNumber, isPlainObject, type StoreRecord } from '../../core/values';
import type { DemoContext } from './context';
import { isMoreDemoTable, MORE_DEMO_TABLES, moreTableItems } from './more-tables';
import { identiconPng } from './thumbnails';

/**
 * Demo data for the game's tables (the first four here, the later ones in more-tables.ts): ten
 * players from nine countries who post in the same forum threads and play against each other.
 * Everything is fixed text or comes from a seeded PRNG, so a seed always gives the same items, and
 * tests can name exact values.
 *
 * Numbers are written in the canonical form DynamoDB (and dynalite) store them: no trailing zeros
 * in a fraction ('49' rather than '49.00'). What is generated here is then exactly what a read from
 * the store returns, so the files and an export can be compared text for text. Sets and binary
 * are written as a read returns them too (lists, base64 text); stored-items.ts names those attributes.
 */

export interface DemoDataOptions {
  /** @default 20240517 */
  seed?: number;
  /** Number of game-stats items of the demo player. @default 2000 */
  statsForHeavyPlayer?: number;
  /**
   * The instant tables with a retention window (sessions, chat logs) are generated back from.
   * @default the start of the current UTC day: the same items all day, yet always recent
   */
  now?: Date;
}

export const DEMO_PLAYER_ID = 'p-1001';
export const DEMO_TABLES = [
  'players',
  'purchases',
  'forum-posts',
  'game-stats',
  ...MORE_DEMO_TABLES,
] as const;
export type DemoTable = (typeof DEMO_TABLES)[number];

const DEFAULT_SEED = 20240517;
const DEFAULT_HEAVY_STATS = 2000;
// statIds carry a 32-bit id (see statIdSuffix); past 2^32 items ids would repeat.
export const DEMO_MAX_HEAVY_STATS = 2 ** 32;

/** The one big integer (2^53 + 1) a JavaScript number would turn into 9007199254740992. */
export const DEMO_BIG_SCORE = '9007199254740993';
/** 38 significant digits, the most a DynamoDB number holds. */
export const DEMO_BIG_POINTS = '99999999999999999999999999999999999999';
/** Many decimals: a binary float would keep about 17 of them. */
export const DEMO_EXACT_ACCURACY = '0.1234567890123456789012345678901234567';

export function demoTableItems(table: DemoTable, options: DemoDataOptions = {}): Iterable<StoreRecord> {
  // Checked here rather than inside the generators, whose bodies only run at the first next().
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Demo data seed must be an integer, got ${seed}`);
  }
  const heavy = options.statsForHeavyPlayer ?? DEFAULT_HEAVY_STATS;
  if (!Number.isSafeInteger(heavy) || heavy < 0 || heavy > DEMO_MAX_HEAVY_STATS) {
    throw new RangeError(
      `statsForHeavyPlayer must be an integer from 0 to ${DEMO_MAX_HEAVY_STATS}, got ${heavy}`,
    );
  }
  switch (table) {
    case 'players':
      return playerItems(seed);
    case 'purchases':
      return purchaseItems(seed);
    case 'forum-posts':
      return forumPostItems(seed);
    case 'game-stats':
      return gameStatItems(seed, heavy);
    default:
      if (isMoreDemoTable(table)) return moreTableItems(table, demoContext(seed, options.now));
      throw new RangeError(
        `Unknown demo table ${JSON.stringify(table)}; expected one of ${DEMO_TABLES.join(', ')}`,
      );
  }
}

function demoContext(seed: number, now: Date | undefined): DemoContext {
  const nowMs = now?.getTime() ?? Math.floor(Date.now() / 86_400_000) * 86_400_000;
  if (!Number.isFinite(nowMs)) throw new RangeError('Demo data "now" must be a valid date');
  return {
    seed,
    now: nowMs,
    dataEnd: DATA_END,
    demoPlayerId: DEMO_PLAYER_ID,
    personas: PERSONAS,
    rngFor,
    players: () => playerItems(seed),
    purchases: () => purchaseItems(seed),
  };
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: tiny, fast and good enough for demo data; not for anything secret. */
class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('Cannot pick from an empty list');
    return item;
  }

  /** `count` different items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const a = pool[i] as T;
      pool[i] = pool[j] as T;
      pool[j] = a;
    }
    return pool.slice(0, count);
  }

  digits(length: number): string {
    let out = String(this.int(1, 9));
    while (out.length < length) out += String(this.int(0, 9));
    return out;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.int(0, 15).toString(16);
    return out;
  }
}

/**
 * One independent stream per table and player: the items of one table do not change when
 * another table's generator changes, and one player's do not shift when another gets more.
 */
function rngFor(seed: number, ...labels: string[]): Rng {
  let h = 0x811c9dc5 ^ (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  for (const char of labels.join('/')) {
    h = Math.imul(h ^ (char.codePointAt(0) ?? 0), 0x01000193);
  }
  // murmur3 finaliser: spreads nearby seeds apart before mulberry32 starts.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

// ---------------------------------------------------------------------------------------------
// Numbers and times

// Shared instances are safe (ExactNumber is immutable) and save a regex check per number on the
// million-item path.
const SMALL_INTS: readonly ExactNumber[] = Array.from(
  { length: 20_001 },
  (_, n) => new ExactNumber(String(n)),
);

function int(n: number): ExactNumber {
  return SMALL_INTS[n] ?? new ExactNumber(String(n));
}

/** Integer cents as a canonical decimal: 4900 -> '49', 990 -> '9.9', 999 -> '9.99'. */
export function centsToDecimal(cents: number): ExactNumber {
  const whole = Math.floor(cents / 100);
  const fraction = String(cents % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return new ExactNumber(fraction === '' ? String(whole) : `${whole}.${fraction}`);
}

// Match accuracy in steps of 0.0001, canonical form ('0.5', not '0.5000').
const ACCURACIES: readonly ExactNumber[] = Array.from({ length: 10_001 }, (_, n) =>
  n === 10_000
    ? new ExactNumber('1')
    : new ExactNumber(`0.${String(n).padStart(4, '0')}`.replace(/\.?0+$/, '')),
);

const DATA_END = Date.UTC(2025, 4, 31, 21, 0, 0);
const FORUM_START = Date.UTC(2023, 0, 1);
const STATS_START = Date.UTC(2022, 0, 1);

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
const HOUR_MS = 3_600_000;

/**
 * toISOString for the million-item path. Date#toISOString was half of the generation time; stats
 * come in time order, so the 'YYYY-MM-DDTHH:' prefix is formatted once per hour and the rest is
 * looked up. Same text as toISOString for years 0000-9999 (tested).
 */
export class IsoClock {
  private hourStart = Number.NaN;
  private hourPrefix = '';

  format(ms: number): string {
    let rest = ms - this.hourStart;
    if (!(rest >= 0 && rest < HOUR_MS)) {
      this.hourStart = ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
      this.hourPrefix = new Date(this.hourStart).toISOString().slice(0, 14);
      rest = ms - this.hourStart;
    }
    const minutes = Math.floor(rest / 60_000);
    const seconds = Math.floor(rest / 1000) % 60;
    return `${this.hourPrefix}${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest % 1000]}Z`;
  }
}

/** `count` random instants between from and to, oldest first, whole seconds. */
function sortedTimes(rng: Rng, count: number, from: number, to: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(from + Math.floor((rng.next() * (to - from)) / 1000) * 1000);
  return times.sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// The players

type Lang = 'nb' | 'de' | 'fr' | 'da' | 'th' | 'en';
type Currency = 'NOK' | 'EUR' | 'DKK' | 'THB' | 'GBP' | 'AED' | 'JPY';
type SocialProvider = 'google' | 'discord' | 'steam' | 'apple' | 'facebook' | 'line';

interface Persona {
  playerId: string;
  lang: Lang;
  country: string;
  currency: Currency;
  username: string;
  email: string;
  title: string;
  fullName: string;
  birthDate: string;
  /** Without postalCode where the country has none (the United Arab Emirates). */
  address: { line1: string; line2?: string; city: string; postalCode?: string };
  phone: string;
  profileDescription: string;
  secretQuestion: string;
  secretAnswer: string;
  createdAt: string;
  lastLoginAt: string;
  newsletterEmail: boolean;
  offersSms: boolean;
  socialProviders: readonly SocialProvider[];
  /** [paymentMethod, paymentProvider] pairs used in the player's country. */
  payments: readonly (readonly [string, string])[];
  devices: readonly string[];
}

const PERSONAS: readonly Persona[] = [
  {
    playerId: 'p-1001',
    lang: 'nb',
    country: 'NO',
    currency: 'NOK',
    username: 'ingrid_nordlys',
    email: 'ingrid.nordmann@example.no',
    title: 'Fru',
    fullName: 'Ingrid Nordmann',
    birthDate: '1991-03-14',
    address: { line1: 'Storgata 12', line2: 'Leilighet H0304', city: 'Tromsø', postalCode: '9008' },
    phone: '+47 412 34 567',
    profileDescription:
      'Spiller mest om kveldene etter jobb. Elsker nordlys, brunost og lange raid på Jøtunheim-kartet 🌌⚔️\nKlan: Fjordulvene 🐺🇳🇴',
    secretQuestion: 'Hva het ditt første kjæledyr?',
    secretAnswer: 'Pusen Åse',
    createdAt: '2019-11-02T18:44:10.000Z',
    lastLoginAt: '2025-05-30T19:12:45.000Z',
    newsletterEmail: true,
    offersSms: false,
    socialProviders: ['google', 'discord'],
    payments: [
      ['card', 'Adyen'],
      ['vipps', 'Vipps MobilePay'],
      ['paypal', 'PayPal'],
    ],
    devices: ['Windows 11 PC', 'Steam Deck', 'iPhone 15'],
  },
  {
    playerId: 'p-1002',
    lang: 'de',
    country: 'DE',
    currency: 'EUR',
    username: 'jmueller_koeln',
    email: 'juergen.mueller@example.de',
    title: 'Herr',
    fullName: 'Jürgen Müller-Weiß',
    birthDate: '1987-08-02',
    address: { line1: 'Hohe Straße 42', city: 'Köln', postalCode: '50667' },
    phone: '+49 1512 3456789',
    profileDescription:
      'Grüße aus Köln! Seit der Beta dabei, am liebsten Strategie. Außerdem: Fußball, Süßes und Schwertkampf 🍫⚔️',
    secretQuestion: 'Wie hieß Ihr erstes Haustier?',
    secretAnswer: 'Bärchen',
    createdAt: '2020-02-17T07:05:33.000Z',
    lastLoginAt: '2025-05-29T21:40:02.000Z',
    newsletterEmail: false,
    offersSms: false,
    socialProviders: ['steam'],
    payments: [
      ['card', 'Adyen'],
      ['paypal', 'PayPal'],
      ['klarna', 'Klarna'],
    ],
    devices: ['Windows 10 PC', 'PlayStation 5'],
  },
  {
    playerId: 'p-1003',
    lang: 'fr',
    country: 'FR',
    currency: 'EUR',
    username: 'elodie_lfv',
    email: 'elodie.lefevre@example.fr',
    title: 'Mme',
    fullName: 'Élodie Lefèvre',
    birthDate: '1995-12-24',
    address: {
      line1: '8 rue de la Préfecture',
      line2: 'Bâtiment C, 2ᵉ étage',
      city: 'Besançon',
      postalCode: '25000',
    },
    phone: '+33 6 12 34 56 78',
    profileDescription:
      'Joueuse passionnée depuis 2019 — j’adore les cartes nordiques et le café crème ☕. Ça va être épique !',
    secretQuestion: 'Quel est le nom de votre ville natale ?',
    secretAnswer: 'Besançon',
    createdAt: '2020-06-21T15:30:00.000Z',
    lastLoginAt: '2025-05-28T17:03:19.000Z',
    newsletterEmail: true,
    offersSms: true,
    socialProviders: [],
    payments: [
      ['carte_bancaire', 'Adyen'],
      ['paypal', 'PayPal'],
      ['apple_pay', 'Stripe'],
    ],
    devices: ['MacBook Pro', 'Nintendo Switch'],
  },
  {
    playerId: 'p-1004',
    lang: 'da',
    country: 'DK',
    currency: 'DKK',
    // Not ASCII on purpose: usernames name the archive folder, and zip entry names must carry UTF-8.
    username: 'søren_viking',
    email: 'soeren.kjaergaard@example.dk',
    title: 'Hr.',
    fullName: 'Søren Kjærgaard',
    birthDate: '1983-06-30',
    address: { line1: 'Ærøgade 3', line2: '2. th.', city: 'Ærøskøbing', postalCode: '5970' },
    phone: '+45 20 12 34 56',
    profileDescription: 'Hygger mig med strategi og ø-kort. Kaffe, rugbrød og lange aftener ved skærmen 🏝️☕',
    secretQuestion: 'Hvad hed din første lærer?',
    secretAnswer: 'Fru Ærbødig',
    createdAt: '2021-01-09T20:11:51.000Z',
    lastLoginAt: '2025-05-31T06:58:27.000Z',
    newsletterEmail: false,
    offersSms: true,
    socialProviders: ['apple'],
    payments: [
      ['mobilepay', 'Vipps MobilePay'],
      ['card', 'Adyen'],
    ],
    devices: ['Windows 11 PC', 'Xbox Series X'],
  },
  {
    playerId: 'p-1005',
    lang: 'th',
    country: 'TH',
    currency: 'THB',
    username: 'somchai_tiger',
    email: 'somchai.jaidee@example.co.th',
    title: 'คุณ',
    fullName: 'สมชาย ใจดี',
    birthDate: '1998-04-13',
    address: {
      line1: '99/12 ถนนสุขุมวิท',
      line2: 'แขวงคลองตันเหนือ เขตวัฒนา',
      city: 'กรุงเทพมหานคร',
      postalCode: '10110',
    },
    phone: '+66 81 234 5678',
    profileDescription: 'ชอบเล่นเกมวางแผนหลังเลิกงาน กำลังหาทีมเล่นทัวร์นาเมนต์ครับ 🐯🎮',
    secretQuestion: 'สัตว์เลี้ยงตัวแรกของคุณชื่ออะไร',
    secretAnswer: 'มะม่วง',
    createdAt: '2022-04-13T03:21:08.000Z',
    lastLoginAt: '2025-05-31T13:45:00.000Z',
    newsletterEmail: true,
    offersSms: true,
    socialProviders: ['facebook', 'line'],
    payments: [
      ['promptpay', 'Omise'],
      ['truemoney', 'Omise'],
      ['card', 'Stripe'],
    ],
    devices: ['Android (Samsung Galaxy S23)', 'Windows 11 PC'],
  },
  {
    playerId: 'p-1006',
    lang: 'en',
    country: 'GB',
    currency: 'GBP',
    username: 'oliver_b',
    email: 'oliver.bennett@example.co.uk',
    title: 'Mr',
    fullName: 'Oliver Bennett',
    birthDate: '1979-10-05',
    address: { line1: '14 Harbour Road', line2: 'Flat 2', city: 'Bristol', postalCode: 'BS1 5AA' },
    phone: '+44 7700 900123',
    profileDescription: 'Dad, developer, terrible archer. Usually on EU evenings — say hi! 👋',
    secretQuestion: 'What was the name of your first pet?',
    secretAnswer: 'Biscuit',
    createdAt: '2019-09-30T22:15:42.000Z',
    lastLoginAt: '2025-05-27T20:31:10.000Z',
    newsletterEmail: false,
    offersSms: false,
    socialProviders: ['steam', 'google'],
    payments: [
      ['card', 'Stripe'],
      ['paypal', 'PayPal'],
      ['apple_pay', 'Stripe'],
      ['google_pay', 'Stripe'],
    ],
    devices: ['Windows 11 PC', 'PlayStation 5', 'iPad Air'],
  },
  // Usernames in other scripts: they name the archive's folder, its viewer and the e-mail, so the
  // demo shows Thai, Arabic (right to left), Japanese and an emoji-only name (a ZWJ sequence).
  {
    playerId: 'p-1007',
    lang: 'th',
    country: 'TH',
    currency: 'THB',
    username: 'นักรบแสงเหนือ',
    email: 'malee.srisuk@example.co.th',
    title: 'คุณ',
    fullName: 'มาลี ศรีสุข',
    birthDate: '2001-11-08',
    address: {
      line1: '45 ถนนนิมมานเหมินท์',
      line2: 'ตำบลสุเทพ อำเภอเมืองเชียงใหม่',
      city: 'เชียงใหม่',
      postalCode: '50200',
    },
    phone: '+66 89 012 3456',
    profileDescription: 'สายซัพพอร์ต ชอบเล่นเป็นหมอประจำทีม เล่นทุกคืนหลังเลิกเรียน 🌸🛡️',
    secretQuestion: 'โรงเรียนประถมของคุณชื่ออะไร',
    secretAnswer: 'โรงเรียนบ้านสันป่าตอง',
    createdAt: '2021-08-19T11:02:37.000Z',
    lastLoginAt: '2025-05-30T14:20:11.000Z',
    newsletterEmail: false,
    offersSms: false,
    socialProviders: ['line'],
    payments: [
      ['promptpay', 'Omise'],
      ['truemoney', 'Omise'],
    ],
    devices: ['Android (Samsung Galaxy S23)', 'iPad Air'],
  },
  {
    playerId: 'p-1008',
    lang: 'en',
    country: 'AE',
    currency: 'AED',
    username: 'فارس_الشمال',
    email: 'faris.almansoori@example.ae',
    title: 'السيد',
    fullName: 'فارس المنصوري',
    birthDate: '1993-01-27',
    address: { line1: 'فيلا 12، شارع 7', line2: 'البرشاء 2', city: 'دبي' },
    phone: '+971 50 123 4567',
    profileDescription: 'أحب الخرائط الاستراتيجية والمعارك الليلية. أبحث عن عشيرة نشطة في المساء 🌙⚔️',
    secretQuestion: 'ما اسم مدينتك المفضلة؟',
    secretAnswer: 'العين',
    createdAt: '2020-10-04T16:48:22.000Z',
    lastLoginAt: '2025-05-31T18:05:40.000Z',
    newsletterEmail: true,
    offersSms: false,
    socialProviders: ['apple'],
    payments: [
      ['card', 'Checkout.com'],
      ['apple_pay', 'Checkout.com'],
    ],
    devices: ['iPhone 15', 'PlayStation 5'],
  },
  {
    playerId: 'p-1009',
    lang: 'en',
    country: 'JP',
    currency: 'JPY',
    username: '星空ハルカ',
    email: 'haruka.yamada@example.jp',
    title: 'Ms',
    fullName: '山田 遥',
    birthDate: '1997-07-07',
    address: {
      line1: '神南1-2-3',
      line2: 'サンシャイン神南 405号室',
      city: '東京都渋谷区',
      postalCode: '150-0041',
    },
    phone: '+81 90-1234-5678',
    profileDescription: '夜はたいていランク戦。戦略マップが大好きです 🌸🎮 EN/日本語 OK',
    secretQuestion: '初めて飼ったペットの名前は？',
    secretAnswer: 'モモ',
    createdAt: '2021-03-14T09:30:05.000Z',
    lastLoginAt: '2025-05-31T12:44:18.000Z',
    newsletterEmail: false,
    offersSms: true,
    socialProviders: ['line', 'google'],
    payments: [
      ['card', 'Stripe'],
      ['paypay', 'PayPay'],
      ['konbini', 'Stripe'],
    ],
    devices: ['Nintendo Switch', 'Windows 11 PC'],
  },
  {
    playerId: 'p-1010',
    lang: 'de',
    country: 'AT',
    currency: 'EUR',
    // 🧙‍♀️🐉✨: woman mage (a ZWJ sequence of four code points), dragon, sparkles. No letter at all,
    // so the archive folder falls back to "player-data-export-…".
    username: '\u{1F9D9}\u200D\u2640\uFE0F\u{1F409}\u2728',
    email: 'lena.gruber@example.at',
    title: 'Frau',
    fullName: 'Lena Gruber',
    birthDate: '2000-02-29',
    address: { line1: 'Mariahilfer Straße 88', line2: 'Top 14', city: 'Wien', postalCode: '1070' },
    phone: '+43 664 1234567',
    profileDescription:
      'Nur Emojis im Namen, weil Worte überbewertet sind. Heilerin im Clan \u{1F9D9}\u200D\u2640\uFE0F',
    secretQuestion: 'Wie hieß Ihre erste Schule?',
    secretAnswer: 'Volksschule Neubau',
    createdAt: '2022-12-24T20:00:13.000Z',
    lastLoginAt: '2025-05-29T22:17:56.000Z',
    newsletterEmail: true,
    offersSms: false,
    socialProviders: ['discord'],
    payments: [
      ['card', 'Adyen'],
      ['eps', 'Adyen'],
      ['paypal', 'PayPal'],
    ],
    devices: ['Windows 11 PC', 'Steam Deck'],
  },
];

/** The ids of the demo's players, the demo player first. */
export const DEMO_PLAYER_IDS: readonly string[] = PERSONAS.map((p) => p.playerId);

function othersOf(playerId: string): string[] {
  return DEMO_PLAYER_IDS.filter((id) => id !== playerId);
}

// ---------------------------------------------------------------------------------------------
// players

function* playerItems(seed: number): Generator<StoreRecord> {
  const seasonThreeOwners = buyersOf('season-pass-3', seed);
  for (const p of PERSONAS) {
    const rng = rngFor(seed, 'players', p.playerId);
    const mailingAddress: StoreRecord = { line1: p.address.line1 };
    if (p.address.line2 !== undefined) mailingAddress.line2 = p.address.line2;
    mailingAddress.city = p.address.city;
    if (p.address.postalCode !== undefined) mailingAddress.postalCode = p.address.postalCode;
    mailingAddress.country = p.country;
    const created = Date.parse(p.createdAt);
    const player: StoreRecord = {
      playerId: p.playerId,
      username: p.username,
      email: p.email,
      passwordHash: fakeArgon2id(rng),
      secretQuestion: p.secretQuestion,
      secretAnswer: p.secretAnswer,
      createdAt: p.createdAt,
      lastLoginAt: p.lastLoginAt,
      country: p.country,
      preferredLanguage: p.lang,
      birthDate: p.birthDate,
      title: p.title,
      fullName: p.fullName,
      mailingAddress,
      phone: p.phone,
      profileDescription: p.profileDescription,
      newsletterEmail: p.newsletterEmail,
      offersSms: p.offersSms,
      socialLogins: p.socialProviders.map((provider) => ({
        provider,
        externalId: socialExternalId(rng, provider),
        linkedAt: iso(created + rng.int(0, 400) * 86_400_000 + rng.int(0, 86_399) * 1000),
      })),
    };
    yield Object.assign(player, gameProfile(seed, p, seasonThreeOwners.has(p.playerId)));
  }
}

const BADGES = [
  'founder',
  'beta-tester',
  'aurora-hunter',
  'clan-captain',
  'tournament-finalist',
  'helpful-healer',
  'bug-hunter',
  'shieldbreaker',
];
const EARLIER_SEASONS: readonly (readonly [season: number, startedAt: number])[] = [
  [1, Date.UTC(2023, 2, 1)],
  [2, Date.UTC(2024, 2, 1)],
];
const CLAN_TAGS = ['FJU', 'RHN', 'TGR', 'SKY', 'DRG'];

/**
 * What the game keeps beside the account: badges (a string set), season passes (a number set),
 * the avatar (binary), the clan (NULL once left) and the settings (maps in maps). The demo player
 * has every one of them, so `npm start` shows each DynamoDB type in an export. A stream of its own,
 * so the account fields above stay as they were.
 */
function gameProfile(seed: number, p: Persona, ownsSeasonThree: boolean): StoreRecord {
  const rng = rngFor(seed, 'players', p.playerId, 'game-profile');
  const isDemo = p.playerId === DEMO_PLAYER_ID;
  const profile: StoreRecord = {};
  // DynamoDB has no empty set: a player without badges has no attribute at all.
  const badges = rng.sample(BADGES, isDemo ? rng.int(2, 4) : rng.int(0, 4)).sort();
  if (badges.length > 0) profile.badges = badges;
  const joined = Date.parse(p.createdAt);
  const seasons = EARLIER_SEASONS.filter(([, start]) => joined < start && (isDemo || rng.chance(0.5))).map(
    ([season]) => season,
  );
  if (ownsSeasonThree) seasons.push(3);
  if (seasons.length > 0) profile.seasonPasses = seasons.map(int);
  if (isDemo || rng.chance(0.8)) profile.avatarThumbnail = identiconPng(rng).toString('base64');
  profile.clanTag = isDemo ? 'FJU' : rng.chance(0.3) ? null : rng.pick(CLAN_TAGS);
  profile.settings = gameSettings(rng, isDemo);
  return profile;
}

function gameSettings(rng: Rng, isDemo: boolean): StoreRecord {
  return {
    graphics: {
      quality: rng.pick(['low', 'medium', 'high', 'ultra']),
      fpsLimit: int(rng.pick([30, 60, 120, 144])),
      colourBlindMode: rng.pick(['off', 'off', 'off', 'deuteranopia', 'protanopia', 'tritanopia']),
    },
    audio: {
      masterVolume: volume(rng.int(0, 10)),
      musicVolume: volume(rng.int(0, 10)),
      // null: the player never chose one, so the system default is used.
      voiceChatDevice:
        isDemo || rng.chance(0.5)
          ? null
          : rng.pick(['USB headset', 'Bluetooth earbuds', 'Built-in microphone']),
    },
    controls: {
      invertY: rng.chance(0.2),
      keybinds: {
        attack: 'Mouse1',
        block: 'Mouse2',
        dodge: rng.pick(['Space', 'Shift']),
        map: rng.pick(['M', 'Tab']),
      },
    },
  };
}

/** Tenths from 0 to 1 in canonical form: '0', '0.1', …, '1'. */
function volume(tenths: number): ExactNumber {
  return new ExactNumber(tenths === 10 ? '1' : tenths === 0 ? '0' : `0.${tenths}`);
}

/** Players with a completed purchase of `sku`, so the players table agrees with the purchases. */
function buyersOf(sku: string, seed: number): Set<string> {
  const buyers = new Set<string>();
  for (const purchase of purchaseItems(seed)) {
    const lines = Array.isArray(purchase.items) ? purchase.items : [];
    if (purchase.status === 'completed' && lines.some((line) => isPlainObject(line) && line.sku === sku)) {
      buyers.add(String(purchase.playerId));
    }
  }
  return buyers;
}

/** Shaped like a real argon2id PHC string so a leak of it into an export is easy to spot. */
function fakeArgon2id(rng: Rng): string {
  const b64 = (length: number) =>
    Buffer.from(Array.from({ length }, () => rng.int(0, 255)))
      .toString('base64')
      .replace(/=+$/, '');
  return `$argon2id$v=19$m=65536,t=3,p=4$${b64(16)}$${b64(32)}`;
}

// Strings, not numbers: Steam and Discord ids are past 2^53.
function socialExternalId(rng: Rng, provider: SocialProvider): string {
  switch (provider) {
    case 'google':
      return rng.digits(21);
    case 'discord':
      return rng.digits(18);
    case 'steam':
      return `7656119${rng.digits(10)}`;
    case 'apple':
      return `00${rng.digits(4)}.${rng.hex(32)}.${rng.digits(4)}`;
    case 'facebook':
      return rng.digits(16);
    case 'line':
      return `U${rng.hex(32)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// purchases

interface CatalogEntry {
  sku: string;
  maxQuantity: number;
  names: Record<Lang, string>;
  /** Hundredths of the currency. The yen has no smaller unit, so its prices are whole hundreds. */
  cents: Record<Currency, number>;
}

const CATALOG: readonly CatalogEntry[] = [
  {
    sku: 'gold-500',
    maxQuantity: 3,
    names: {
      nb: 'Gullmynter ×500',
      de: 'Goldmünzen ×500',
      fr: 'Pièces d’or ×500',
      da: 'Guldmønter ×500',
      th: 'เหรียญทอง ×500',
      en: 'Gold coins ×500',
    },
    cents: { NOK: 4900, EUR: 499, DKK: 3700, THB: 17900, GBP: 449, AED: 1899, JPY: 60000 },
  },
  {
    sku: 'gold-1200',
    maxQuantity: 2,
    names: {
      nb: 'Gullmynter ×1200',
      de: 'Goldmünzen ×1200',
      fr: 'Pièces d’or ×1200',
      da: 'Guldmønter ×1200',
      th: 'เหรียญทอง ×1200',
      en: 'Gold coins ×1200',
    },
    cents: { NOK: 9900, EUR: 999, DKK: 7450, THB: 35900, GBP: 899, AED: 3699, JPY: 120000 },
  },
  {
    sku: 'skin-longship-aurora',
    maxQuantity: 1,
    names: {
      nb: 'Langskip-drakt «Nordlys»',
      de: 'Langschiff-Skin „Polarlicht“',
      fr: 'Apparence « Drakkar boréal »',
      da: 'Langskib-skin "Nordlys"',
      th: 'สกินเรือไวกิ้ง "แสงเหนือ"',
      en: 'Longship skin "Aurora"',
    },
    cents: { NOK: 14900, EUR: 1499, DKK: 11200, THB: 54900, GBP: 1299, AED: 5499, JPY: 180000 },
  },
  {
    sku: 'season-pass-3',
    maxQuantity: 1,
    names: {
      nb: 'Sesongpass 3: Ragnarok',
      de: 'Saisonpass 3: Ragnarök',
      fr: 'Passe de saison 3 : Ragnarök',
      da: 'Sæsonpas 3: Ragnarok',
      th: 'ซีซันพาส 3: แร็กนาร็อก',
      en: 'Season Pass 3: Ragnarök',
    },
    cents: { NOK: 10900, EUR: 999, DKK: 7900, THB: 37900, GBP: 999, AED: 3699, JPY: 120000 },
  },
  {
    sku: 'shield-dragon',
    maxQuantity: 2,
    names: {
      nb: 'Drageskjold',
      de: 'Drachenschild',
      fr: 'Bouclier du dragon',
      da: 'Drageskjold',
      th: 'โล่มังกร',
      en: 'Dragon shield',
    },
    cents: { NOK: 2950, EUR: 295, DKK: 2200, THB: 9900, GBP: 249, AED: 999, JPY: 37000 },
  },
  {
    sku: 'emote-pack-cheers',
    maxQuantity: 1,
    names: {
      nb: 'Emote-pakke «Skål!» 🍻',
      de: 'Emote-Paket „Prost!“ 🍻',
      fr: 'Pack d’émotes « Santé ! » 🍻',
      da: 'Emote-pakke "Skål!" 🍻',
      th: 'แพ็กอีโมต "ไชโย!" 🍻',
      en: 'Emote pack "Cheers!" 🍻',
    },
    cents: { NOK: 1900, EUR: 199, DKK: 1500, THB: 6900, GBP: 179, AED: 699, JPY: 25000 },
  },
  {
    sku: 'xp-boost-24h',
    maxQuantity: 5,
    names: {
      nb: 'XP-boost 24 t',
      de: 'EP-Booster 24 Std.',
      fr: 'Boost d’XP 24 h',
      da: 'XP-boost 24 t',
      th: 'บูสต์ XP 24 ชม.',
      en: 'XP boost 24 h',
    },
    cents: { NOK: 1000, EUR: 99, DKK: 750, THB: 3500, GBP: 89, AED: 349, JPY: 12000 },
  },
];

function* purchaseItems(seed: number): Generator<StoreRecord> {
  for (const p of PERSONAS) {
    const rng = rngFor(seed, 'purchases', p.playerId);
    const times = sortedTimes(rng, rng.int(3, 15), Date.parse(p.createdAt), DATA_END);
    for (const [index, at] of times.entries()) {
      let totalCents = 0;
      const items = rng.sample(CATALOG, rng.int(1, 3)).map((entry) => {
        const quantity = rng.int(1, entry.maxQuantity);
        const unitCents = entry.cents[p.currency];
        totalCents += quantity * unitCents;
        return {
          sku: entry.sku,
          name: entry.names[p.lang],
          quantity: int(quantity),
          unitPrice: centsToDecimal(unitCents),
        };
      });
      const [paymentMethod, paymentProvider] = rng.pick(p.payments);
      const roll = rng.next();
      let status = roll < 0.07 ? 'refunded' : roll < 0.09 ? 'chargeback' : 'completed';
      // The demo player always has a refund, so the export shows a status other than "completed".
      if (p.playerId === DEMO_PLAYER_ID && index === 1) status = 'refunded';
      yield {
        playerId: p.playerId,
        purchaseId: `pur-${iso(at).slice(0, 19).replace(/[-:]/g, '')}-${String(index).padStart(3, '0')}`,
        purchasedAt: iso(at),
        amount: centsToDecimal(totalCents),
        currency: p.currency,
        items,
        paymentMethod,
        paymentProvider,
        status,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// forum-posts

interface LanguageText {
  posts: readonly string[];
  /** Bodies for posts that quote someone; they never repeat the quoted player's name or words. */
  replies: readonly string[];
  achievements: readonly string[];
}

const TEXT: Record<Lang, LanguageText> = {
  nb: {
    posts: [
      'Noen som har et godt oppsett for Jøtunheim? Jeg taper alltid på østflanken 😅',
      'Fin kamp i går kveld! Vi holdt fjorden i nesten tjue minutter før de brøt gjennom.',
      'Tips: bygg langskipet før smia, så får du mye raskere tilgang til øst-ruta.',
      'Er det bare meg, eller har lagget blitt verre etter siste oppdatering? Spiller fra Tromsø på fiber.',
      'Takk for at dere ventet på meg – ungene skulle legges først 😴',
      'Sesongpasset er verdt pengene bare for «Nordlys»-drakta, ærlig talt.',
      'Hvem blir med på raid lørdag kl. 20.00? Vi trenger én til med skjold.',
      'Følte meg helt overkjørt av bueskytterne i dag. Noen mottrekk?',
    ],
    replies: [
      'Helt enig! Dette er akkurat det jeg mente i forrige tråd.',
      'Godt poeng, men jeg tror du overvurderer skjoldveggen litt.',
      'Haha, kjenner meg igjen i dette 😂',
    ],
    achievements: ['Fjordens vokter', 'Første seier', 'Nordlysjeger', 'Skjoldknuser', 'Ti på rad'],
  },
  de: {
    posts: [
      'Hat jemand einen Tipp für die Südflanke auf Jøtunheim? Ich verliere dort ständig.',
      'Die größte Schwäche der Drachenschild-Taktik ist die Ausdauer. Nach fünf Minuten ist Schluss.',
      'Nach dem Update läuft es bei mir deutlich flüssiger – endlich über 100 FPS 🚀',
      'Wer ist heute Abend dabei? Wir brauchen noch einen Bogenschützen für das Turnier.',
      'Ich finde die Preise im Shop übertrieben: 4,99 € für ein Emote? Äußerst fragwürdig.',
      'Gut gespielt, Leute! Das Spiel gestern war knapp, aber fair.',
      'Kleiner Hinweis: Die Schmiede zuerst zu bauen spart später viel Gold.',
    ],
    replies: [
      'Genau so sehe ich das auch!',
      'Da muss ich widersprechen – ohne Schildwall geht gar nichts.',
      'Danke für den Tipp, probiere ich heute Abend gleich aus 👍',
    ],
    achievements: ['Hüter des Fjords', 'Erster Sieg', 'Polarlichtjäger', 'Schildbrecher', 'Zehn in Folge'],
  },
  fr: {
    posts: [
      'Quelqu’un a une stratégie pour défendre le fjord à 3 contre 5 ? J’ai tout essayé…',
      'Très belle partie hier soir ! On a tenu la forteresse jusqu’à la dernière seconde 🎉',
      'Petit conseil : construisez le drakkar avant la forge, ça change tout.',
      'Depuis la mise à jour, le jeu plante au chargement de la carte « Nordlys Bay ». Ça arrive à quelqu’un d’autre ?',
      'Je cherche une équipe francophone pour les tournois du week-end, niveau intermédiaire.',
      'L’apparence « Drakkar boréal » est magnifique, mais un peu chère à mon goût.',
      'Merci à tous pour l’accueil, c’était génial de jouer avec vous ! ❤️',
    ],
    replies: [
      'Tout à fait d’accord, c’est exactement ce que je pensais.',
      'Pas sûre que ça marche en classé, mais je vais essayer.',
      'Merci pour l’astuce, ça m’a beaucoup aidée 🙏',
    ],
    achievements: [
      'Gardienne du fjord',
      'Première victoire',
      'Chasseuse d’aurores',
      'Brise-bouclier',
      'Dix d’affilée',
    ],
  },
  da: {
    posts: [
      'Hvem er med på ø-turnering i weekenden? Vi mangler to spillere 🏝️',
      'Fed kamp i går! Vi holdt broen ved Ærø Crossing i næsten et kvarter.',
      'Tip: køb ikke sæsonpasset før anden uge – så får man bonusguld med.',
      'Spillet hakker på min bærbare efter opdateringen. Nogen der kender en løsning?',
      'Jeg synes, bueskytterne er alt for stærke lige nu. Kan vi få en ændring?',
      'Tak for i aften, det var hyggeligt at spille med jer! Skål 🍻',
    ],
    replies: [
      'Helt enig med dig, det er præcis det samme, jeg oplever.',
      'Godt set! Det havde jeg slet ikke tænkt på.',
      'Nej, det passer altså ikke – skjoldmuren er stærkere end som så.',
    ],
    achievements: ['Fjordens vogter', 'Første sejr', 'Nordlysjæger', 'Skjoldknuser', 'Ti i træk'],
  },
  th: {
    posts: [
      'สวัสดีครับ มีใครแนะนำทีมสำหรับมือใหม่ได้บ้างครับ 🙏',
      'เมื่อคืนเล่นสนุกมากครับ ป้องกันฟยอร์ดได้จนวินาทีสุดท้าย 🎉',
      'หลังอัปเดตล่าสุด เกมกระตุกบ่อยมาก มีใครเป็นเหมือนกันไหมครับ',
      'เคล็ดลับ: สร้างเรือไวกิ้งก่อนโรงตีเหล็ก จะได้เปรียบมากครับ',
      'หาทีมเล่นทัวร์นาเมนต์วันเสาร์ เวลาไทยสองทุ่มครับ',
      'สกินแสงเหนือสวยมาก แต่ราคาแพงไปหน่อยนะครับ 😅',
    ],
    replies: ['เห็นด้วยครับ ผมก็คิดแบบเดียวกัน', 'ขอบคุณสำหรับคำแนะนำครับ จะลองดู', 'ไม่แน่ใจครับ แต่จะลองเล่นดูคืนนี้'],
    achievements: ['ผู้พิทักษ์ฟยอร์ด', 'ชัยชนะครั้งแรก', 'นักล่าแสงเหนือ', 'ผู้ทำลายโล่', 'ชนะสิบครั้งติด'],
  },
  en: {
    posts: [
      'Anyone else seeing the longship skin flicker on Nordlys Bay? Happens every time the aurora kicks in.',
      'GG everyone, that last match was close! Held the bridge for almost 15 minutes 🛡️',
      'Quick tip: build the longship before the forge and you reach the eastern route much faster.',
      'Looking for a clan that plays EU evenings, around 7–10 pm GMT.',
      'Season 3 patch notes are up. The archer nerf is long overdue, if you ask me.',
      'Is the season pass worth it? Honest opinions, please — £9.99 is a lot for cosmetics.',
    ],
    replies: [
      'Couldn’t agree more, this is exactly what I was getting at.',
      'Fair point, though I think the shield wall is underrated.',
      'Tried this last night and it worked a treat, cheers!',
    ],
    achievements: ['Keeper of the Fjord', 'First Victory', 'Aurora Hunter', 'Shieldbreaker', 'Ten in a Row'],
  },
};

interface Thread {
  threadId: string;
  title: string;
  forum: string;
  /** The language of the thread; undefined for the international boards. */
  lang?: Lang;
}

const THREADS: readonly Thread[] = [
  { threadId: 't-0001', title: 'Beste oppsett for Jøtunheim-kartet?', forum: 'Norsk – Generelt', lang: 'nb' },
  {
    threadId: 't-0002',
    title: 'Größte Schwäche der Drachenschild-Taktik',
    forum: 'Deutsch – Allgemein',
    lang: 'de',
  },
  {
    threadId: 't-0003',
    title: 'Stratégie : comment défendre le fjord à 3 contre 5 ?',
    forum: 'Français – Discussions',
    lang: 'fr',
  },
  {
    threadId: 't-0004',
    title: 'Hvem er med på ø-turnering i weekenden? 🏝️',
    forum: 'Dansk – Snak',
    lang: 'da',
  },
  { threadId: 't-0005', title: 'แนะนำทีมสำหรับมือใหม่ครับ', forum: 'ไทย – พูดคุยทั่วไป', lang: 'th' },
  {
    threadId: 't-0006',
    title: 'Season 3 patch notes discussion',
    forum: 'International – General',
    lang: 'en',
  },
  { threadId: 't-0007', title: 'Bug: longship skin flickers on Nordlys Bay', forum: 'Bug Reports' },
  { threadId: 't-0008', title: 'Looking for a clan — EU evenings', forum: 'International – General' },
  { threadId: 't-0009', title: 'Nordic clan «Fjordulvene» recruiting ⚔️🐺', forum: 'Strategy & Tactics' },
];
const INTERNATIONAL_THREADS = THREADS.filter((t) => t.lang === undefined || t.lang === 'en');

/**
 * The demo player's first posts: text that is harmless in the forum but dangerous if an export
 * writes it raw (spreadsheet formulas in CSV, markup in the offline viewer) or cuts it carelessly
 * (emoji made of several code points, line breaks inside a CSV cell).
 */
export const DEMO_TRICKY_BODIES: readonly string[] = [
  '=HYPERLINK("http://evil.example","click")',
  'Test av forumet: <script>alert(1)</script> – vises dette bare som tekst?',
  'Vi vant endelig! 🎉🏆\nTakk for laget i kveld 🐺❤️ 👩‍🚀🇳🇴',
  '@everyone raid i kveld kl. 20? +1 hvis du blir med',
];

function* forumPostItems(seed: number): Generator<StoreRecord> {
  const usedIds = new Set<string>();
  for (const p of PERSONAS) {
    const rng = rngFor(seed, 'forum-posts', p.playerId);
    const others = othersOf(p.playerId);
    const text = TEXT[p.lang];
    const ownThreads = THREADS.filter((t) => t.lang === p.lang);
    const times = sortedTimes(rng, rng.int(5, 20), FORUM_START, DATA_END);
    const tricky = p.playerId === DEMO_PLAYER_ID ? DEMO_TRICKY_BODIES : [];
    for (const [index, at] of times.entries()) {
      let postId = `fp-${rng.hex(10)}`;
      while (usedIds.has(postId)) postId = `fp-${rng.hex(10)}`;
      usedIds.add(postId);
      const thread =
        ownThreads.length > 0 && rng.chance(0.55) ? rng.pick(ownThreads) : rng.pick(INTERNATIONAL_THREADS);

      let body = tricky[index] ?? rng.pick(text.posts);
      let mentions: string[] = rng.chance(0.35) ? rng.sample(others, rng.int(1, 2)) : [];
      let quotedAuthorId: string | undefined;
      if (p.playerId !== DEMO_PLAYER_ID && index === 0) {
        // Every other player quotes and mentions the demo player once: those posts belong to
        // their authors and must never show up in the demo player's export.
        quotedAuthorId = DEMO_PLAYER_ID;
        mentions = [DEMO_PLAYER_ID];
        body = rng.pick(text.replies);
      } else if (tricky[index] === undefined && rng.chance(0.25)) {
        quotedAuthorId = rng.pick(others);
        body = rng.pick(text.replies);
      }

      const post: StoreRecord = {
        postId,
        authorId: p.playerId,
        threadId: thread.threadId,
        threadTitle: thread.title,
        forum: thread.forum,
        body,
        createdAt: iso(at),
      };
      if (rng.chance(0.2)) post.editedAt = iso(at + rng.int(60, 2 * 86_400) * 1000);
      post.mentions = mentions;
      if (quotedAuthorId !== undefined) post.quotedAuthorId = quotedAuthorId;
      yield post;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// game-stats

const GAME = 'Fjord Raiders';
const GAME_EXPANSION = 'Fjord Raiders: Ragnarök';
const MAPS = [
  'Jøtunheim',
  'Nordlys Bay',
  'Ærø Crossing',
  'Skagerrak Strait',
  'Trollstigen Pass',
  'Lofoten Reach',
];
const RESULTS = ['win', 'loss', 'draw'] as const;
const ACHIEVEMENT_POINTS = [5, 10, 25, 50, 100];

/** Everything per player that the per-item loop would otherwise rebuild a million times. */
interface StatPools {
  opponentSets: readonly (readonly string[])[];
  ipAddresses: readonly string[];
  devices: readonly string[];
  achievements: readonly string[];
}

function statPools(p: Persona, index: number, rng: Rng): StatPools {
  const others = othersOf(p.playerId);
  const opponentSets: string[][] = [];
  for (let size = 1; size <= 3; size++) {
    for (let s = 0; s < 12; s++) opponentSets.push(rng.sample(others, size));
  }
  // Documentation address ranges only (RFC 5737, RFC 3849): never someone's real address.
  const ipAddresses = [
    `192.0.2.${10 + index * 20 + rng.int(0, 9)}`,
    `198.51.100.${10 + index * 20 + rng.int(0, 9)}`,
    `203.0.113.${10 + index * 20 + rng.int(0, 9)}`,
    `2001:db8:${(0x1000 + index).toString(16)}::${rng.hex(4).replace(/^0+(?=.)/, '')}`,
  ];
  return { opponentSets, ipAddresses, devices: p.devices, achievements: TEXT[p.lang].achievements };
}

const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

/** A 32-bit id that looks random but is unique per index (odd multiplier: a bijection mod 2^32). */
function statIdSuffix(index: number): string {
  const x = Math.imul(index + 1, 0x9e3779b1);
  // Byte lookups: toString(16) + padStart was a sixth of the generation time.
  return `${HEX_BYTES[x >>> 24]}${HEX_BYTES[(x >>> 16) & 0xff]}${HEX_BYTES[(x >>> 8) & 0xff]}${HEX_BYTES[x & 0xff]}`;
}

function* gameStatItems(seed: number, heavyCount: number): Generator<StoreRecord> {
  for (const [index, p] of PERSONAS.entries()) {
    const rng = rngFor(seed, 'game-stats', p.playerId);
    const isDemo = p.playerId === DEMO_PLAYER_ID;
    const count = isDemo ? heavyCount : rng.int(20, 60);
    yield* statsFor(p, statPools(p, index, rng), count, rng, isDemo);
  }
}

function* statsFor(
  p: Persona,
  pools: StatPools,
  count: number,
  rng: Rng,
  withExactnessProbes: boolean,
): Generator<StoreRecord> {
  // Evenly spread with jitter inside each slot: times only grow, however many items there are.
  const slot = (DATA_END - STATS_START) / Math.max(count, 1);
  const clock = new IsoClock();
  for (let i = 0; i < count; i++) {
    const recordedAt = clock.format(STATS_START + Math.floor(i * slot + rng.next() * slot));
    const roll = rng.next();
    const kind = roll < 0.55 ? 'match' : roll < 0.8 ? 'session' : roll < 0.9 ? 'achievement' : 'ranking';
    const base: StoreRecord = {
      playerId: p.playerId,
      statId: `${kind}#${recordedAt}#${statIdSuffix(i)}`,
      kind,
      recordedAt,
      game: rng.next() < 0.8 ? GAME : GAME_EXPANSION,
    };
    if (withExactnessProbes && i < 2) {
      yield exactnessProbe(base, i, pools);
      continue;
    }
    switch (kind) {
      case 'match':
        base.score = int(rng.int(0, 12_000));
        base.result = RESULTS[Math.floor(rng.next() * 3)] ?? 'draw';
        base.durationSec = int(rng.int(240, 2_700));
        base.mapName = rng.pick(MAPS);
        // A fresh array per item: a consumer may rewrite ids in place (pseudonymisation).
        base.opponentIds = rng.pick(pools.opponentSets).slice();
        base.accuracy = ACCURACIES[rng.int(0, 10_000)] ?? int(0);
        break;
      case 'session':
        base.durationSec = int(rng.int(60, 14_400));
        base.ipAddress = rng.pick(pools.ipAddresses);
        base.device = rng.pick(pools.devices);
        break;
      case 'achievement':
        base.achievementName = rng.pick(pools.achievements);
        base.points = int(rng.pick(ACHIEVEMENT_POINTS));
        break;
      case 'ranking':
        base.rank = int(rng.int(1, 20_000));
        base.points = int(rng.int(0, 5_000));
        break;
    }
    yield base;
  }
}

/**
 * The demo player's first two stats carry numbers no binary float can hold: a score of 2^53 + 1,
 * an accuracy with 37 decimals and 38-digit ranking points. An export that parses numbers with
 * JSON.parse or Number() changes them.
 */
function exactnessProbe(base: StoreRecord, i: number, pools: StatPools): StoreRecord {
  const recordedAt = String(base.recordedAt);
  const suffix = statIdSuffix(i);
  if (i === 0) {
    const match: StoreRecord = { ...base, kind: 'match', statId: `match#${recordedAt}#${suffix}` };
    match.score = new ExactNumber(DEMO_BIG_SCORE);
    match.result = 'win';
    match.durationSec = int(1_337);
    match.mapName = 'Jøtunheim';
    match.opponentIds = (pools.opponentSets.at(-1) ?? []).slice();
    match.accuracy = new ExactNumber(DEMO_EXACT_ACCURACY);
    return match;
  }
  const ranking: StoreRecord = { ...base, kind: 'ranking', statId: `ranking#${recordedAt}#${suffix}` };
  ranking.rank = int(1);
  ranking.points = new ExactNumber(DEMO_BIG_POINTS);
  return ranking;
}
