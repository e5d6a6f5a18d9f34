// Types of scripts/build-electron.mjs for the TypeScript callers (the packaging test).
export declare function buildElectron(): Promise<void>;
