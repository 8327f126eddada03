// Parsers for the two unit systems our config speaks: Go durations (what Jaeger's
// config accepts for ttl.spans, reload_interval, flush intervals) and Kubernetes
// resource quantities (CPU, memory, volume sizes).

const GO_DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/**
 * Seconds in a Go duration string ("168h", "1h30m", "90s"), or undefined when the
 * text is not one Go's time.ParseDuration accepts without a sign. Days are not a Go unit.
 */
export function parseGoDurationSeconds(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(GO_DURATION_PART)) {
    seconds += Number(amount) * GO_DURATION_UNITS[unit];
  }
  return seconds;
}

const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const BYTES_QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const CPU_QUANTITY = /^(\d+(?:\.\d+)?)(m)?$/;

/** Bytes in a Kubernetes memory/storage quantity ("512Mi", "20Gi", "1G"), or undefined. */
export function parseBytesQuantity(text: string): number | undefined {
  const match = BYTES_QUANTITY.exec(text);
  if (!match) return undefined;
  const suffix = match[2] ?? "";
  const factor = BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix];
  return Number(match[1]) * factor;
}

/** Millicores in a Kubernetes CPU quantity ("300m", "0.5", "2"), or undefined. */
export function parseCpuMillis(text: string): number | undefined {
  const match = CPU_QUANTITY.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  return match[2] === "m" ? value : value * 1000;
}
