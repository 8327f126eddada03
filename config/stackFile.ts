// Checks on a stack file (Pulumi.<stack>.yaml) itself, for what the engine's config map can no
// longer show once the CLI has read the file.
import { parse } from "yaml";

/**
 * Keys of the stack file's `config:` map that name the same config key: the CLI reads a key without
 * a namespace as the project's (`sampling` is `<project>:sampling`), so one of the two replaces the
 * other and the stack gets whichever the CLI read last.
 */
export function stackFileProblems(text: string, project: string, file: string): string[] {
  const doc = parse(text, { merge: true }) as { config?: Record<string, unknown> } | null;
  const byKey = new Map<string, string[]>();
  for (const key of Object.keys(doc?.config ?? {})) {
    const full = key.includes(":") ? key : `${project}:${key}`;
    byKey.set(full, [...(byKey.get(full) ?? []), key]);
  }
  return [...byKey]
    .filter(([, keys]) => keys.length > 1)
    .map(
      ([full, keys]) =>
        `${full} is set ${keys.length} times in ${file}, as ${keys.map((k) => `\`${k}\``).join(" and ")} (values not shown): a key without a namespace is ${full} too, so one block silently replaces the other; keep one, under \`${full}\``,
    );
}
