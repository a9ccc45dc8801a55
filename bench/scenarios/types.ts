export interface Scenario {
  readonly description: string;
  /** Flags, one per line, for --help. */
  readonly usage: string;
  run(argv: string[]): Promise<void>;
}
