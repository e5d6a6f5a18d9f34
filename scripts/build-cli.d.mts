// Types of scripts/build-cli.mjs for the TypeScript callers (the test setup and the bench).
export declare const CLI_BUNDLE: string;
export declare function buildCli(): Promise<void>;
