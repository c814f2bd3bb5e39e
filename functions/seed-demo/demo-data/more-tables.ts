import type { StoreRecord } from '../../core/values';
import type { DemoContext } from './context';
import { chatLogItems, privateMessageItems, supportTicketItems } from './conversations';
import {
  consentItems,
  contestEntryItems,
  linkedAccountItems,
  sanctionItems,
  sessionItems,
} from './player-records';
import { attributionItems, newsletterEventItems, pushNotificationItems } from './tracking-records';

/** The demo tables behind the categories added after the first four (README: "Demo data"). */
export const MORE_DEMO_TABLES = [
  'consents',
  'support-tickets',
  'private-messages',
  'sanctions',
  'sessions',
  'linked-accounts',
  'contest-entries',
  'chat-logs',
  'push-notifications',
  'newsletter-events',
  'attribution',
] as const;
export type MoreDemoTable = (typeof MORE_DEMO_TABLES)[number];

const generators: Record<MoreDemoTable, (ctx: DemoContext) => Iterable<StoreRecord>> = {
  consents: consentItems,
  'support-tickets': supportTicketItems,
  'private-messages': privateMessageItems,
  sanctions: sanctionItems,
  sessions: sessionItems,
  'linked-accounts': linkedAccountItems,
  'contest-entries': contestEntryItems,
  'chat-logs': chatLogItems,
  'push-notifications': pushNotificationItems,
  'newsletter-events': newsletterEventItems,
  attribution: attributionItems,
};

export function isMoreDemoTable(table: string): table is MoreDemoTable {
  return (MORE_DEMO_TABLES as readonly string[]).includes(table);
}

export function moreTableItems(table: MoreDemoTable, ctx: DemoContext): Iterable<StoreRecord> {
  return generators[table](ctx);
}
