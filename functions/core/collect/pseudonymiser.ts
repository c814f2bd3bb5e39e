import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { PseudonymKind } from '../data-map/data-map';

/**
 * What the per-export pseudonym key is derived from (by a MAC under a secret the functions never
 * hold, see PseudonymKeys): one key per request and attempt, the same for every source of it.
 */
export function pseudonymKeyMessage(requestId: string, attempt: number): string {
  return `player-data-export/pseudonyms/v1/${requestId}/${attempt}`;
}

/** Fewer bytes than this cannot be a MAC or a random key: refuse rather than pseudonymise weakly. */
export const MIN_PSEUDONYM_KEY_BYTES = 16;

/**
 * Pseudonyms remembered per export. A player meets the same opponents again and again, and an
 * HMAC per id was a tenth of collection's time; the bound keeps a source full of distinct ids from
 * growing memory (past it the memory starts afresh, which only costs the HMACs again).
 */
const REMEMBERED_PSEUDONYMS = 20_000;

/**
 * Replaces other players' ids with pseudonyms that are stable within one archive (the same
 * opponent is the same "player-…" in every file) but unlinkable across archives: the HMAC key is
 * derived for each request and attempt, never written to workflow state or to the archive. The
 * requesting player's own id is theirs to see and stays as it is. Support agents get their own
 * "agent-…" pseudonyms from the same HMAC: staff ids are not the player's data, yet the player can
 * follow one agent through a ticket.
 */
export class Pseudonymiser {
  // A KeyObject is imported once; a raw key would be imported again by every createHmac.
  private readonly key: KeyObject;
  private readonly players = new Map<string, string>();
  private readonly agents = new Map<string, string>();

  constructor(
    key: Uint8Array,
    private readonly requesterId: string,
  ) {
    if (key.byteLength < MIN_PSEUDONYM_KEY_BYTES) {
      throw new Error(`The pseudonym key must be at least ${MIN_PSEUDONYM_KEY_BYTES} bytes`);
    }
    this.key = createSecretKey(key);
  }

  pseudonym(id: string, kind: PseudonymKind = 'player'): string {
    if (kind !== 'agent' && id === this.requesterId) return id;
    const known = kind === 'agent' ? this.agents : this.players;
    let pseudonym = known.get(id);
    if (pseudonym === undefined) {
      const digest = this.digest(id);
      pseudonym =
        kind === 'agent'
          ? `agent-${lettersOnly(digest)}`
          : `player-${digest.toString('base64url').slice(0, 12)}`;
      if (known.size >= REMEMBERED_PSEUDONYMS) known.clear();
      known.set(id, pseudonym);
    }
    return pseudonym;
  }

  private digest(id: string): Buffer {
    return createHmac('sha256', this.key).update(id, 'utf8').digest();
  }
}

/**
 * Agent pseudonyms use letters only: staff ids look like "agent-17", and a digit right after
 * "agent-" could make a pseudonym start with a real agent's id.
 */
function lettersOnly(digest: Buffer): string {
  let out = '';
  for (const byte of digest.subarray(0, 12)) out += String.fromCharCode(97 + (byte % 26));
  return out;
}
