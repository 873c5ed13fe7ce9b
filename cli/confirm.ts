/**
 * The question `npm run destroy` asks on a terminal before it removes anything (as
 * `terraform destroy` does). Only `yes` goes on. With no terminal to ask on, destroy
 * needs --auto-approve (a pipeline passes it), and without it stops before anything runs.
 */
import * as fs from "fs";
import * as tty from "tty";
import { CutterError } from "./command-line";

/** Longest answer read (a line of a terminal). */
const MAX_ANSWER = 4096;

/** True when both ends of the conversation are a terminal. */
export function onTerminal(): boolean {
  return tty.isatty(0) && (tty.isatty(1) || tty.isatty(2));
}

/** Reads one line from the terminal on fd 0 (blocking; a non-blocking fd is polled). */
function readLine(): string {
  const buffer = Buffer.alloc(1);
  const bytes: number[] = [];
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (bytes.length < MAX_ANSWER) {
    let n: number;
    try {
      n = fs.readSync(0, buffer, 0, 1, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, 50);
        continue;
      }
      throw error;
    }
    if (n === 0 || buffer[0] === 0x0a) break;
    bytes.push(buffer[0]);
  }
  return Buffer.from(bytes).toString("utf8").replace(/\r$/, "").trim();
}

/**
 * Asks `question` on the terminal; returns when the answer is `yes`, throws a CutterError
 * (nothing changed) for anything else.
 */
export function confirm(question: string, declined: string): void {
  process.stderr.write(`${question}\n  Only 'yes' goes on: `);
  const answer = readLine();
  if (answer !== "yes") throw new CutterError(declined);
}
