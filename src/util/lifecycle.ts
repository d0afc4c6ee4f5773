// The lifecycle every long-lived component shares (style.md §1.2): start and stop are idempotent,
// and stop without start is legal. Every async API takes an AbortSignal.
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AbortOptions {
  signal?: AbortSignal;
}
