// The Helm charts this program installs, and where each comes from unless the stack says otherwise
// (monitoring.bundled.chartRepository, storage.elasticsearch.inCluster.operatorChartRepository,
// backup.velero.chartRepository): the upstream repositories. Mirrored and air-gapped clusters point
// these at their own HTTPS repository, an oci:// registry, or a chart archive on disk.

export const HELM_CHARTS = {
  kubePrometheusStack: {
    chart: "kube-prometheus-stack",
    repository: "https://prometheus-community.github.io/helm-charts",
  },
  eckOperator: { chart: "eck-operator", repository: "https://helm.elastic.co" },
  velero: { chart: "velero", repository: "https://vmware-tanzu.github.io/helm-charts" },
} as const;

export type HelmChartName = keyof typeof HELM_CHARTS;

/** How a chart source is given: a repository (HTTPS or OCI) or a packaged chart on disk. */
export type ChartSource =
  | { readonly kind: "repository"; readonly url: string }
  | { readonly kind: "oci"; readonly url: string }
  | { readonly kind: "archive"; readonly path: string };

export const CHART_SOURCE_EXPECTED =
  "a Helm chart source: an https:// repository URL, an oci:// repository (oci://registry/path, the chart's name is appended), or the path of a packaged chart (.tgz)";

/** Reads a chart source, or undefined when the text is none of the three forms. */
export function parseChartSource(text: string): ChartSource | undefined {
  const value = text.trim();
  if (value !== text || value === "") return undefined;
  if (/\.tgz$/.test(value) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return { kind: "archive", path: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash || url.hostname === "") return undefined;
  if (url.protocol === "https:") return { kind: "repository", url: value.replace(/\/+$/, "") };
  if (url.protocol === "oci:" && url.pathname.replace(/\/+$/, "") !== "")
    return { kind: "oci", url: value.replace(/\/+$/, "") };
  return undefined;
}

/** The file name `helm package` gives a chart at a version: an archive must be the pinned version. */
export const chartArchiveName = (chart: string, version: string) => `${chart}-${version}.tgz`;
