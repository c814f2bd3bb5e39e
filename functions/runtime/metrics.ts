/**
 * The namespace of every metric the functions publish; the alarms in lib/ filter on it and on the
 * `service` dimension, which is the deployment's name (POWERTOOLS_SERVICE_NAME, set by the stack).
 */
export const METRICS_NAMESPACE = 'PlayerDataExport';

/** Powertools Metrics options: the namespace; the service comes from POWERTOOLS_SERVICE_NAME. */
export const metricsNamespace = { namespace: METRICS_NAMESPACE };

/**
 * Dimensions beyond `service`, each from a small fixed set (never an id or personal data):
 * `state` of RequestsByState (a request state), `reason` of ExportsFailed (an error name, see
 * failureKind). The ops dashboard (lib/constructs/ops-dashboard.ts) reads them by these names.
 */
export const STATE_DIMENSION = 'state';
export const REASON_DIMENSION = 'reason';
