import { createHmac } from 'node:crypto';
import type { PseudonymKind } from '../data-map/data-map';

/**
 * Replaces other players' ids with pseudonyms that are stable within one archive (the same
 * opponent is the same "player-…" in every file) but unlinkable across archives: the HMAC key is a
 * random salt made for each request and never stored with the archive. The requesting player's
 * own id is theirs to see and stays as it is. Support agents get their own "agent-…" pseudonyms
 * from the same HMAC: staff ids are not the player's data, yet the player can follow one agent
 * through a ticket.
 */
export class Pseudonymiser {
  constructor(
    private readonly salt: string,
    private readonly requesterId: string,
  ) {
    if (salt.length < 16) throw new Error('The pseudonym salt must be at least 16 characters of randomness');
  }

  pseudonym(id: string, kind: PseudonymKind = 'player'): string {
    if (kind === 'agent') return `agent-${lettersOnly(this.digest(id))}`;
    if (id === this.requesterId) return id;
    return `player-${this.digest(id).toString('base64url').slice(0, 12)}`;
  }

  private digest(id: string): Buffer {
    return createHmac('sha256', this.salt).update(id, 'utf8').digest();
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
