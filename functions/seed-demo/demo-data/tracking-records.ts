import type { StoreRecord } from '../../core/values';
import { at, DAY_MS, type DemoContext, type DemoLang, type DemoRng, iso } from './context';
import { consentItems, ipAddress, isMobile } from './player-records';

/**
 * The tables that reach the player outside the game: push notifications, the newsletter's
 * delivery and tracking events, and the install-attribution partners' events. Each follows the
 * consents table: nothing is sent or tracked outside a period in which the player's consent for
 * that purpose was in force.
 */

type Period = readonly [from: number, to: number];

/** When each player's consent for each purpose was in force, read from the consents table itself. */
function consentPeriods(ctx: DemoContext): Map<string, Map<string, Period[]>> {
  const events = new Map<string, [action: string, when: number][]>();
  for (const consent of consentItems(ctx)) {
    const key = `${consent.playerId}\n${consent.purpose}`;
    const list = events.get(key) ?? [];
    list.push([String(consent.action), Date.parse(String(consent.at))]);
    events.set(key, list);
  }
  const periods = new Map<string, Map<string, Period[]>>();
  for (const [key, list] of events) {
    const [playerId = '', purpose = ''] = key.split('\n');
    const own: Period[] = [];
    let since: number | undefined;
    for (const [action, when] of list.sort((a, b) => a[1] - b[1])) {
      if (action === 'granted' && since === undefined) since = when;
      else if (action === 'withdrawn' && since !== undefined) {
        own.push([since, when]);
        since = undefined;
      }
    }
    if (since !== undefined) own.push([since, Number.POSITIVE_INFINITY]);
    const byPurpose = periods.get(playerId) ?? new Map<string, Period[]>();
    byPurpose.set(purpose, own);
    periods.set(playerId, byPurpose);
  }
  return periods;
}

function within(periods: readonly Period[], when: number): Period | undefined {
  return periods.find(([from, to]) => from <= when && when < to);
}

/** '2025-05-14T11:54:47.000Z' -> '20250514T115447', for ids that sort in time order. */
function compact(ms: number): string {
  return iso(ms).slice(0, 19).replace(/[-:]/g, '');
}

// ---------------------------------------------------------------------------------------------
// push-notifications: relative to "now", like sessions, so the 21-day retention window always has
// items inside; only the demo player also has older ones, which the export must leave out.

/** Notifications this many days old or newer are inside the 21-day window; margins keep a day's drift safe. */
export const PUSH_INSIDE_DAYS = 18;
export const PUSH_OUTSIDE_DAYS = 30;

const PUSH_EVENTS = [
  'building-finished',
  'match-found',
  'clan-invite',
  'season-started',
  'friend-online',
] as const;
type PushEvent = (typeof PUSH_EVENTS)[number];
/** Weighted: builds and matchmaking often, a new season rarely. */
const PUSH_EVENT_DRAW: readonly PushEvent[] = [
  'building-finished',
  'building-finished',
  'building-finished',
  'match-found',
  'match-found',
  'match-found',
  'friend-online',
  'friend-online',
  'clan-invite',
  'season-started',
];

// Like phrases.ts: no other player's name, so a notification never leaks who was online.
const PUSH_TEXT: Record<DemoLang, Record<PushEvent, readonly [title: string, body: string]>> = {
  nb: {
    'building-finished': ['Bygningen er ferdig', 'Smia di er ferdigbygd. Kom og ta den i bruk! 🔨'],
    'match-found': ['Kamp funnet', 'Motstanderne venter på Jøtunheim – bli med nå! ⚔️'],
    'clan-invite': ['Klaninvitasjon', 'Du er invitert til en klan. Åpne spillet for å svare.'],
    'season-started': ['Ny sesong!', 'Sesong 4 har startet – nye kart og belønninger venter 🌌'],
    'friend-online': ['En venn er pålogget', 'En av vennene dine logget nettopp på. Blir du med på en kamp?'],
  },
  de: {
    'building-finished': ['Gebäude fertig', 'Deine Schmiede ist fertig gebaut. Schau gleich vorbei! 🔨'],
    'match-found': ['Match gefunden', 'Deine Gegner warten auf Jøtunheim – jetzt beitreten! ⚔️'],
    'clan-invite': [
      'Clan-Einladung',
      'Du wurdest in einen Clan eingeladen. Öffne das Spiel, um zu antworten.',
    ],
    'season-started': ['Neue Saison!', 'Saison 4 hat begonnen – neue Karten und Belohnungen warten 🌌'],
    'friend-online': [
      'Ein Freund ist online',
      'Einer deiner Freunde ist gerade online gekommen. Lust auf ein Match?',
    ],
  },
  fr: {
    'building-finished': ['Bâtiment terminé', 'Ta forge est terminée. Viens vite l’utiliser ! 🔨'],
    'match-found': ['Partie trouvée', 'Tes adversaires t’attendent sur Jøtunheim – rejoins la partie ! ⚔️'],
    'clan-invite': ['Invitation de clan', 'Un clan t’invite à le rejoindre. Ouvre le jeu pour répondre.'],
    'season-started': [
      'Nouvelle saison !',
      'La saison 4 a commencé – nouvelles cartes et récompenses à gagner 🌌',
    ],
    'friend-online': ['Un ami est en ligne', 'Un de tes amis vient de se connecter. Une partie ensemble ?'],
  },
  da: {
    'building-finished': ['Bygningen er færdig', 'Din smedje er færdigbygget. Kom og brug den! 🔨'],
    'match-found': ['Kamp fundet', 'Modstanderne venter på Jøtunheim – deltag nu! ⚔️'],
    'clan-invite': ['Klaninvitation', 'Du er inviteret til en klan. Åbn spillet for at svare.'],
    'season-started': ['Ny sæson!', 'Sæson 4 er startet – nye kort og belønninger venter 🌌'],
    'friend-online': ['En ven er online', 'En af dine venner er lige logget på. Skal I tage en kamp?'],
  },
  th: {
    'building-finished': ['สร้างอาคารเสร็จแล้ว', 'โรงตีเหล็กของคุณสร้างเสร็จแล้ว เข้ามาใช้งานได้เลย 🔨'],
    'match-found': ['พบคู่แข่งแล้ว', 'คู่แข่งรอคุณอยู่ที่ Jøtunheim เข้าร่วมเลย ⚔️'],
    'clan-invite': ['คำเชิญเข้าแคลน', 'คุณได้รับคำเชิญเข้าแคลน เปิดเกมเพื่อตอบรับ'],
    'season-started': ['ซีซันใหม่มาแล้ว!', 'ซีซัน 4 เริ่มแล้ว มีแผนที่และรางวัลใหม่รออยู่ 🌌'],
    'friend-online': ['เพื่อนออนไลน์อยู่', 'เพื่อนของคุณเพิ่งออนไลน์ มาเล่นด้วยกันไหม'],
  },
  en: {
    'building-finished': ['Building finished', 'Your forge is ready. Come and put it to work! 🔨'],
    'match-found': ['Match found', 'Your opponents are waiting on Jøtunheim – join now! ⚔️'],
    'clan-invite': ['Clan invitation', 'You have been invited to a clan. Open the game to reply.'],
    'season-started': ['New season!', 'Season 4 has started – new maps and rewards await 🌌'],
    'friend-online': ['A friend is online', 'One of your friends just came online. Up for a match?'],
  },
};

export function* pushNotificationItems(ctx: DemoContext): Generator<StoreRecord> {
  const consents = consentPeriods(ctx);
  for (const p of ctx.personas) {
    const periods = consents.get(p.playerId)?.get('push') ?? [];
    const phones = p.devices.filter(isMobile);
    if (periods.length === 0 || phones.length === 0) continue;
    const rng = ctx.rngFor(ctx.seed, 'push-notifications', p.playerId);
    const inside = Array.from({ length: rng.int(3, 7) }, () =>
      at(rng, ctx.now - PUSH_INSIDE_DAYS * DAY_MS, ctx.now - 3_600_000),
    );
    const outside =
      p.playerId === ctx.demoPlayerId
        ? Array.from({ length: rng.int(2, 3) }, () =>
            at(rng, ctx.now - 60 * DAY_MS, ctx.now - PUSH_OUTSIDE_DAYS * DAY_MS),
          )
        : [];
    for (const sent of [...outside, ...inside].sort((a, b) => a - b)) {
      if (within(periods, sent) === undefined) continue;
      const device = rng.pick(phones);
      const event = rng.pick(PUSH_EVENT_DRAW);
      const [title, body] = PUSH_TEXT[p.lang][event];
      const item: StoreRecord = {
        playerId: p.playerId,
        notificationId: `pn-${compact(sent)}-${rng.hex(4)}`,
        sentAt: iso(sent),
        event,
        title,
        body,
        device,
        pushService: /Android/.test(device) ? 'fcm' : 'apns',
      };
      // Opened within the hour or not at all; sent at least an hour ago, so never in the future.
      if (rng.chance(0.45)) item.openedAt = iso(sent + rng.int(15, 3_000) * 1000);
      yield item;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// newsletter-events: one campaign a month (and two specials) since the newsletter moved to
// Mailgun, each sent to whoever was subscribed at the time.

const NEWSLETTER_START = Date.UTC(2023, 0, 1);
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const SITE = 'https://www.fjord-raiders.example';

interface Campaign {
  name: string;
  slug: string;
  sentAt: number;
  links: readonly string[];
}

function newsletterCampaigns(dataEnd: number): Campaign[] {
  const campaigns: Campaign[] = [
    {
      name: 'Season 3: Ragnarök is here',
      slug: 'season-3-launch',
      sentAt: Date.UTC(2024, 8, 12, 16, 0, 0),
      links: [`${SITE}/seasons/3`, `${SITE}/shop/season-pass-3`],
    },
    {
      name: 'Nordlys Winter Clash 2025 – sign-ups open',
      slug: 'winter-clash-2025',
      sentAt: Date.UTC(2025, 0, 20, 16, 0, 0),
      links: [`${SITE}/tournaments/winter-clash-2025`],
    },
  ];
  for (let month = new Date(NEWSLETTER_START); month.getTime() < dataEnd; ) {
    const y = month.getUTCFullYear();
    const m = month.getUTCMonth();
    const slug = `news-${y}-${String(m + 1).padStart(2, '0')}`;
    const sentAt = Date.UTC(y, m, 5, 8, 0, 0);
    if (sentAt < dataEnd) {
      campaigns.push({
        name: `Fjord Raiders News – ${MONTHS[m]} ${y}`,
        slug,
        sentAt,
        links: [`${SITE}/news/${slug}`, `${SITE}/shop`, `${SITE}/forum`],
      });
    }
    month = new Date(Date.UTC(y, m + 1, 1));
  }
  return campaigns.sort((a, b) => a.sentAt - b.sentAt);
}

/** [the mail program that opens the newsletter, the browser a link opens in], per device. */
const MAIL_AGENTS: Record<string, readonly [open: string, click: string]> = {
  'iPhone 15': [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
  ],
  'iPad Air': [
    'Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    'Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
  ],
  'Android (Samsung Galaxy S23)': [
    'Mozilla/5.0 (Linux; Android 15; SM-S911B Build/AP3A.240905.015; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/136.0.7103.60 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 15; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36',
  ],
  'MacBook Pro': [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
  ],
  'Windows 11 PC': [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36 Edg/136.0.0.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36',
  ],
  'Windows 10 PC': [
    'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; Microsoft Outlook 16.0.5487; ms-office; MSOffice 16)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:139.0) Gecko/20100101 Firefox/139.0',
  ],
};

export function* newsletterEventItems(ctx: DemoContext): Generator<StoreRecord> {
  const consents = consentPeriods(ctx);
  const campaigns = newsletterCampaigns(ctx.dataEnd);
  for (const [index, p] of ctx.personas.entries()) {
    const periods = consents.get(p.playerId)?.get('newsletter-email') ?? [];
    const rng = ctx.rngFor(ctx.seed, 'newsletter-events', p.playerId);
    const readers = p.devices.filter((d) => MAIL_AGENTS[d] !== undefined);
    for (const campaign of campaigns) {
      const period = within(periods, campaign.sentAt);
      if (period === undefined) continue;
      const end = Math.min(period[1], ctx.dataEnd);
      const event = (when: number, kind: string): StoreRecord => ({
        playerId: p.playerId,
        eventId: `nl-${compact(when)}-${rng.hex(4)}`,
        campaign: campaign.name,
        at: iso(when),
        event: kind,
        provider: 'Mailgun',
      });
      const delivered = campaign.sentAt + rng.int(2, 900) * 1000;
      if (rng.chance(0.04)) {
        yield event(delivered, 'bounced');
        continue;
      }
      yield event(delivered, 'delivered');
      if (!rng.chance(0.6)) continue;
      const opened = delivered + rng.int(60, 3 * 86_400) * 1000;
      if (opened >= end) continue;
      const [openAgent, clickAgent] = MAIL_AGENTS[
        rng.pick(readers.length > 0 ? readers : ['Windows 11 PC'])
      ] ?? ['', ''];
      const from = ipAddress(rng, index);
      yield { ...event(opened, 'opened'), ipAddress: from, userAgent: openAgent };
      if (!rng.chance(0.4)) continue;
      const clicked = opened + rng.int(5, 900) * 1000;
      if (clicked >= end) continue;
      const link = `${rng.pick(campaign.links)}?utm_source=newsletter&utm_medium=email&utm_campaign=${campaign.slug}`;
      yield { ...event(clicked, 'clicked'), link, ipAddress: from, userAgent: clickAgent };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// attribution: the install of the game's app on the player's phone (or PC) as the measurement
// partners saw it, from the first grant of third-party tracking; nothing while it is withdrawn.

const PLATFORMS: readonly (readonly [pattern: RegExp, platform: string])[] = [
  [/iPhone|iPad/, 'iOS'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
];
const NETWORKS: Record<string, readonly string[]> = {
  iOS: ['Apple Search Ads', 'Meta Ads', 'Google Ads', 'Unity Ads'],
  Android: ['Google Ads', 'Meta Ads', 'Unity Ads', 'TikTok for Business'],
  Windows: ['Google Ads', 'Meta Ads', 'Microsoft Advertising'],
};
const AD_CAMPAIGNS = [
  'S3-Ragnarok-Launch',
  'Nordic-Raiders-AlwaysOn',
  'Winter-Clash-Retargeting',
  'Strategy-Lookalike',
];
/** How often a device allows tracking (App Tracking Transparency on iOS, the ad ID setting elsewhere). */
const TRACKING_ALLOWED: Record<string, number> = { iOS: 0.5, Android: 0.85, Windows: 0.7 };

/** Shaped like an IDFA (upper case) or a GAID / Windows advertising ID (lower case). */
function advertisingId(rng: DemoRng, upper: boolean): string {
  const id = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${rng.pick(['8', '9', 'a', 'b'])}${rng.hex(3)}-${rng.hex(12)}`;
  return upper ? id.toUpperCase() : id;
}

export function* attributionItems(ctx: DemoContext): Generator<StoreRecord> {
  const consents = consentPeriods(ctx);
  const purchases = [...ctx.purchases()];
  for (const p of ctx.personas) {
    const periods = (consents.get(p.playerId)?.get('third-party-tracking') ?? [])
      .map(([from, to]): Period => [from, Math.min(to, ctx.dataEnd)])
      .filter(([from, to]) => to - from >= DAY_MS);
    const device = PLATFORMS.flatMap(([pattern]) => p.devices.filter((d) => pattern.test(d)))[0];
    const platform = PLATFORMS.find(([pattern]) => device !== undefined && pattern.test(device))?.[1];
    const first = periods[0];
    if (first === undefined || platform === undefined) continue;
    const rng = ctx.rngFor(ctx.seed, 'attribution', p.playerId);
    const isDemo = p.playerId === ctx.demoPlayerId;
    // The demo player allowed tracking on the device, so the export shows an advertising ID.
    const allowed = rng.chance(TRACKING_ALLOWED[platform] ?? 0.5) || isDemo;
    const adId = allowed ? advertisingId(rng, platform === 'iOS') : undefined;
    const appInstanceId = rng.hex(32);
    const network = rng.pick(NETWORKS[platform] ?? ['Google Ads']);
    const campaign = `${p.country}_${platform}_${rng.pick(AD_CAMPAIGNS)}`;

    const [grant, firstEnd] = first;
    const clicked = at(rng, grant, grant + Math.min(14 * DAY_MS, (firstEnd - grant) / 4));
    const installed = clicked + rng.int(120, 5_400) * 1000;
    const opened = installed + rng.int(30, 900) * 1000;
    const checked = installed + rng.int(60, 3_600) * 1000;
    const roll = rng.next();
    const verdict = roll < 0.88 ? 'clean' : roll < 0.97 ? 'suspicious' : 'blocked';

    const events: [when: number, item: StoreRecord][] = [];
    const add = (when: number, event: string, partner: string, extra: StoreRecord = {}) => {
      const item: StoreRecord = {
        playerId: p.playerId,
        eventId: '',
        at: iso(when),
        event,
        partner,
        platform,
      };
      if (adId !== undefined) item.advertisingId = adId;
      if (event !== 'ad-click') item.appInstanceId = appInstanceId;
      item.country = p.country;
      events.push([when, { ...item, ...extra }]);
    };
    add(clicked, 'ad-click', 'singular', { campaign, network });
    add(installed, 'install', 'adjust', { campaign, network });
    add(opened, 'first-open', 'firebase');
    add(checked, 'fraud-score', '24metrics', { campaign, network, fraudVerdict: verdict });
    for (const [index, [from, to]] of periods.entries()) {
      const start = index === 0 ? opened + 60_000 : from;
      if (to <= start) continue;
      const count = index === 0 ? rng.int(4, 9) : rng.int(1, 4);
      for (let i = 0; i < count; i++) add(at(rng, start, to), 'session-start', 'firebase');
    }
    // At the purchase's own time, whatever became of it later (a refund does not undo the event).
    // The demo player has every one, so the export can be checked against the purchases category.
    for (const purchase of purchases) {
      if (purchase.playerId !== p.playerId) continue;
      const when = Date.parse(String(purchase.purchasedAt));
      if (when <= opened || within(periods, when) === undefined) continue;
      if (rng.chance(0.7) || isDemo) add(when, 'purchase', 'adjust', { campaign, network });
    }
    events.sort((a, b) => a[0] - b[0]);
    for (const [when, item] of events) {
      item.eventId = `att-${compact(when)}-${rng.hex(4)}`;
      yield item;
    }
  }
}
