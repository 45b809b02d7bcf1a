/** How the plan's warnings say sizes and durations, one way for every step. */

/**
 * Bytes in GiB, one decimal.
 *
 * @example
 * gib(4 * 1024 ** 3) // '4.0 GiB'
 */
export const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/**
 * Seconds in whole minutes.
 *
 * @example
 * minutes(790) // '13 min'
 */
export const minutes = (seconds: number): string => `${Math.round(seconds / 60)} min`;
