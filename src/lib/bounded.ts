// Per-isolate memory that must not grow without bound, and inputs that must be cut to a bound.

/** Sets `key` as the newest entry of `map`, dropping the oldest once there are more than `limit`. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value as K);
}

/** `items` in runs of at most `size` (D1 bounds the parameters of a statement). */
export const inChunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
