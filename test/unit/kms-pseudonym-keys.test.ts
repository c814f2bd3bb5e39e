import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { KmsPseudonymKeys } from '../../functions/adapters/kms/kms-pseudonym-keys';
import { pseudonymKeyMessage } from '../../functions/core/collect/pseudonymiser';

/** A client that answers GenerateMac from a script and keeps what it was sent (this adapter's unit test only). */
function scriptedClient(answers: (() => Promise<{ Mac?: Uint8Array }>)[]) {
  const sent: GenerateMacCommand[] = [];
  const client = {
    send: async (command: GenerateMacCommand) => {
      sent.push(command);
      const next = answers.shift();
      if (!next) throw new Error('no answer scripted');
      return next();
    },
  } as unknown as KMSClient;
  return { client, sent };
}

const mac = (byte: number) => async () => ({ Mac: new Uint8Array(32).fill(byte) });

describe('KmsPseudonymKeys', () => {
  it('asks KMS for HMAC-SHA-256 of the request and attempt, with the configured key', async () => {
    const { client, sent } = scriptedClient([mac(1)]);
    const key = await new KmsPseudonymKeys(client, 'arn:aws:kms:eu-west-1:1:key/k').keyFor('req-1', 2);
    expect(key).toEqual(new Uint8Array(32).fill(1));
    expect(sent[0]).toBeInstanceOf(GenerateMacCommand);
    expect(sent[0]?.input.KeyId).toBe('arn:aws:kms:eu-west-1:1:key/k');
    expect(sent[0]?.input.MacAlgorithm).toBe('HMAC_SHA_256');
    expect(new TextDecoder().decode(sent[0]?.input.Message)).toBe(pseudonymKeyMessage('req-1', 2));
  });

  it('derives a different message per request and per attempt', () => {
    const messages = new Set([
      pseudonymKeyMessage('req-1', 1),
      pseudonymKeyMessage('req-1', 2),
      pseudonymKeyMessage('req-2', 1),
    ]);
    expect(messages.size).toBe(3);
  });

  it('asks once per attempt for a warm instance, again for another attempt', async () => {
    const { client, sent } = scriptedClient([mac(1), mac(2)]);
    const keys = new KmsPseudonymKeys(client, 'k');
    await keys.keyFor('req-1', 1);
    await keys.keyFor('req-1', 1);
    expect(sent).toHaveLength(1);
    expect(await keys.keyFor('req-1', 2)).toEqual(new Uint8Array(32).fill(2));
    expect(sent).toHaveLength(2);
  });

  it('does not remember a failure: the next call asks KMS again', async () => {
    const { client, sent } = scriptedClient([
      async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
      mac(3),
    ]);
    const keys = new KmsPseudonymKeys(client, 'k');
    await expect(keys.keyFor('req-1', 1)).rejects.toThrow('Rate exceeded');
    expect(await keys.keyFor('req-1', 1)).toEqual(new Uint8Array(32).fill(3));
    expect(sent).toHaveLength(2);
  });

  it('refuses an answer without a MAC', async () => {
    const { client } = scriptedClient([async () => ({})]);
    await expect(new KmsPseudonymKeys(client, 'k').keyFor('req-1', 1)).rejects.toThrow(/no MAC/);
  });
});
