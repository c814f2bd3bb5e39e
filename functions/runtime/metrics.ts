/** The namespace and service of every metric the functions publish; the alarms in lib/ filter on them. */
export const metricsNamespace = { namespace: 'PlayerDataExport', serviceName: 'player-data-export' };
