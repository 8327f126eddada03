// Where a helm.v3.Release takes its chart from: the chart source of the stack config
// (config/charts.ts) turned into the Release's chart, version and repository options.
import * as path from "node:path";
import { ChartSource, HELM_CHARTS, HelmChartName, parseChartSource } from "../config/charts";

export interface ReleaseChart {
  readonly chart: string;
  /** Absent for an archive: Helm reads the version from the archive itself. */
  readonly version?: string;
  readonly repositoryOpts?: { readonly repo: string };
}

/**
 * The Release's chart for `name` at `version` from `source` (default: the upstream repository):
 * a repository gives the chart by name, an oci:// repository the chart's reference under it, an
 * archive its path (Helm reads the pinned version inside; the config check holds it to
 * <chart>-<version>.tgz).
 */
export function releaseChart(name: HelmChartName, version: string, source?: string | ChartSource): ReleaseChart {
  const { chart, repository } = HELM_CHARTS[name];
  const parsed =
    typeof source === "string" ? parseChartSource(source) : (source ?? { kind: "repository", url: repository });
  if (!parsed) throw new Error(`${JSON.stringify(source)} is not a Helm chart source`);
  switch (parsed.kind) {
    case "repository":
      return { chart, version, repositoryOpts: { repo: parsed.url } };
    case "oci":
      return { chart: `${parsed.url}/${chart}`, version };
    case "archive":
      return { chart: path.normalize(parsed.path) };
  }
}
