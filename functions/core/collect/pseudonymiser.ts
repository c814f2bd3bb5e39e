import { createHmac } from 'node:crypto';

/**
 * Replaces other players' ids with pseudonyms that are stable within one archive (the same
 * opponent is the same "player-…" in every file) but unlinkable across archives: the HMAC key is a
 * random salt made for each request and never stored with the archive. The requesting player's
 * own id is theirs to see and stays as it is.
 */
export class Pseudonymiser {
  constructor(
    private readonly salt: string,
    private readonly requesterId: string,
  ) {
    if (salt.length < 16) throw new Error('The pseudonym salt must be at least 16 characters of randomness');
  }

  pseudonym(id: string): string {
    if (id === this.requesterId) return id;
    const digest = createHmac('sha256', this.salt).update(id, 'utf8').digest('base64url');
    return `player-${digest.slice(0, 12)}`;
  }
}
