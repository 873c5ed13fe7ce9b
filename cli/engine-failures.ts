/**
 * Why an engine run that used the state backend failed, from the engine's own words: a
 * dead or unreachable PostgreSQL server, a missing privilege and a lock held by another
 * run are told apart (the engine prints "state lock" for all three).
 */

/** Where the pg backend's needs are listed for operators. */
export const PRIVILEGES_DOC = "docs/state-backends.md (PostgreSQL privileges)";

const UNREACHABLE =
  /dial tcp|connection refused|no such host|i\/o timeout|connection reset by peer|server closed the connection|driver: bad connection|the database system is (shutting down|starting up|in recovery mode)|terminating connection due to administrator command|broken pipe|unexpected EOF|SSL is not enabled on the server|connection timed out/i;
const PRIVILEGE =
  /permission denied for (sequence|schema|table|database|relation)|must be owner of (table|relation|schema|sequence)|password authentication failed|role "[^"]*" does not exist|database "[^"]*" does not exist/i;
/** The pg backend's words for a lock another session holds (a local lock's are read in cli/engine.ts failureHint). */
const LOCK_HELD = /already locked/i;

/**
 * A one-line hint for a failed engine run that used the state backend, or "" when the
 * output says nothing precise. A dead server is not a lock, and a lock is not a privilege.
 */
export function stateFailureHint(output: string): string {
  const flat = output.replace(/\s+/g, " ");
  if (UNREACHABLE.test(flat)) {
    return " The PostgreSQL server holding the state could not be reached or went away (see the engine's message): check that it runs and that the connection string's host and port are right. This is not a lock held by another run.";
  }
  if (PRIVILEGE.test(flat)) {
    return ` The database refused these credentials or a privilege the pg backend needs (see the engine's message); what the role needs is listed in ${PRIVILEGES_DOC}.`;
  }
  if (/Error acquiring the state lock/.test(flat) && LOCK_HELD.test(flat)) {
    return " The state is locked by another plan or deploy of this stack: wait for it to finish (or pass --lock-timeout 5m to wait). A pg lock is released when its session ends.";
  }
  return "";
}
