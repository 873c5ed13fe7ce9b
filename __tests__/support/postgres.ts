/**
 * A real, throw-away PostgreSQL 15 on loopback for the state-backend tests.
 *
 * `TempPostgres.start()` runs initdb into a fresh temporary data directory, starts
 * the server on a free 127.0.0.1 port (password auth, socket in the data dir) and
 * `stop()` stops it and removes everything. PostgreSQL refuses to run as root, so
 * when the tests run as root (CI does) the server runs as `nobody`, which owns the
 * temporary directory. Only the binaries need to be installed.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { run, RunResult } from "./harness";

const BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin"];

function binary(name: string): string {
  const override = process.env.CUTTER_PG_BIN_DIR;
  for (const dir of override ? [override] : BIN_DIRS) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`PostgreSQL binary ${name} not found in ${BIN_DIRS.join(", ")} (set CUTTER_PG_BIN_DIR)`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

export class TempPostgres {
  public readonly dir: string;
  public readonly dataDir: string;
  public readonly password: string;
  public readonly database = "cutter_state";
  public port = 0;
  private readonly asRoot: boolean;

  private constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cutter-pg-"));
    fs.chmodSync(this.dir, 0o755);
    this.dataDir = path.join(this.dir, "data");
    // A password with URL-reserved characters would need escaping; hex keeps it simple and secret.
    this.password = randomBytes(12).toString("hex");
    this.asRoot = process.getuid?.() === 0;
  }

  /** A connection string with the password: what a pipeline keeps in a secret. */
  public get connStr(): string {
    return `postgres://cutter:${this.password}@127.0.0.1:${this.port}/${this.database}?sslmode=disable`;
  }

  private asServerUser(command: string, args: string[]): RunResult {
    const [cmd, argv] = this.asRoot ? ["runuser", ["-u", "nobody", "--", command, ...args]] : [command, args];
    return run(cmd, argv, { cwd: this.dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" }, timeoutMs: 120_000 });
  }

  public static async start(): Promise<TempPostgres> {
    const pg = new TempPostgres();
    try {
      const pwfile = path.join(pg.dir, "pwfile");
      fs.writeFileSync(pwfile, pg.password + "\n", { mode: 0o600 });
      if (pg.asRoot) {
        const nobody = Number(run("id", ["-u", "nobody"], { env: process.env }).stdout.trim());
        const nogroup = Number(run("id", ["-g", "nobody"], { env: process.env }).stdout.trim());
        fs.chownSync(pg.dir, nobody, nogroup);
        fs.chownSync(pwfile, nobody, nogroup);
      }
      const init = pg.asServerUser(binary("initdb"), ["-D", pg.dataDir, "-U", "cutter", "--pwfile", pwfile, "--auth=scram-sha-256", "--no-sync", "-E", "UTF8"]);
      if (init.code !== 0) throw new Error(`initdb failed:\n${init.output}`);
      fs.rmSync(pwfile);
      pg.port = await freePort();
      pg.startServer();
      const created = pg.sql("CREATE DATABASE cutter_state", "postgres");
      if (created.code !== 0) throw new Error(`CREATE DATABASE failed:\n${created.output}`);
      return pg;
    } catch (error) {
      pg.stop();
      throw error;
    }
  }

  /** Starts the server (again) on the same port and data directory. */
  public startServer(): void {
    const options = `-c listen_addresses=127.0.0.1 -p ${this.port} -k ${this.dataDir} -c fsync=off`;
    const started = this.asServerUser(binary("pg_ctl"), [
      "-D",
      this.dataDir,
      "-l",
      path.join(this.dir, "server.log"),
      "-o",
      options,
      "-w",
      "-t",
      "60",
      "start",
    ]);
    if (started.code !== 0) {
      const log = fs.existsSync(path.join(this.dir, "server.log")) ? fs.readFileSync(path.join(this.dir, "server.log"), "utf8") : "";
      throw new Error(`pg_ctl start failed:\n${started.output}\n${log}`);
    }
  }

  /** Stops the server at once, as a crash would (mode immediate); startServer() brings it back. */
  public stopServer(): void {
    const stopped = this.asServerUser(binary("pg_ctl"), ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
    if (stopped.code !== 0) throw new Error(`pg_ctl stop failed:\n${stopped.output}`);
  }

  /** A connection string for another role (or database) on this server. */
  public connStrFor(user: string, password: string, database = this.database): string {
    return `postgres://${user}:${password}@127.0.0.1:${this.port}/${database}?sslmode=disable`;
  }

  /** Runs SQL with psql; returns the unaligned, tuples-only output. */
  public sql(query: string, database = this.database): RunResult {
    const url = `postgres://cutter@127.0.0.1:${this.port}/${database}?sslmode=disable`;
    return run(binary("psql"), [url, "-v", "ON_ERROR_STOP=1", "-AtX", "-c", query], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PGPASSWORD: this.password, LC_ALL: "C" },
    });
  }

  /** Like sql(), but throws on failure and returns trimmed stdout. */
  public query(query: string): string {
    const result = this.sql(query);
    if (result.code !== 0) throw new Error(`psql failed for ${query}:\n${result.output}`);
    return result.stdout.trim();
  }

  public stop(): void {
    if (fs.existsSync(path.join(this.dataDir, "postmaster.pid"))) {
      this.asServerUser(binary("pg_ctl"), ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
