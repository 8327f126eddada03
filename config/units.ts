// Parsers for the unit systems our config speaks: Go durations (what Jaeger's config
// accepts for ttl.spans, reload_interval, flush intervals), Prometheus durations (alert
// `for`, scrape intervals) and Kubernetes resource quantities (CPU, memory, volume sizes).

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

const PROMETHEUS_DURATION_UNITS: Readonly<Record<string, number>> = {
  y: 365 * 86400,
  w: 7 * 86400,
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 1e-3,
};
/**
 * Whole numbers of each unit, largest first, each at most once: the grammar of Prometheus'
 * model.ParseDuration and of the prometheus-operator CRDs' duration pattern ("1.5h" and "1us"
 * are not durations there, though Go accepts them).
 */
const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Seconds in a Prometheus duration ("10m", "1h30m", "2d"), or undefined; "0" is zero. */
export function parsePrometheusDurationSeconds(text: string): number | undefined {
  if (text === "0") return 0;
  const match = PROMETHEUS_DURATION.exec(text);
  if (!match || text === "") return undefined;
  const units = Object.values(PROMETHEUS_DURATION_UNITS);
  return match.slice(1).reduce((sum, amount, i) => sum + (amount === undefined ? 0 : Number(amount) * units[i]), 0);
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

// A Kubernetes quantity (k8s.io/apimachinery pkg/api/resource/quantity.go): a number with one
// suffix: binary (Ki…Ei), decimal (k…E; m for CPU) or a decimal exponent (2e9, 1E3); no sign here.
const QUANTITY_NUMBER = String.raw`(\d+(?:\.\d*)?|\.\d+)`;
const EXPONENT = String.raw`[eE]([+-]?\d+)`;
const BYTES_QUANTITY = new RegExp(`^${QUANTITY_NUMBER}(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)|${EXPONENT})?$`);
const CPU_QUANTITY = new RegExp(`^${QUANTITY_NUMBER}(?:(m)|${EXPONENT})?$`);

/** Bytes in a Kubernetes memory/storage quantity ("512Mi", "20Gi", "1G"), or undefined. */
export function parseBytesQuantity(text: string): number | undefined {
  const match = BYTES_QUANTITY.exec(text);
  if (!match) return undefined;
  if (match[3] !== undefined) return Number(`${match[1]}e${match[3]}`);
  const suffix = match[2] ?? "";
  const factor = BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix];
  return Number(match[1]) * factor;
}

/** Millicores in a Kubernetes CPU quantity ("300m", "0.5", "2"), or undefined. */
export function parseCpuMillis(text: string): number | undefined {
  const match = CPU_QUANTITY.exec(text);
  if (!match) return undefined;
  if (match[2] === "m") return Number(match[1]);
  if (match[3] !== undefined) return Number(`${match[1]}e${match[3]}`) * 1000;
  // Cores to millicores by moving the decimal point, not by multiplying a float:
  // 32.297 x 1000 would be 32296.999999999996.
  const [whole, fraction = ""] = match[1].split(".");
  const millis = Number(whole) * 1000 + Number(fraction.slice(0, 3).padEnd(3, "0"));
  return fraction.length > 3 ? millis + Number(`0.${fraction.slice(3)}`) : millis;
}

/**
 * For values the config schema has already accepted (the plan and the components): the number,
 * or a TypeError naming the text, which would be a bug in the program rather than a user's input.
 * Never a silent 0 that would turn into a backup kept for 0 hours or a volume of 0 bytes.
 */
export function goDurationSeconds(text: string): number {
  return checked(parseGoDurationSeconds(text), text, "a Go duration");
}

/** Bytes in a quantity the config schema has already accepted; a TypeError otherwise. */
export function quantityBytes(text: string): number {
  return checked(parseBytesQuantity(text), text, "a byte quantity");
}

function checked(value: number | undefined, text: string, what: string): number {
  if (value === undefined) throw new TypeError(`${JSON.stringify(text)} is not ${what}`);
  return value;
}
