// Types of scripts/build-deb.mjs for the TypeScript callers (the packaging test).
export declare const PACKAGE: string;
export declare const INSTALL_DIR: string;
export declare const COMMAND_PATH: string;
export declare function buildDeb(options: { appDir: string; outDir: string }): Promise<string>;
