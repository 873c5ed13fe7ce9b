/** How messages name a stack: the host and its file, or the stack from environment variables. */
import { StackSpec } from "../constructs/host-files";

export function describeStack(spec: StackSpec): string {
  return spec.hostName ? `host ${spec.hostName} (${spec.source}, stack ${spec.stackName})` : `stack ${spec.stackName} (from environment variables)`;
}
