import type { StoreRecord } from '../../core/values';

/**
 * What the generators of the newer demo tables need from generate.ts, passed in rather than
 * imported: generate.ts dispatches to them, and an import back would make a cycle whose
 * evaluation order decides whether PERSONAS exists yet.
 */

export type DemoLang = 'nb' | 'de' | 'fr' | 'da' | 'th' | 'en';

export interface DemoPersona {
  playerId: string;
  lang: DemoLang;
  country: string;
  createdAt: string;
  newsletterEmail: boolean;
  offersSms: boolean;
  devices: readonly string[];
}

export interface DemoRng {
  next(): number;
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  sample<T>(items: readonly T[], count: number): T[];
  digits(length: number): string;
  hex(length: number): string;
}

export interface DemoContext {
  seed: number;
  /** Milliseconds; tables with retention windows are generated relative to it. */
  now: number;
  /** Fixed end of the historical demo data (2025-05-31). */
  dataEnd: number;
  demoPlayerId: string;
  personas: readonly DemoPersona[];
  rngFor(seed: number, ...labels: string[]): DemoRng;
  /** The players table, for tables that must agree with it (linked accounts). */
  players(): Iterable<StoreRecord>;
  /** The purchases table, for tables that must agree with it (attribution's purchase events). */
  purchases(): Iterable<StoreRecord>;
}

export const DAY_MS = 86_400_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whole seconds, so every instant round-trips through toISOString unchanged. */
export function at(rng: DemoRng, from: number, to: number): number {
  return from + Math.floor((rng.next() * (to - from)) / 1000) * 1000;
}

export function othersOf(ctx: DemoContext, playerId: string): string[] {
  return ctx.personas.map((p) => p.playerId).filter((id) => id !== playerId);
}

/** The support staff of the demo: ids shaped like the helpdesk's, never exported as they are. */
export const DEMO_AGENT_IDS: readonly string[] = ['agent-17', 'agent-4', 'agent-23', 'agent-108'];
