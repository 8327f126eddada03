// The one rewrite the real-engine suite makes to a rendered config before running it locally.
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { PodAddresses, localizeArgs, localizeConfig } from "./support/localPod";

const addresses: PodAddresses = {
  mounts: new Map([
    ["/etc/jaeger", "/tmp/pod/config"],
    ["/etc/jaeger/sampling", "/tmp/pod/sampling"],
  ]),
  ports: new Map([
    [4317, 40001],
    [8888, 40002],
  ]),
  services: new Map([["prometheus-operated.monitoring.svc:9090", "127.0.0.1:40003"]]),
};

describe("localizeConfig (running a pod's config on loopback)", () => {
  it("moves listen addresses to their loopback ports, in both the endpoint and the host/port form", () => {
    const out = parse(
      localizeConfig(
        "receivers: { otlp: { grpc: { endpoint: 0.0.0.0:4317 } } }\ntelemetry: { prometheus: { host: 0.0.0.0, port: 8888 } }\n",
        addresses,
      ),
    );
    assert.equal(out.receivers.otlp.grpc.endpoint, "127.0.0.1:40001");
    assert.deepEqual(out.telemetry.prometheus, { host: "127.0.0.1", port: 40002 });
  });

  it("moves paths inside mounts to the local directories, the deepest mount first", () => {
    const out = parse(
      localizeConfig("a: /etc/jaeger/config.yaml\nb: /etc/jaeger/sampling/strategies.json\n", addresses),
    );
    assert.deepEqual(out, {
      a: "/tmp/pod/config/config.yaml",
      b: "/tmp/pod/sampling/strategies.json",
    });
  });

  it("refuses a path in the config that no volume mounts (in the pod it is on the read-only root, or missing)", () => {
    assert.throws(
      () => localizeConfig("badger: { directories: { keys: /badger/keys } }\n", addresses),
      /the path \/badger\/keys is in no mounted volume/,
    );
  });

  it("points in-cluster Service URLs at the port of what stands in for them, keeping the Service's name for the certificate check, and leaves other URLs alone", () => {
    const out = parse(
      localizeConfig("p: http://prometheus-operated.monitoring.svc:9090\ne: https://es.example.com:9200\n", addresses),
    );
    assert.deepEqual(out, { p: "http://prometheus-operated.monitoring.svc:40003", e: "https://es.example.com:9200" });
  });

  it("refuses to run with anything left pointing into the pod or the cluster, naming each", () => {
    assert.throws(
      () => localizeConfig("a: 0.0.0.0:9411\nb: http://jaeger-es-es-http.observability.svc:9200\n", addresses),
      (error: Error) =>
        /no local port for container port 9411/.test(error.message) &&
        /jaeger-es-es-http\.observability\.svc:9200/.test(error.message),
    );
  });
});

describe("localizeArgs (a container's command line on loopback)", () => {
  it("rewrites whole arguments and the values of --flag=value, and leaves everything else as it is", () => {
    assert.deepEqual(
      localizeArgs(
        [
          "--http-address=0.0.0.0:4317",
          "--client-secret-file=/etc/jaeger/sampling/secret",
          "--upstream=https://prometheus-operated.monitoring.svc:9090/api",
          "http://prometheus-operated.monitoring.svc:9090",
          "--provider=oidc",
          "--redirect-url=https://jaeger.example.com/oauth2/callback",
          "--config",
          "/etc/jaeger/config.yaml",
        ],
        addresses,
      ),
      [
        "--http-address=127.0.0.1:40001",
        "--client-secret-file=/tmp/pod/sampling/secret",
        "--upstream=https://prometheus-operated.monitoring.svc:40003/api",
        "http://prometheus-operated.monitoring.svc:40003",
        "--provider=oidc",
        "--redirect-url=https://jaeger.example.com/oauth2/callback",
        "--config",
        "/tmp/pod/config/config.yaml",
      ],
    );
  });

  it("refuses an argument left pointing into the pod or the cluster, naming each", () => {
    assert.throws(
      () =>
        localizeArgs(
          ["--http-address=0.0.0.0:4180", "--upstream=http://jaeger-query.observability.svc:16686"],
          addresses,
        ),
      (error: Error) =>
        /no local port for container port 4180/.test(error.message) &&
        /jaeger-query\.observability\.svc:16686/.test(error.message),
    );
  });
});
