// A read-through cache that stays exact under concurrent writes: every invalidation bumps a
// version, and a value loaded while the version moved is returned but not kept. Without that,
// a read that began before a write and finished after it would cache the old row for good.
export class VersionedCache<K, V> {
  private readonly entries = new Map<K, V>();
  private version = 0;

  constructor(private readonly limit: number) {}

  async get(key: K, load: () => Promise<V>): Promise<V> {
    if (this.entries.has(key)) return this.entries.get(key)!;
    const versionAtLoad = this.version;
    const value = await load();
    if (this.version === versionAtLoad) {
      // Crude but bounded: a full cache starts over rather than tracking recency per hit.
      if (this.entries.size >= this.limit) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }

  /** Call after a write that may change what `key` loads has committed. */
  invalidate(key: K): void {
    this.version++;
    this.entries.delete(key);
  }

  clear(): void {
    this.version++;
    this.entries.clear();
  }
}
