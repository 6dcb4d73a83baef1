// Text that arrives in chunks (a CLI's output, a log file or a pipe read as it grows), cut into whole lines.

/** Splits chunks into whole lines; the last partial line is kept until flush(). */
export function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = "";
  return {
    push(chunk) {
      const parts = (pending + chunk).split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const line of parts) emit(line);
    },
    flush() {
      if (pending !== "") emit(pending);
      pending = "";
    },
  };
}
