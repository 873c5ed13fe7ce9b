/**
 * `<engine> init`, skipped when nothing it acts on changed since it last succeeded in a
 * stack directory (local state only).
 *
 * init reads the configuration's `terraform` block (backend, required providers), the
 * lock file, the CLI configuration (the provider mirror) and what it left in `.terraform`
 * (the backend it configured, the providers it installed), and writes the last two. After
 * a successful init the CLI writes `.terraform/cutter-init.json` (0600) with the identity
 * (device, inode, mode, owner, size, mtime, ctime) of each of those inputs, the engine's
 * fingerprint (app/engine-identity.ts) and the engine's TF_* environment; the
 * configuration (cdk.tf.json) by the sha256 of its bytes, so a synth that rewrote it with
 * the same bytes (another shell's environment, a rebuilt app) does not cost an init. The
 * next command runs init again when any of it differs: a changed configuration (a changed
 * backend is then refused by init as before, "Backend configuration changed"), a changed
 * or removed lock file, another engine or mirror, anything in `.terraform` touched.
 * `--migrate-state` always runs init.
 *
 * What init would have checked is still checked by the engine on every plan and apply:
 * the backend configured in `.terraform` must match the configuration ("Backend
 * initialization required"), and each provider must match the lock file's checksums.
 *
 * A pg backend always runs init: its connection comes from the environment at run time,
 * which a record here would have to keep (it holds a password).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { engineFingerprint, fileIdentity } from "../app/engine-identity";
import { invokingUid } from "../app/private-paths";

const RECORD = "cutter-init.json";
const FORMAT = "cutter-runtime-init/2";
/** Most entries walked below .terraform/providers (a few per provider). */
const MAX_ENTRIES = 200;

function identity(file: string, follow = false): string {
  try {
    return fileIdentity(follow ? fs.statSync(file) : fs.lstatSync(file));
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? "?"}`;
  }
}

/** Every entry below `dir` (links followed, as the engine follows them), with identities; undefined if too many. */
function tree(dir: string, into: string[] = [], depth = 0): string[] | undefined {
  if (depth > 8) return undefined;
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (error) {
    into.push(`${dir}:error:${(error as NodeJS.ErrnoException).code ?? "?"}`);
    return into;
  }
  for (const name of names) {
    if (into.length > MAX_ENTRIES) return undefined;
    const p = path.join(dir, name);
    const own = identity(p);
    let link = "";
    try {
      if (fs.lstatSync(p).isSymbolicLink()) link = `->${fs.readlinkSync(p)}=${identity(p, true)}`;
    } catch {
      link = "->error";
    }
    into.push(`${p}=${own}${link}`);
    let isDirectory = false;
    try {
      isDirectory = fs.statSync(p).isDirectory();
    } catch {
      // A dangling link: its identity says so.
    }
    if (isDirectory && tree(p, into, depth + 1) === undefined) return undefined;
  }
  return into;
}

/** The sha256 of the configuration's bytes (a regular file, not a link), or why there is none. */
function configurationDigest(file: string): string {
  try {
    if (!fs.lstatSync(file).isFile()) return "error:not a regular file";
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? "?"}`;
  }
}

/** What init acted on in `dir`, now; undefined when init must run (pg backend, unreadable, another engine kind of file). */
function fingerprint(enginePath: string, dir: string, env: NodeJS.ProcessEnv): string | undefined {
  const dotTerraform = path.join(dir, ".terraform");
  let backend: unknown;
  try {
    backend = JSON.parse(fs.readFileSync(path.join(dotTerraform, "terraform.tfstate"), "utf8"))?.backend?.type;
  } catch {
    return undefined;
  }
  if (backend !== "local") return undefined;
  const engine = engineFingerprint(enginePath);
  const providers = tree(path.join(dotTerraform, "providers"));
  if (engine === undefined || providers === undefined) return undefined;
  const config = env.TF_CLI_CONFIG_FILE;
  const material = {
    format: FORMAT,
    engine: [enginePath, engine],
    environment: Object.entries(env)
      .filter(([name, value]) => name.startsWith("TF_") && value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    cliConfig: config ? [config, identity(config, true)] : [],
    configuration: configurationDigest(path.join(dir, "cdk.tf.json")),
    files: [".terraform.lock.hcl", ".terraform/terraform.tfstate", ".terraform/environment", ".terraform/modules"].map((f) => [f, identity(path.join(dir, f))]),
    providers,
    directory: fs.realpathSync.native(dir),
  };
  return JSON.stringify(material);
}

/** Whether init already did, in `dir`, what it would do now (see the module comment). */
export function initIsCurrent(enginePath: string, dir: string, env: NodeJS.ProcessEnv): boolean {
  const file = path.join(dir, ".terraform", RECORD);
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || (st.uid !== invokingUid() && st.uid !== 0) || (st.mode & 0o022) !== 0) return false;
    const record = JSON.parse(fs.readFileSync(file, "utf8"));
    if (record?.format !== FORMAT) return false;
    const now = fingerprint(enginePath, dir, env);
    return now !== undefined && record.fingerprint === now;
  } catch {
    return false;
  }
}

/** Before init runs: no record claims a state of `.terraform` that init is about to change. */
export function forgetInit(dir: string): void {
  fs.rmSync(path.join(dir, ".terraform", RECORD), { force: true });
}

/** After init succeeded in `dir`: what it acted on. (Best effort: without a record, the next command runs init.) */
export function rememberInit(enginePath: string, dir: string, env: NodeJS.ProcessEnv): void {
  const now = fingerprint(enginePath, dir, env);
  if (now === undefined) return;
  const file = path.join(dir, ".terraform", RECORD);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, fingerprint: now }) + "\n", { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
