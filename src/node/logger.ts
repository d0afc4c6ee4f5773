import { pino, type Logger } from "pino";

export type { Logger };

/** For components and tests that are given no logger. */
export const silentLogger: Logger = pino({ level: "silent" });
