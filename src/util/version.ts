// cnnkit's version, read from its package.json (which ships with the package, two folders above dist/src/util/).
import { createRequire } from 'node:module';

export const cnnkitVersion: string = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
