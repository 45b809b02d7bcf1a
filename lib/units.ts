/**
 * Bytes in binary units, as the documents mean them ("2GB" is 2 GiB).
 *
 * @example
 * formatBytes(2147483648) // '2 GiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${units[unit]}`;
}

/**
 * A count with thousands separators.
 *
 * @example
 * formatCount(1234567) // '1,234,567'
 */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
