// Per-isolate memory that must not grow without bound, and inputs that must be cut to a bound.

/** Sets `key` as the newest entry of `map`, dropping the oldest once there are more than `limit`. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value as K);
}
