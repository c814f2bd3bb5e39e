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

/** Domains reserved for examples and tests (RFC 2606, RFC 6761): no one can verify them in SES. */
const RESERVED_MAIL_DOMAIN = /@(.+\.)?(example\.(com|org|net)|[^.]+\.(test|example|invalid|localhost))$/i;

const deployConfigSchema = z
  .object({
    /**
     * Names this deployment: its stacks (`<name>Stateful`, `<name>Pipeline`, `<name>DemoGame`), the
     * exports they share (`<name>-…`), the demo tables (`<name>-demo-…`) and the `service` of its
     * logs and metrics. A second name deploys a second pipeline (staging beside production) in
     * the same account and region.
     */
    deploymentName: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'expected a letter, then up to 31 letters, digits or hyphens')
      .default('PlayerDataExport'),
    /**
     * Deploys the demo game in its own stack (`<name>DemoGame`): its tables, named `<name>-demo-…`
     * so they never collide with a game's own, are what the data map's tables resolve to. Turning
     * it off removes that stack and points the pipeline at the game's real tables.
     */
    demoMode: flag.default(true),
    /** Demo mode: the deploy loads the demo players into the demo tables (`false` leaves them empty). */
    seedDemoData: flag.default(true),
    /**
     * The data map of this deployment (a path from the project folder, or absolute): what the
     * roles may read and what the functions' bundles embed, so each game keeps its own file.
     */
    dataMapFile: z.string().trim().min(1).default('config/data-map.json'),
    /** The privacy notice of this deployment (the Art. 15 facts the archive states), as dataMapFile. */
    privacyNoticeFile: z.string().trim().min(1).default('config/privacy-notice.json'),
    /** The bus the account portal sends `ExportRequested` to ("default" or a custom bus name). */
    portalEventBusName: z.string().trim().min(1).default('default'),
    /** The `source` of the portal's events; the rule accepts no other. */
    portalEventSource: z.string().trim().min(1).default('game.account-portal'),
    /** The `detail-type` of a request for an export. */
    requestDetailType: z.string().trim().min(1).default('ExportRequested'),
    /** The `source` of the events this pipeline publishes (ExportStatusChanged, ExportReady). */
    pipelineEventSource: z.string().trim().min(1).default('player-data-export'),
    /**
     * The From of the player's e-mail; its address (or domain) must be verified in SES. The
     * player reads the same address as the controller's in the archive and as the support
     * contact, so it is the privacy notice's controller e-mail: set this only to change the
     * display name ("Nordlys privacy team <privacy@…>"). @default "<controller name> <controller email>"
     */
    mailFrom: optionalText,
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
    /**
     * The host name of the download links, e.g. "download.example-game.com": a custom domain of
     * the HTTP API in the stateful stack, so links already e-mailed survive a redeploy or a
     * replaced pipeline. Point a CNAME (or alias) at the stack's DownloadDomainTarget output.
     */
    downloadDomainName: optionalText.pipe(
      z
        .string()
        .regex(
          /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          'expected a lower-case host name',
        )
        .optional(),
    ),
    /** The ACM certificate (in the deployment's region) for downloadDomainName. */
    downloadCertificateArn: optionalText.pipe(
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/,
          'expected an ACM certificate ARN',
        )
        .optional(),
    ),
    /**
     * Public URL of the download gateway when something else (a CDN) fronts it.
     * @default https://<downloadDomainName>, else the HTTP API's URL (which changes with the stack)
     */
    gatewayBaseUrl: optionalText.pipe(z.url().optional()),
    /** Link to the account portal, shown on the gateway's "expired" and "not found" pages. */
    portalUrl: optionalText.pipe(z.url().optional()),
    /**
     * The account portal's IAM role (this or another account) that reads a player's requests
     * through the portal API (GET /portal/players/{playerId}/requests, AWS_IAM). HTTP APIs have no
     * resource policy, so the pipeline creates a role the portal assumes (PortalInvokerRoleArn),
     * allowed to invoke those routes only. Unset: any principal of this account whose policy
     * allows execute-api:Invoke on the PortalApiArn output.
     */
    portalPrincipalArn: optionalText.pipe(
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
          'expected an IAM role ARN, e.g. arn:aws:iam::111122223333:role/account-portal',
        )
        .optional(),
    ),
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
    /**
     * Exports that may run at once (admission): more requests wait QUEUED, oldest first, so a
     * burst of requests never reads the game's tables all at once. Each export reads up to four
     * sources side by side.
     */
    maxConcurrentExports: wholeNumber(1, 1000).default(10),
    /**
     * The admission alarm fires when the oldest queued request has waited this share (percent)
     * of its legal month: raise maxConcurrentExports or the read budgets before the deadline.
     */
    queueAlarmDueSharePercent: wholeNumber(1, 90).default(25),
    /**
     * Read capacity units per second the exports together may use on each game table the data
     * map gives no budget of its own (`readBudgets` in the map): a token bucket every collector
     * of every export shares, so the game's own reads keep their capacity.
     */
    readBudget: wholeNumber(1, 1_000_000).default(1000),
    /**
     * Seconds one collector invocation reads before it stops after a page and the workflow
     * invokes it again from its checkpoint: a source of any size, without reaching Lambda's 15
     * minutes: the margin holds a last page's throttling wait (at most 4 minutes) and closes the
     * staged upload. 0 hands over after every page (tests).
     */
    collectSecondsPerInvocation: wholeNumber(0, 600).default(600),
    /**
     * Bytes of data files one volume of an archive holds at most (before compression; 2 GiB as
     * Google Takeout offers): a bigger export is several complete zips, each packed by its own
     * build invocation, so no archive size reaches Lambda's 15 minutes. A data file is never
     * split: one larger than this is a volume of its own. At most 16 GiB, which one invocation
     * packs in about 7 minutes at the measured 40 MB/s.
     */
    archiveVolumeBytes: wholeNumber(64 * 1024, 16 * 1024 ** 3).default(2 * 1024 ** 3),
    /**
     * E-mails per second this deployment sends at most (every sender shares one bucket): SES's
     * sending rate of the account, 1 in the sandbox; raise it to the account's quota.
     */
    mailPerSecond: wholeNumber(1, 1000).default(1),
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
    if (Boolean(config.downloadDomainName) !== Boolean(config.downloadCertificateArn)) {
      ctx.addIssue({
        code: 'custom',
        path: [config.downloadDomainName ? 'downloadCertificateArn' : 'downloadDomainName'],
        message:
          'downloadDomainName and downloadCertificateArn go together: the domain needs its certificate',
      });
    }
    if (config.downloadDomainName && config.gatewayBaseUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['gatewayBaseUrl'],
        message:
          'set either downloadDomainName (a domain this deployment creates) or gatewayBaseUrl (one fronted elsewhere), not both',
      });
    }
    const minimum = minimumArchiveRetentionDays(config.linkTtl);
    if (config.archiveRetentionDays !== undefined && config.archiveRetentionDays < minimum) {
      ctx.addIssue({
        code: 'custom',
        path: ['archiveRetentionDays'],
        message: `archives would be deleted before their links expire (linkTtl of ${config.linkTtl} s): set archiveRetentionDays to ${minimum} or more, or remove it`,
      });
    }
  });

/** The settings as read from context, before the privacy notice gives the sender. */
export type DeploySettings = Omit<z.output<typeof deployConfigSchema>, 'archiveRetentionDays' | 'linkTtl'> & {
  archiveRetentionDays: number;
  linkTtlSeconds: number;
};

/** The settings with the sender resolved against the privacy notice (mailSender). */
export type DeployConfig = Omit<DeploySettings, 'mailFrom' | 'sesIdentity'> & {
  mailFrom: string;
  sesIdentity: string;
};

/**
 * The e-mail's sender from the privacy notice's controller: one address for the From, the
 * controller in the archive and the support contact. A mailFrom setting may change the display
 * name only; a placeholder address is refused outside demo mode (nobody can verify it in SES).
 */
export function mailSender(
  settings: DeploySettings,
  controller: { name: string; email: string },
): DeployConfig {
  const mailFrom = settings.mailFrom ?? `${controller.name} <${controller.email}>`;
  if (mailAddress(mailFrom).toLowerCase() !== controller.email.toLowerCase()) {
    throw new DeployConfigError(
      `mailFrom: ${mailAddress(mailFrom)} is not the privacy notice's controller e-mail (${controller.email}): the player reads both as our address; change the notice's controller.email, or leave mailFrom unset`,
    );
  }
  if (!settings.demoMode && RESERVED_MAIL_DOMAIN.test(mailAddress(mailFrom))) {
    throw new DeployConfigError(
      `mailFrom: ${mailFrom} is a placeholder nobody can verify in SES: give a privacy notice (privacyNoticeFile) whose controller e-mail is your privacy team's address (demo mode alone may use it)`,
    );
  }
  return { ...settings, mailFrom, sesIdentity: settings.sesIdentity ?? mailAddress(mailFrom) };
}

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
export function readDeployConfig(context: (key: string) => unknown): DeploySettings {
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
  };
}
