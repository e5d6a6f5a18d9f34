// Types of launch-args.cjs, which the launcher runs as plain JavaScript and the CLI bundle imports.
export const HELP_FLAGS: ReadonlySet<string>;
export function commandAt(argv: readonly string[]): { word: string | undefined; rest: string[] };
export function keyPairAheadWanted(args: readonly string[]): boolean;
