/**
 * Configuration from the environment: read once per cold start, typed, and failing loudly with the
 * name of what is missing or wrong. The CDK constructs set every variable (lib/pipeline-stack.ts);
 * the defaults live in one place, the deployment settings (config/deploy.ts), so none is repeated
 * here. Locally the same variables come from the synthesized template.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The pipeline's own table: requests, audit trail, delivery outbox, grants. */
export function readPipelineTable(env: Env): string {
  return required(env, 'PIPELINE_TABLE');
}

/** The KMS HMAC key each export's pseudonym key is derived with (collect-category). */
export function readPseudonymKeyId(env: Env): string {
  return required(env, 'PSEUDONYM_KEY_ARN');
}

/**
 * Where the data map's tables are, where the deployment names them otherwise (the demo game's
 * prefixed tables): `SOURCE_TABLES`, a JSON object of map name → table name or ARN. Absent: every
 * table is read by the name the map gives.
 */
export function readSourceTables(env: Env): ReadonlyMap<string, string> {
  const text = env.SOURCE_TABLES?.trim();
  if (!text) return new Map();
  const entries = jsonEntries('SOURCE_TABLES', text, 'table name → name or ARN');
  if (entries.length === 0 || entries.some(([, value]) => typeof value !== 'string' || value === '')) {
    throw new ConfigError('SOURCE_TABLES must be an object of table name → name or ARN');
  }
  return new Map(entries as [string, string][]);
}

/**
 * collect-category: read capacity units per second the exports may use of each game table
 * (`READ_BUDGETS`, a JSON object of the data map's table name → units, set by the stack from the
 * map's readBudgets and the deployment's readBudget). Required: a collector without budgets would
 * read the game's tables as fast as they answer.
 */
export function readReadBudgets(env: Env): ReadonlyMap<string, number> {
  const entries = jsonEntries('READ_BUDGETS', required(env, 'READ_BUDGETS'), 'table name → units per second');
  if (entries.some(([, value]) => typeof value !== 'number' || !(value > 0))) {
    throw new ConfigError('READ_BUDGETS must be an object of table name → positive units per second');
  }
  return new Map(entries as [string, number][]);
}

/** collect-category: how long one invocation reads before it checkpoints and hands over. */
export function readCollectTimeBudgetMs(env: Env): number {
  return wholeNumber(env, 'COLLECT_SECONDS_PER_INVOCATION', 0) * 1000;
}

/** build-archive: the bytes of data files one volume of an archive holds at most. */
export function readArchiveVolumeBytes(env: Env): number {
  return wholeNumber(env, 'ARCHIVE_VOLUME_BYTES', 1);
}

/** The members of a variable holding a JSON object (none for any other JSON value). */
function jsonEntries(name: string, text: string, expected: string): [string, unknown][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${name} is not JSON: expected an object of ${expected}`);
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.entries(parsed) : [];
}

export function readExportsBucket(env: Env): string {
  return required(env, 'EXPORTS_BUCKET');
}

/** Where `ExportStatusChanged` and `ExportReady` go, and their `source`. */
export function readEventsConfig(env: Env): { eventBusName: string; eventSource: string } {
  return { eventBusName: required(env, 'EVENT_BUS_NAME'), eventSource: required(env, 'EVENT_SOURCE') };
}

/** How links are made (publish-export, start-export's re-sent links). */
export function readLinkSettings(env: Env): {
  gatewayBaseUrl: string;
  linkTtlSeconds: number;
  maxDownloads: number;
} {
  return {
    gatewayBaseUrl: required(env, 'GATEWAY_BASE_URL').replace(/\/+$/, ''),
    linkTtlSeconds: wholeNumber(env, 'LINK_TTL_SECONDS', 60),
    maxDownloads: wholeNumber(env, 'MAX_DOWNLOADS', 1),
  };
}

export interface MailConfig {
  /** The verified SES sender, e.g. "Nordlys Games <privacy@example.com>". */
  mailFrom: string;
  /** Use the address an ExportRequested carries (see config/deploy.ts, trustPortalEmail). */
  trustEventEmail: boolean;
  sesConfigurationSet?: string;
  /** E-mails per second the account's SES sending rate allows this deployment (a shared token bucket). */
  mailPerSecond: number;
}

export function readMailConfig(env: Env): MailConfig {
  const configurationSet = env.SES_CONFIGURATION_SET?.trim();
  return {
    mailFrom: required(env, 'MAIL_FROM'),
    trustEventEmail: flag(env, 'TRUST_EVENT_EMAIL'),
    mailPerSecond: wholeNumber(env, 'MAIL_PER_SECOND', 1),
    ...(configurationSet ? { sesConfigurationSet: configurationSet } : {}),
  };
}

/** start-export: which events it takes and what it does with a repeat. */
export interface IntakeConfig {
  resendCooldownMs: number;
  /** Sources allowed to send the request event (defence in depth behind the event rule). */
  allowedSources: string[];
  detailType: string;
  maxRequestAgeMs: number;
}

export function readIntakeConfig(env: Env): IntakeConfig {
  return {
    resendCooldownMs: wholeNumber(env, 'RESEND_COOLDOWN_HOURS', 0) * 3_600_000,
    allowedSources: required(env, 'ALLOWED_EVENT_SOURCES')
      .split(',')
      .map((source) => source.trim())
      .filter((source) => source !== ''),
    detailType: required(env, 'REQUEST_DETAIL_TYPE'),
    maxRequestAgeMs: wholeNumber(env, 'MAX_REQUEST_AGE_DAYS', 1) * 86_400_000,
  };
}

/** dispatch-exports: the workflow it starts and how many exports may run at once. */
export function readAdmissionConfig(env: Env): { stateMachineArn: string; maxConcurrent: number } {
  return {
    stateMachineArn: required(env, 'STATE_MACHINE_ARN'),
    maxConcurrent: wholeNumber(env, 'MAX_CONCURRENT_EXPORTS', 1),
  };
}

/** expire-exports: the watchdog's bounds and the due-date report's horizon. */
export interface SweepConfig {
  stateMachineArn: string;
  stuckAfterMs: number;
  maxAttempts: number;
  dueWithinDays: number;
}

export function readSweepConfig(env: Env): SweepConfig {
  return {
    stateMachineArn: required(env, 'STATE_MACHINE_ARN'),
    stuckAfterMs: wholeNumber(env, 'STUCK_AFTER_HOURS', 1) * 3_600_000,
    maxAttempts: wholeNumber(env, 'MAX_EXPORT_ATTEMPTS', 1),
    dueWithinDays: wholeNumber(env, 'DUE_WITHIN_DAYS', 1),
  };
}

/** The download gateway's presigned URL life (≤ 300 s) and the portal link on its pages. */
export function readGatewayConfig(env: Env): { presignSeconds: number; portalUrl?: string } {
  const presignSeconds = wholeNumber(env, 'PRESIGN_SECONDS', 1);
  if (presignSeconds > 300) {
    throw new ConfigError(`Environment variable PRESIGN_SECONDS must be at most 300, got ${presignSeconds}`);
  }
  const portalUrl = env.PORTAL_URL?.trim();
  return { presignSeconds, ...(portalUrl ? { portalUrl } : {}) };
}

/**
 * portal-api: the role whose sessions may call it (PORTAL_CALLER_ROLE_ARN, set when the deployment
 * names the portal's principal); absent, any caller API Gateway authenticated and authorised.
 */
export function readPortalCallerRoleArn(env: Env): string | undefined {
  const arn = env.PORTAL_CALLER_ROLE_ARN?.trim();
  if (!arn) return undefined;
  if (!/^arn:[^:]+:iam::\d{12}:role\/.+$/.test(arn)) {
    throw new ConfigError('Environment variable PORTAL_CALLER_ROLE_ARN must be an IAM role ARN');
  }
  return arn;
}

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigError(
      `Environment variable ${name} is not set. The CDK stack sets it on the function (lib/pipeline-stack.ts); a function without it was deployed from another template.`,
    );
  }
  return value;
}

/** A whole number ≥ `min` (seconds, hours, days or a count, as the variable's name says). */
function wholeNumber(env: Env, name: string, min: number): number {
  const text = required(env, name);
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(
      `Environment variable ${name} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const text = required(env, name);
  if (text !== 'true' && text !== 'false') {
    throw new ConfigError(
      `Environment variable ${name} must be "true" or "false", got ${JSON.stringify(text)}`,
    );
  }
  return text === 'true';
}
