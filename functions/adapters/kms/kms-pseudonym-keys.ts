import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { pseudonymKeyMessage } from '../../core/collect/pseudonymiser';
import type { PseudonymKeys } from '../../core/ports';

/**
 * Pseudonym keys as MACs under a KMS HMAC key: HMAC-SHA-256 of the request id and attempt. The
 * secret never leaves KMS, every collector of one attempt derives the same key without it passing
 * through Step Functions, and another request's key cannot be computed from an archive. One call
 * per source per attempt; calls are cached for the warm instance's next source of the same attempt.
 */
export class KmsPseudonymKeys implements PseudonymKeys {
  private last?: { message: string; key: Promise<Uint8Array> };

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  keyFor(requestId: string, attempt: number): Promise<Uint8Array> {
    const message = pseudonymKeyMessage(requestId, attempt);
    if (this.last?.message === message) return this.last.key;
    const key = this.generate(message);
    this.last = { message, key };
    // A failed call is not remembered: the next source (or the step's retry) asks again.
    key.catch(() => {
      if (this.last?.key === key) this.last = undefined;
    });
    return key;
  }

  private async generate(message: string): Promise<Uint8Array> {
    const answer = await this.client.send(
      new GenerateMacCommand({
        KeyId: this.keyId,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: new TextEncoder().encode(message),
      }),
    );
    if (!answer.Mac) throw new Error('KMS GenerateMac returned no MAC');
    return answer.Mac;
  }
}
