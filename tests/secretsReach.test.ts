// Where the values of secret config keys end up, in every stack variant that uses one: only in
// Kubernetes Secrets (mounted into pods as files, or referenced by name), at inputs the engine
// keeps secret, and in stack outputs only as secrets. Each secret gets a distinct marker value;
// the test looks for it, and for its base64 form, in every input of every resource.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SECRET_KEY_NAMES, SecretKey } from "../config/schema";
import { Evaluation, evaluateStack } from "../scripts/evaluate";
import { ConfigEdit, edits } from "./support/stackEdits";

/** A value per secret key that appears nowhere else (htpasswd in the bcrypt form the check wants). */
const MARKERS: Record<SecretKey, string> = {
  grafanaApiToken: "glsa_markerGrafanaToken0123456789",
  elasticsearchPassword: "markerElasticPassword-0123456789",
  elasticsearchApiKey: "bWFya2VyQXBpS2V5SWQ6bWFya2VyQXBpS2V5",
  uiHtpasswd: "admin:$2y$05$markerHtpasswdSalt0123uMarkerHtpasswdHash0123456789./",
};

const EXTERNAL_SEARCH: ConfigEdit[] = [
  ["storage.backend", "elasticsearch"],
  ["storage.retention", "72h"],
  ["storage.elasticsearch.mode", "external"],
  ["storage.elasticsearch.serverUrls[0]", "https://es.example.com:9200"],
];

interface Variant {
  readonly name: string;
  readonly stack: "dev" | "prod";
  readonly edits: readonly ConfigEdit[];
  readonly secrets: readonly SecretKey[];
}

/** Every way a secret key is used: the UI's basic auth, search credentials of both kinds, Grafana's API. */
const VARIANTS: readonly Variant[] = [
  {
    name: "dev with basic auth on the UI",
    stack: "dev",
    edits: [
      ["security.tls.enabled", "true"],
      ["security.tls.source", "secret"],
      ["security.tls.secretName", "jaeger-tls"],
      ["security.uiBasicAuth", "true"],
    ],
    secrets: ["uiHtpasswd"],
  },
  {
    name: "dev on external Elasticsearch with a password, dashboards imported through Grafana's API",
    stack: "dev",
    edits: [
      ...EXTERNAL_SEARCH,
      ["storage.elasticsearch.auth", "basic"],
      ["storage.elasticsearch.username", "jaeger"],
      ["grafana.import", "api"],
      ["grafana.url", "https://grafana.internal.test"],
    ],
    secrets: ["elasticsearchPassword", "grafanaApiToken"],
  },
  {
    name: "prod on external OpenSearch with a password, with snapshots to S3",
    stack: "prod",
    edits: [
      ...EXTERNAL_SEARCH,
      ["storage.elasticsearch.flavor", "opensearch"],
      ["storage.elasticsearch.majorVersion", "2"],
      ["storage.elasticsearch.auth", "basic"],
      ["storage.elasticsearch.username", "jaeger"],
    ],
    secrets: ["elasticsearchPassword"],
  },
  {
    name: "prod on external Elasticsearch with an API key, with snapshots to S3",
    stack: "prod",
    edits: [...EXTERNAL_SEARCH, ["storage.elasticsearch.majorVersion", "8"], ["storage.elasticsearch.auth", "apiKey"]],
    secrets: ["elasticsearchApiKey"],
  },
];

/** Every place (resource and input path) a string holding one of the markers sits. */
function placesOf(value: unknown, markers: readonly string[], at: string, found: string[]): void {
  if (typeof value === "string") {
    if (markers.some((m) => value.includes(m))) found.push(at);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => placesOf(item, markers, `${at}[${i}]`, found));
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) placesOf(child, markers, at ? `${at}.${key}` : key, found);
  }
}

const isUnder = (path: string, parent: string) =>
  path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);

describe("secret config values reach only Secrets and secret outputs", function () {
  this.timeout(120_000);

  it("covers every secret key", () => {
    const used = new Set(VARIANTS.flatMap((v) => v.secrets));
    assert.deepEqual(
      [...SECRET_KEY_NAMES].filter((k) => !used.has(k)),
      [],
    );
  });

  for (const variant of VARIANTS) {
    describe(variant.name, () => {
      let ev: Evaluation;
      let markers: string[];
      before(async () => {
        const secretEdits: ConfigEdit[] = variant.secrets.map((key) => [key, MARKERS[key], false]);
        const config = edits(variant.stack, [...variant.edits, ...secretEdits]);
        ev = await evaluateStack(
          variant.stack,
          config,
          variant.secrets.map((key) => `${PROJECT}:${key}`),
        );
        markers = variant.secrets.flatMap((key) => [MARKERS[key], Buffer.from(MARKERS[key]).toString("base64")]);
      });

      it("each secret is used (the stack holds it somewhere)", () => {
        for (const key of variant.secrets) {
          const found: string[] = [];
          for (const r of ev.resources) placesOf(r.inputs, [MARKERS[key]], "", found);
          assert.ok(found.length > 0, `${key} reaches some resource`);
        }
      });

      it("is held only by Kubernetes Secrets (or the Grafana provider), at inputs the engine keeps secret", () => {
        const leaks: string[] = [];
        for (const r of ev.resources) {
          const found: string[] = [];
          placesOf(r.inputs, markers, "", found);
          const kind = String(r.inputs.kind ?? "");
          const holder =
            (r.type === "kubernetes:core/v1:Secret" && kind === "Secret") || r.type === "pulumi:providers:grafana";
          for (const place of found) {
            const secret = r.secretPaths.some((p) => isUnder(place, p));
            if (!holder || !secret) leaks.push(`${r.type} ${r.name}: ${place}${secret ? "" : " (not secret)"}`);
          }
        }
        assert.deepEqual(leaks, []);
      });

      it("reaches stack outputs only as secrets", async () => {
        const plain: string[] = [];
        for (const [name, exported] of Object.entries(ev.exports)) {
          const found: string[] = [];
          placesOf(ev.outputs[name], markers, name, found);
          if (found.length === 0) continue;
          const secret = pulumi.Output.isInstance(exported) && (await pulumi.isSecret(exported));
          if (!secret) plain.push(...found);
        }
        assert.deepEqual(plain, []);
      });
    });
  }
});
