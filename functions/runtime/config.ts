/**
 * Configuration from the environment: read once per cold start, typed, and failing loudly with the
 * name of what is missing or wrong (the CDK constructs set these; see lib/constructs).
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Settings every function of the pipeline shares. */
export interface PipelineConfig {
  /** The pipeline's own table: requests, audit trail, grants. */
  pipelineTable: string;
  /** The bus `ExportStatusChanged` and `ExportReady` go to. */
  eventBusName: string;
  /** The `source` of the events this pipeline publishes. */
  eventSource: string;
}

export interface StartExportConfig extends PipelineConfig {
  /** The export workflow (Step Functions state machine) that start-export starts. */
  stateMachineArn: string;
  /** A new request within this time of the last READY archive re-sends its link. */
  resendCooldownMs: number;
  /** Sources allowed to send ExportRequested (defence in depth behind the event rule); empty: any. */
  allowedSources: string[];
}

export function readConfig(env: Env): PipelineConfig {
  return {
    pipelineTable: required(env, 'PIPELINE_TABLE'),
    eventBusName: env.EVENT_BUS_NAME?.trim() || 'default',
    eventSource: env.EVENT_SOURCE?.trim() || 'player-data-export',
  };
}

export function readStartExportConfig(env: Env): StartExportConfig {
  return {
    ...readConfig(env),
    stateMachineArn: required(env, 'STATE_MACHINE_ARN'),
    resendCooldownMs: nonNegative(env, 'RESEND_COOLDOWN_HOURS', 24) * 60 * 60 * 1000,
    allowedSources: (env.ALLOWED_EVENT_SOURCES ?? '')
      .split(',')
      .map((source) => source.trim())
      .filter((source) => source !== ''),
  };
}

/** Export steps (plan, collect, build): where staging and archives go. */
export interface ExportConfig extends PipelineConfig {
  exportsBucket: string;
}

/** publish-export and start-export's re-send: how links are made and sent. */
export interface DeliveryConfig extends ExportConfig {
  /** The download gateway's base URL, e.g. https://downloads.example.com (no trailing slash). */
  gatewayBaseUrl: string;
  linkTtlSeconds: number;
  maxDownloads: number;
  /** The verified SES sender, e.g. "Nordlys Games <privacy@example.com>". */
  mailFrom: string;
  sesConfigurationSet?: string;
}

/** expire-exports: the schedule's sweep and watchdog. */
export interface SweepConfig extends ExportConfig {
  stuckAfterMs: number;
  dueWithinDays: number;
}

export function readExportConfig(env: Env): ExportConfig {
  return { ...readConfig(env), exportsBucket: required(env, 'EXPORTS_BUCKET') };
}

export function readDeliveryConfig(env: Env): DeliveryConfig {
  const configurationSet = env.SES_CONFIGURATION_SET?.trim();
  return {
    ...readExportConfig(env),
    gatewayBaseUrl: required(env, 'GATEWAY_BASE_URL').replace(/\/+$/, ''),
    linkTtlSeconds: nonNegative(env, 'LINK_TTL_HOURS', 7 * 24) * 3600,
    maxDownloads: Math.max(1, Math.floor(nonNegative(env, 'MAX_DOWNLOADS', 5))),
    mailFrom: required(env, 'MAIL_FROM'),
    ...(configurationSet ? { sesConfigurationSet: configurationSet } : {}),
  };
}

export function readSweepConfig(env: Env): SweepConfig {
  return {
    ...readExportConfig(env),
    stuckAfterMs: nonNegative(env, 'STUCK_AFTER_HOURS', 2) * 3600 * 1000,
    dueWithinDays: nonNegative(env, 'DUE_WITHIN_DAYS', 5),
  };
}

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigError(
      `Environment variable ${name} is not set. The CDK stack sets it on the function; locally, export it before starting.`,
    );
  }
  return value;
}

/** A number ≥ 0 (hours, days or a count, as the variable's name says), or the fallback when unset. */
function nonNegative(env: Env, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`Environment variable ${name} must be a number ≥ 0, got ${JSON.stringify(text)}`);
  }
  return value;
}
