/**
 * A table's keys in one line: partition and optional sort key (string attributes), and its global
 * secondary indexes (each projecting every attribute). The CDK stacks build tables from these, the
 * adapters query by them, and the local runtime creates what the synthesized template says.
 */
export interface TableKeys {
  partition: string;
  sort?: string;
  indexes?: Readonly<Record<string, { partition: string; sort?: string }>>;
}
