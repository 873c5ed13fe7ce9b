export * from "./rule";
export * from "./secret-key-value-rule";
export * from "./private-key-rule";
export * from "./connection-string-rule";
export * from "./high-entropy-rule";
export * from "./execution-switch-rule";
export * from "./mode-ceiling-rule";
export * from "./written-files-guard";
