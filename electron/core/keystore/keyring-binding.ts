/**
 * The OS vault library as a module of its own, which vault.ts imports on first use: bundled, a dynamic
 * import of this file loads the library through require, where one of the library itself would start
 * Node's ES-module loader (and fail inside the launcher's vm.Script).
 */
export { AsyncEntry } from '@napi-rs/keyring';
