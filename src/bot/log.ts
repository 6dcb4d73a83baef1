// Structured logs: one JSON object per line on stderr.
export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (level, msg, fields = {}) => write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
}
