// A stack's config as `pulumi config set` would leave it: the stack file read as Pulumi reads it,
// then each edit applied in order, with --path unless an edit says otherwise.
import { RawConfig, configSet, stackConfig } from "../../scripts/evaluate";

/** One `pulumi config set [--path] <key> <value>`; the third item false drops --path. */
export type ConfigEdit = readonly [key: string, value: string, path?: boolean];

export function edits(stack: string, values: readonly ConfigEdit[]): RawConfig {
  return values.reduce((raw, [key, value, path = true]) => configSet(raw, key, value, { path }), stackConfig(stack));
}
