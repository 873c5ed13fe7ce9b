/**
 * Test support for the operator commands (cli/cutter.ts): runs them as the npm
 * scripts do, with the compiled CLI and the offline engine environment.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO, RunResult, TempHost, engineEnv, run } from "./harness";

export const CUTTER_JS = path.join(REPO, "dist", "cli", "cutter.js");

/** `node dist/cli/cutter.js ARGS --output <host's out dir>` with the host's inputs. */
export function cutter(host: TempHost, args: string[], extraEnv: Record<string, string> = {}): RunResult {
  return run("node", [CUTTER_JS, ...args, "--output", host.outDir], { env: host.env(extraEnv) });
}

/** A temporary hosts directory and a temp area for roots, state and output; removed by dispose(). */
export class TempHosts {
  public readonly dir: string;
  public readonly hostsDir: string;
  public readonly outDir: string;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-hosts-"));
    fs.chmodSync(this.dir, 0o755);
    this.hostsDir = path.join(this.dir, "hosts");
    this.outDir = path.join(this.dir, "cdktf.out");
    fs.mkdirSync(this.hostsDir);
  }

  public rootOf(name: string): string {
    return path.join(this.dir, name, "cutter");
  }

  public statePathOf(name: string): string {
    return path.join(this.dir, "state", `${name}.tfstate`);
  }

  /** Writes hosts/<name>.json; `content` is written as JSON unless it is a string. */
  public write(name: string, content: unknown): string {
    const file = path.join(this.hostsDir, `${name}.json`);
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2) + "\n");
    return file;
  }

  /** A host with its own root and local state under the temp area. */
  public writeLocalHost(name: string, extra: Record<string, unknown> = {}): string {
    // A root's parent must exist: the stack never creates directories above the root.
    fs.mkdirSync(path.dirname(this.rootOf(name)), { recursive: true });
    return this.write(name, { runtimeRoot: this.rootOf(name), state: { backend: "local", path: this.statePathOf(name) }, ...extra });
  }

  public env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return engineEnv({ CUTTER_HOSTS_DIR: this.hostsDir, ...extra });
  }

  public cutter(args: string[], extraEnv: Record<string, string> = {}): RunResult {
    return run("node", [CUTTER_JS, ...args, "--output", this.outDir], { env: this.env(extraEnv) });
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every file below `dir` whose bytes contain `needle` (to prove a secret was never written). */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    else if (st.isFile() && fs.readFileSync(p).includes(needle)) found.push(p);
  };
  if (fs.existsSync(dir)) visit(dir);
  return found;
}

/** Lists the files in a .tar.gz. */
export function archiveEntries(file: string): string[] {
  const listed = run("tar", ["-tzf", file], { env: process.env });
  if (listed.code !== 0) throw new Error(`tar -tzf ${file} failed:\n${listed.output}`);
  return listed.stdout.split("\n").filter(Boolean).sort();
}

/** Extracts a .tar.gz into a new temp dir and returns it. */
export function extractArchive(file: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-archive-"));
  const result = run("tar", ["-xzf", file, "-C", dir], { env: process.env });
  if (result.code !== 0) throw new Error(`tar -xzf ${file} failed:\n${result.output}`);
  return dir;
}
