import { File, SensitiveFile } from "../local-provider";
import { IAspect } from "../cdk";
import { IConstruct } from "constructs";
import { CONTENT_RULES } from "./content-rules";
import { MODE_CEILING_RULE } from "./mode-ceiling-rule";
import { GuardRule, WrittenFile } from "./rule";

/** The content rules (content-rules.ts, shared with verify) and the mode ceiling. */
export const WRITTEN_FILE_RULES: readonly GuardRule[] = [...CONTENT_RULES, MODE_CEILING_RULE];

/** What a `local_file` / `local_sensitive_file` resource will write. */
export function writtenFileOf(node: File | SensitiveFile): WrittenFile {
  const sensitive = node instanceof File ? node.sensitiveContentInput : undefined;
  const base64 = node.contentBase64Input;
  const content = [node.contentInput, sensitive, base64 === undefined ? undefined : Buffer.from(base64, "base64").toString("utf8")]
    .filter((c): c is string => typeof c === "string")
    .join("\n");
  return {
    source: node.node.path,
    path: String(node.filenameInput),
    content,
    fileMode: node.filePermissionInput,
    directoryMode: node.directoryPermissionInput,
  };
}

/** Every finding of every rule for one file, as error lines. */
export function checkWrittenFile(file: WrittenFile, rules: readonly GuardRule[] = WRITTEN_FILE_RULES): string[] {
  return rules.flatMap((rule) =>
    rule
      .check(file)
      .map((finding) => `${rule.id} ${file.path}: ${finding}. Rule: ${rule.what} (${rule.why}). Nothing was written; fix the value that reached this file.`),
  );
}

/**
 * The guard over the whole construct tree (an Aspect, cdk-nag style): every file
 * any construct writes is checked against every rule, and synth fails (as a
 * validation) on any finding, before anything is planned or written.
 */
export class WrittenFilesGuard implements IAspect {
  private readonly guarded = new WeakSet<IConstruct>();

  constructor(private readonly rules: readonly GuardRule[] = WRITTEN_FILE_RULES) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof File || node instanceof SensitiveFile) || this.guarded.has(node)) return;
    this.guarded.add(node);
    const target = node;
    node.node.addValidation({ validate: () => checkWrittenFile(writtenFileOf(target), this.rules) });
  }
}
