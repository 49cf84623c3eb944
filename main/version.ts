declare const __LOCALBRAIN_VERSION__: string | undefined;

/** Set at build time from package.json; `dev` when run from source (tests). */
export const appVersion: string = typeof __LOCALBRAIN_VERSION__ === 'string' ? __LOCALBRAIN_VERSION__ : 'dev';
