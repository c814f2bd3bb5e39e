import type { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE } from '../../functions/runtime/metrics';

export interface PipelineMetricOptions {
  readonly period: Duration;
  readonly statistic: string;
  /** Dimensions besides `service` (e.g. a request state). */
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly label?: string;
}

/**
 * A metric one of the functions publishes through Powertools Metrics: the project's namespace and
 * the `service` dimension Powertools adds (the deployment's name, POWERTOOLS_SERVICE_NAME).
 */
export function pipelineMetric(
  serviceName: string,
  metricName: string,
  options: PipelineMetricOptions,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: serviceName, ...options.dimensions },
    period: options.period,
    statistic: options.statistic,
    ...(options.label ? { label: options.label } : {}),
  });
}
