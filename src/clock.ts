/** Milliseconds since the epoch. Injected so that expiry and TOTP windows are testable without sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
