// Kept equal to web/package.json's "version" (tests/js/module_api.test.mjs checks it).
export const VERSION = '0.1.0';
