import { z } from 'zod';

/**
 * What operators set for a deployment: keys of the `context` of cdk.json, or per run with
 * `npx cdk deploy -c key=value`. Values from `-c` arrive as strings, so numbers and booleans are
 * coerced. Validated once, before any construct is built: a bad value fails synth naming the key
 * and the fix, not a half-built stack. The data map (config/data-map.json) is the other half of
 * the configuration; the CDK and the Lambdas read the same file.
 */

const flag = z.union([z.boolean(), z.stringbool()]);

/** "7d", "12h", "10m" or "90s", as seconds. */
export function durationSeconds(text: string): number | undefined {
  const match = /^([0-9]+)(s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const seconds = durationSeconds(text);
    if (seconds === undefined || seconds < min || seconds > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 7d, 12h or 10m, between ${min} s and ${max / 86_400} days`,
      });
      return z.NEVER;
    }
    return seconds;
  });
const wholeNumber = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalText = z
  .string()
  .trim()
  .transform((text) => (text === '' ? undefined : text))
  .optional();

const deployConfigSchema = z
  .object({
    /** Creates the demo game's tables (players, purchases, forum-posts, …) next to the pipeline. */
    demoMode: flag.default(true),
    /** The bus the account portal sends `ExportRequested` to ("default" or a custom bus name). */
    portalEventBusName: z.string().trim().min(1).default('default'),
    /** The `source` of the portal's events; the rule accepts no other. */
    portalEventSource: z.string().trim().min(1).default('game.account-portal'),
    /** The `detail-type` of a request for an export. */
    requestDetailType: z.string().trim().min(1).default('ExportRequested'),
    /** The `source` of the events this pipeline publishes (ExportStatusChanged, ExportReady). */
    pipelineEventSource: z.string().trim().min(1).default('player-data-export'),
    /** The From of the player's e-mail; its address (or domain) must be verified in SES. */
    mailFrom: z.string().trim().min(3).default('Privacy team <privacy@example.com>'),
    /** The SES identity to create: an address or a domain. @default the address of mailFrom */
    sesIdentity: optionalText,
    /** false when the identity already exists in the account (SES refuses a second one). */
    createSesIdentity: flag.default(true),
    /**
     * Use the e-mail address the portal puts in ExportRequested. Off by default: the address then
     * comes from the game's identity table, so a principal allowed to put events on the bus cannot
     * have a player's link mailed elsewhere. Turn on only when PutEvents on the bus is limited to
     * the portal's role (README, "Who may ask for an export").
     */
    trustPortalEmail: flag.default(false),
    /** An ExportRequested older than this (by its requestedAt) is refused: a re-driven event may be days old. */
    maxRequestAgeDays: wholeNumber(1, 365).default(30),
    /** Executions per request before the watchdog gives up and marks it FAILED. */
    maxExportAttempts: wholeNumber(1, 10).default(3),
    /** Public URL of the download gateway when a custom domain fronts it. @default the HTTP API's URL */
    gatewayBaseUrl: optionalText.pipe(z.url().optional()),
    /** Link to the account portal, shown on the gateway's "expired" and "not found" pages. */
    portalUrl: optionalText.pipe(z.url().optional()),
    /** How long a download link works: "7d", "12h", "10m" (a minute at least, 30 days at most). */
    linkTtl: duration(60, 30 * 86_400).default(7 * 86_400),
    /** Downloads allowed per link. */
    maxDownloads: wholeNumber(1, 100).default(5),
    /** A repeat request within this time of a READY archive re-sends the link instead of rebuilding. */
    resendCooldownHours: wholeNumber(0, 30 * 24).default(24),
    /** Days an archive is kept; must outlive the longest link. @default link lifetime (in days) + 1 */
    archiveRetentionDays: wholeNumber(1, 365).optional(),
    /** Retention of every log group the pipeline writes (CloudWatch allows only certain values). */
    logRetentionDays: wholeNumber(1, 3653).default(30),
    /** Retention of the exports bucket's S3 server access logs. */
    accessLogRetentionDays: wholeNumber(1, 3653).default(90),
    /** Steady-state requests per second the download gateway accepts. */
    gatewayRateLimit: wholeNumber(1, 10_000).default(20),
    /** Burst of requests the download gateway accepts. */
    gatewayBurstLimit: wholeNumber(1, 5_000).default(40),
    /** How often the expiry sweep and watchdog run. */
    sweepEveryMinutes: wholeNumber(1, 60).default(15),
    /** A request in a working state longer than this is flagged stuck. */
    stuckAfterHours: wholeNumber(1, 72).default(2),
    /** Requests not READY this many days before their legal due date raise the alarm. */
    dueWithinDays: wholeNumber(1, 28).default(5),
    /** Address subscribed to the alarm topic (confirm the subscription e-mail). */
    alarmEmail: optionalText.pipe(z.email().optional()),
    /** X-Ray tracing on the functions (the workflow is always traced). */
    tracing: flag.default(false),
    /** Versioning on the exports bucket; noncurrent versions then expire after one day. */
    versionedExports: flag.default(false),
    /** Runs the cdk-nag AwsSolutions checks during synth. */
    nag: flag.default(true),
  })
  .superRefine((config, ctx) => {
    const minimum = minimumArchiveRetentionDays(config.linkTtl);
    if (config.archiveRetentionDays !== undefined && config.archiveRetentionDays < minimum) {
      ctx.addIssue({
        code: 'custom',
        path: ['archiveRetentionDays'],
        message: `archives would be deleted before their links expire (linkTtl of ${config.linkTtl} s): set archiveRetentionDays to ${minimum} or more, or remove it`,
      });
    }
  });

export type DeployConfig = Omit<
  z.output<typeof deployConfigSchema>,
  'archiveRetentionDays' | 'sesIdentity' | 'linkTtl'
> & {
  archiveRetentionDays: number;
  sesIdentity: string;
  linkTtlSeconds: number;
};

export const deployContextKeys = Object.keys(deployConfigSchema.shape);

/** One day after the longest link lifetime, so a link never points at a deleted archive. */
export function minimumArchiveRetentionDays(linkTtlSeconds: number): number {
  return Math.ceil(linkTtlSeconds / 86_400) + 1;
}

export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/** The address inside "Name <address>" or a bare address. */
export function mailAddress(mailFrom: string): string {
  const match = /<([^<>]+)>\s*$/.exec(mailFrom);
  return (match?.[1] ?? mailFrom).trim();
}

/**
 * Reads the deployment settings from CDK context (`app.node.tryGetContext`). Unknown keys are
 * left alone (CDK keeps its own flags there).
 */
export function readDeployConfig(context: (key: string) => unknown): DeployConfig {
  const raw = Object.fromEntries(deployContextKeys.map((key) => [key, context(key)]));
  const result = deployConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(context)'}: ${i.message}`);
    throw new DeployConfigError(
      `The deployment settings (cdk.json "context" or -c key=value) are invalid:\n  ${problems.join('\n  ')}`,
    );
  }
  const { linkTtl, ...config } = result.data;
  return {
    ...config,
    linkTtlSeconds: linkTtl,
    archiveRetentionDays: config.archiveRetentionDays ?? minimumArchiveRetentionDays(linkTtl),
    sesIdentity: config.sesIdentity ?? mailAddress(config.mailFrom),
  };
}
