/**
 * The namespace of every metric the functions publish; the alarms in lib/ filter on it and on the
 * `service` dimension, which is the deployment's name (POWERTOOLS_SERVICE_NAME, set by the stack).
 */
export const METRICS_NAMESPACE = 'PlayerDataExport';

/** Powertools Metrics options: the namespace; the service comes from POWERTOOLS_SERVICE_NAME. */
export const metricsNamespace = { namespace: METRICS_NAMESPACE };
