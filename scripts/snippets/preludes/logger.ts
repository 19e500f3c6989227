// biome-ignore-all lint/correctness: a prelude declares what the block after it uses
// The app's logger (pino's shape).
declare const logger: { error(object: object, message: string): void };
