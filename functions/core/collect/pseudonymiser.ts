import { createHmac } from 'node:crypto';
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
 * Replaces other players' ids with pseudonyms that are stable within one archive (the same
 * opponent is the same "player-…" in every file) but unlinkable across archives: the HMAC key is
 * derived for each request and attempt, never written to workflow state or to the archive. The
 * requesting player's own id is theirs to see and stays as it is. Support agents get their own
 * "agent-…" pseudonyms from the same HMAC: staff ids are not the player's data, yet the player can
 * follow one agent through a ticket.
 */
export class Pseudonymiser {
  constructor(
    private readonly key: Uint8Array,
    private readonly requesterId: string,
  ) {
    if (key.byteLength < MIN_PSEUDONYM_KEY_BYTES) {
      throw new Error(`The pseudonym key must be at least ${MIN_PSEUDONYM_KEY_BYTES} bytes`);
    }
  }

  pseudonym(id: string, kind: PseudonymKind = 'player'): string {
    if (kind === 'agent') return `agent-${lettersOnly(this.digest(id))}`;
    if (id === this.requesterId) return id;
    return `player-${this.digest(id).toString('base64url').slice(0, 12)}`;
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
