#!/usr/bin/env node
// Validates every resource of the packaged CloudFormation template against the AWS resource
// specification (the database of `@aws-cdk/aws-service-spec`, built from CloudFormation's own
// registry schemas): each Type exists, each property name is known, required properties are
// present, and values have the right basic type. A typo in a property fails CI here instead of
// the user's first deploy. Intrinsic functions (Ref, Fn::*) are accepted wherever a value goes.
//
//   node .ci/validate-template.mjs [TEMPLATE]   validate (default: the sls package output)
//   node .ci/validate-template.mjs --self-check  prove that a broken copy of the template fails
//
// Exit code 1 with one line per problem, 0 with a one-line summary.
import { readFileSync } from 'node:fs';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';

const DEFAULT_TEMPLATE = '.serverless/cloudformation-template-update-stack.json';
/** Resource types that are not in the registry: the custom resource osls adds for existing S3 buckets. */
const CUSTOM_TYPE = /^Custom::/;

const db = loadAwsServiceSpecSync();

/** Problems of one template, as lines. */
export function validateTemplate(template) {
  const problems = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const type = resource.Type;
    if (typeof type !== 'string') {
      problems.push(`${logicalId}: no Type`);
      continue;
    }
    if (CUSTOM_TYPE.test(type)) continue;
    const [spec] = db.lookup('resource', 'cloudFormationType', 'equals', type);
    if (!spec) {
      problems.push(`${logicalId}: unknown resource type ${type}`);
      continue;
    }
    checkProperties(`${logicalId} (${type})`, resource.Properties ?? {}, spec.properties, problems);
  }
  return problems;
}

function checkProperties(where, values, properties, problems) {
  if (isIntrinsic(values)) return;
  if (!isObject(values)) {
    problems.push(`${where}: expected an object, got ${JSON.stringify(values)}`);
    return;
  }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in values)) problems.push(`${where}: required property ${name} is missing`);
  }
  for (const [name, value] of Object.entries(values)) {
    const property = properties[name];
    if (!property) {
      problems.push(`${where}: unknown property ${name}${suggestion(name, Object.keys(properties))}`);
      continue;
    }
    checkValue(`${where}.${name}`, value, property.type, problems);
  }
}

function checkValue(where, value, type, problems) {
  if (isIntrinsic(value)) return;
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (typeof value !== 'string') problems.push(`${where}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case 'integer':
    case 'number':
      // CloudFormation takes numbers written as strings too.
      if (
        typeof value !== 'number' &&
        !(typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
      )
        problems.push(`${where}: expected a number, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false')
        problems.push(`${where}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'array':
      if (!Array.isArray(value)) problems.push(`${where}: expected a list, got ${JSON.stringify(value)}`);
      else
        for (const [index, element] of value.entries())
          checkValue(`${where}[${index}]`, element, type.element, problems);
      return;
    case 'map':
      if (!isObject(value)) problems.push(`${where}: expected a map, got ${JSON.stringify(value)}`);
      else
        for (const [key, element] of Object.entries(value))
          checkValue(`${where}.${key}`, element, type.element, problems);
      return;
    case 'ref': {
      const definition = db.get('typeDefinition', type.reference.$ref);
      checkProperties(where, value, definition.properties, problems);
      return;
    }
    case 'tag':
      checkProperties(
        where,
        value,
        { Key: { required: true, type: { type: 'string' } }, Value: { required: true, type: { type: 'string' } } },
        problems,
      );
      return;
    case 'union': {
      // Valid when any member accepts it.
      const accepted = type.types.some((member) => {
        const attempt = [];
        checkValue(where, value, member, attempt);
        return attempt.length === 0;
      });
      if (!accepted) problems.push(`${where}: matches none of the allowed shapes: ${JSON.stringify(value)}`);
      return;
    }
    default:
      // json, null: anything goes.
      return;
  }
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntrinsic(value) {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

function suggestion(name, known) {
  const lower = name.toLowerCase();
  const close = known.find(
    (candidate) => candidate.toLowerCase() === lower || distance(candidate.toLowerCase(), lower) <= 2,
  );
  return close ? ` (did you mean ${close}?)` : '';
}

function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const kept = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = kept;
    }
  }
  return row[b.length];
}

/** Breaks a copy of the template the ways a hand edit of serverless.yml would, and expects each to be caught. */
function selfCheck(template) {
  const failures = [];
  const expectCaught = (what, mutate, pattern) => {
    const copy = structuredClone(template);
    mutate(copy.Resources);
    const problems = validateTemplate(copy);
    if (!problems.some((line) => pattern.test(line)))
      failures.push(`not caught: ${what} (${problems.join('; ') || 'no problems'})`);
  };
  const firstOfType = (resources, type) => Object.values(resources).find((r) => r.Type === type);
  expectCaught(
    'a misspelt property name',
    (r) => {
      const table = firstOfType(r, 'AWS::DynamoDB::Table');
      table.Properties.BillingMod = table.Properties.BillingMode;
      delete table.Properties.BillingMode;
    },
    /unknown property BillingMod \(did you mean BillingMode\?\)/,
  );
  expectCaught(
    'a missing required property',
    (r) => {
      delete firstOfType(r, 'AWS::DynamoDB::Table').Properties.KeySchema;
    },
    /required property KeySchema is missing/,
  );
  expectCaught(
    'a nested property typo',
    (r) => {
      const environment = firstOfType(r, 'AWS::Lambda::Function').Properties.Environment;
      environment.Variabls = environment.Variables;
      delete environment.Variables;
    },
    /Environment: unknown property Variabls \(did you mean Variables\?\)/,
  );
  expectCaught(
    'a wrong basic type',
    (r) => {
      firstOfType(r, 'AWS::Lambda::Function').Properties.MemorySize = [1024];
    },
    /MemorySize: expected a number/,
  );
  expectCaught(
    'an unknown resource type',
    (r) => {
      firstOfType(r, 'AWS::SQS::Queue').Type = 'AWS::SQS::Queu';
    },
    /unknown resource type AWS::SQS::Queu/,
  );
  return failures;
}

const args = process.argv.slice(2);
const check = args[0] === '--self-check';
const templatePath = (check ? args[1] : args[0]) ?? DEFAULT_TEMPLATE;
let template;
try {
  template = JSON.parse(readFileSync(templatePath, 'utf8'));
} catch (error) {
  console.error(`validate-template: cannot read ${templatePath} (run \`npx sls package\` first): ${error.message}`);
  process.exit(1);
}
const problems = check ? selfCheck(template) : validateTemplate(template);
if (problems.length > 0) {
  for (const line of problems) console.error(`validate-template: ${line}`);
  process.exit(1);
}
const count = Object.keys(template.Resources ?? {}).length;
console.log(
  check
    ? 'validate-template: self-check passed: every deliberately broken copy was caught'
    : `validate-template: ${count} resources valid against the CloudFormation resource specification`,
);
