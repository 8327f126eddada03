// Which statements of a resource or key policy match a request, for the condition operators our
// policies use, following IAM's rules: `*` and `?` wildcards in actions, resources and *Like
// values; a condition block matches when every operator and key in it matches; a negated
// operator (StringNotEquals, ArnNotLike) matches when the request lacks the key. IAM reference:
// docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
import Ajv from "ajv";
import type { PolicyDocument, PolicyStatement } from "../../components/backup/policies";

export interface PolicyRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context: aws:PrincipalArn, kms:ViaService, s3 headers, … (absent keys are absent). */
  readonly context: Readonly<Record<string, string>>;
}

/** A policy field that may be one value or a list, as a list. */
export const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    ignoreCase ? "i" : "",
  );
  return regex.test(value);
}

function operatorMatches(
  operator: string,
  key: string,
  expected: string[],
  context: PolicyRequest["context"],
): boolean {
  const actual = context[key];
  switch (operator) {
    case "StringEquals":
      return actual !== undefined && expected.includes(actual);
    case "StringNotEquals":
      return actual === undefined || !expected.includes(actual);
    case "StringLike":
    case "ArnLike":
      return actual !== undefined && expected.some((p) => wildcard(p, actual));
    case "ArnNotLike":
    case "StringNotLike":
      return actual === undefined || !expected.some((p) => wildcard(p, actual));
    case "Bool":
      return actual !== undefined && expected.includes(actual);
    case "Null":
      return expected.includes(actual === undefined ? "true" : "false");
    default:
      throw new Error(`condition operator ${operator} is not evaluated here`);
  }
}

/** Whether a statement applies to the request (its action, resource and every condition match). */
export function statementMatches(statement: PolicyStatement, request: PolicyRequest): boolean {
  if (!list(statement.Action).some((a) => wildcard(a, request.action, true))) return false;
  if (statement.Resource !== undefined && !list(statement.Resource).some((r) => wildcard(r, request.resource)))
    return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, value]) => operatorMatches(operator, key, list(value), request.context)),
  );
}

/** The Sids of the Deny statements (Principal "*") that refuse the request. */
export function denyingStatements(policy: PolicyDocument, request: PolicyRequest): string[] {
  return policy.Statement.filter((s) => s.Effect === "Deny" && s.Principal === "*" && statementMatches(s, request)).map(
    (s) => s.Sid ?? "(no Sid)",
  );
}

const stringOrList = (pattern: string) => ({
  anyOf: [
    { type: "string", pattern },
    { type: "array", minItems: 1, items: { type: "string", pattern } },
  ],
});

/**
 * IAM's policy grammar (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html),
 * as far as our documents use it: the 2012-10-17 version (needed for policy variables and the
 * condition operators we use), Allow or Deny, alphanumeric Sids, service:action names, ARNs or "*".
 */
const POLICY_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["Version", "Statement"],
  properties: {
    Version: { const: "2012-10-17" },
    Statement: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["Effect", "Action"],
        properties: {
          Sid: { type: "string", pattern: "^[A-Za-z0-9]+$" },
          Effect: { enum: ["Allow", "Deny"] },
          Principal: {
            anyOf: [
              { const: "*" },
              {
                type: "object",
                minProperties: 1,
                additionalProperties: false,
                properties: {
                  AWS: stringOrList("^arn:aws[a-z-]*:iam::\\d{12}:"),
                  Federated: stringOrList("^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/."),
                },
              },
            ],
          },
          Action: stringOrList("^[a-z0-9-]+:[A-Za-z0-9*]+$"),
          Resource: stringOrList("^(\\*|arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\\d{12})?:.+)$"),
          Condition: {
            type: "object",
            minProperties: 1,
            additionalProperties: {
              type: "object",
              minProperties: 1,
              additionalProperties: stringOrList("^.+$"),
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile(POLICY_SCHEMA);

/** What is wrong with a policy document under IAM's grammar, and any repeated Sid. */
export function policyGrammarErrors(doc: unknown): string[] {
  const errors = validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
  const sids = ((doc as PolicyDocument).Statement ?? []).map((s) => s.Sid).filter((s): s is string => !!s);
  const repeated = sids.filter((s, i) => sids.indexOf(s) !== i);
  return [...errors, ...repeated.map((s) => `Sid ${s} repeated`)];
}

/** Whether an identity policy allows the request: an Allow statement matches and no Deny does. */
export function identityAllows(policy: PolicyDocument, request: PolicyRequest): boolean {
  const matching = policy.Statement.filter((s) => statementMatches(s, request));
  return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}
