import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyResource } from './deployment';
import { ServiceError } from './service-errors';

/** The MAC algorithms of each HMAC key spec (KMS answers InvalidKeyUsageException for another). */
const MAC_ALGORITHMS: Record<string, string> = {
  HMAC_224: 'HMAC_SHA_224',
  HMAC_256: 'HMAC_SHA_256',
  HMAC_384: 'HMAC_SHA_384',
  HMAC_512: 'HMAC_SHA_512',
};

/**
 * The KMS operations the functions call on keys of the templates: GenerateMac, with key material
 * made on first use and kept in the work directory (so a restarted runtime, like KMS, answers
 * the same MAC for the same message). Usage and algorithm are checked as KMS checks them.
 * Encryption keys are only permission-checked (their use by DynamoDB and S3 is implicit).
 */
export class LocalKms {
  private readonly keys: Map<string, KeyResource>;
  private readonly material = new Map<string, Promise<Buffer>>();

  constructor(
    keys: readonly KeyResource[],
    private readonly dir: string,
    private readonly region: string,
    private readonly account: string,
  ) {
    this.keys = new Map(keys.map((key) => [key.arn, key]));
  }

  /** A key's ARN from a KeyId (an id or an ARN, as the API takes it). */
  keyArn(keyId: unknown): string {
    const id = String(keyId ?? '');
    return id.startsWith('arn:') ? id : `arn:aws:kms:${this.region}:${this.account}:key/${id}`;
  }

  async generateMac(body: Record<string, unknown>): Promise<Record<string, string>> {
    const arn = this.keyArn(body.KeyId);
    const key = this.keys.get(arn);
    if (!key) throw new ServiceError('NotFoundException', `Key '${arn}' does not exist`);
    if (key.keyUsage !== 'GENERATE_VERIFY_MAC' || !MAC_ALGORITHMS[key.keySpec]) {
      throw new ServiceError(
        'InvalidKeyUsageException',
        `${arn} key usage is ${key.keyUsage}, not GENERATE_VERIFY_MAC`,
      );
    }
    const algorithm = String(body.MacAlgorithm ?? '');
    if (algorithm !== MAC_ALGORITHMS[key.keySpec]) {
      throw new ServiceError('InvalidKeyUsageException', `${key.keySpec} keys do not support ${algorithm}`);
    }
    const message = Buffer.from(String(body.Message ?? ''), 'base64');
    if (message.length === 0 || message.length > 4096) {
      throw new ServiceError('ValidationException', 'Message must be 1 to 4096 bytes');
    }
    const hash = `sha${algorithm.slice('HMAC_SHA_'.length)}`;
    const mac = createHmac(hash, await this.materialOf(key))
      .update(message)
      .digest();
    return { KeyId: arn, MacAlgorithm: algorithm, Mac: mac.toString('base64') };
  }

  private materialOf(key: KeyResource): Promise<Buffer> {
    let material = this.material.get(key.arn);
    if (!material) {
      material = this.loadOrCreate(key);
      this.material.set(key.arn, material);
    }
    return material;
  }

  private async loadOrCreate(key: KeyResource): Promise<Buffer> {
    const file = join(this.dir, `${key.id}.key`);
    const existing = await readFile(file).catch(() => undefined);
    if (existing) return existing;
    await mkdir(this.dir, { recursive: true });
    const made = randomBytes(64);
    // wx: two runtimes on one work directory (a crash test's restart) agree on the first one.
    await writeFile(file, made, { flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return readFile(file);
  }
}
