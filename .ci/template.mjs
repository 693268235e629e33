// Shared by the template checks of .ci/: the packaged template as CloudFormation would deploy it.

/** The partition the checks deploy to: the commercial one (a condition may compare AWS::Partition). */
export const PARTITION = 'aws';

/**
 * The string (or list) a condition's operand comes to: a literal, AWS::Partition, or Fn::Select
 * of an Fn::Split of those; anything else is returned as it is (and fails the comparison's check).
 */
export function literal(value, partition = PARTITION) {
  if (typeof value === 'string') return value;
  if (value?.Ref === 'AWS::Partition') return partition;
  if (value?.['Fn::Split']) {
    const [separator, text] = value['Fn::Split'];
    const resolved = literal(text, partition);
    return typeof resolved === 'string' ? resolved.split(separator) : value;
  }
  if (value?.['Fn::Select']) {
    const [index, items] = value['Fn::Select'];
    const resolved = literal(items, partition);
    return Array.isArray(resolved) ? resolved[Number(index)] : value;
  }
  return value;
}

/**
 * The template as CloudFormation deploys it: conditions evaluated (the literal Fn::Equals/Not/And/Or
 * that parameters resolved by osls leave), resources whose condition is false removed, each
 * Fn::If replaced by its branch, AWS::NoValue dropped.
 */
export function resolveConditions(raw, { partition = PARTITION } = {}) {
  const conditions = raw.Conditions ?? {};
  const evaluate = (expression) => {
    if (typeof expression === 'boolean') return expression;
    if (expression?.Condition) return evaluate(conditions[expression.Condition]);
    if (expression?.['Fn::Equals']) {
      const [a, b] = expression['Fn::Equals'].map((side) => literal(side, partition));
      if (typeof a !== 'string' || typeof b !== 'string')
        throw new Error(`cannot evaluate ${JSON.stringify(expression)}`);
      return a === b;
    }
    if (expression?.['Fn::Not']) return !evaluate(expression['Fn::Not'][0]);
    if (expression?.['Fn::And']) return expression['Fn::And'].every(evaluate);
    if (expression?.['Fn::Or']) return expression['Fn::Or'].some(evaluate);
    throw new Error(`cannot evaluate condition ${JSON.stringify(expression)}`);
  };
  const truth = Object.fromEntries(Object.keys(conditions).map((name) => [name, evaluate(conditions[name])]));
  const NO_VALUE = Symbol('AWS::NoValue');
  const walk = (value) => {
    if (Array.isArray(value)) return value.map(walk).filter((item) => item !== NO_VALUE);
    if (!value || typeof value !== 'object') return value;
    if (value.Ref === 'AWS::NoValue') return NO_VALUE;
    if ('Fn::If' in value) {
      const [name, whenTrue, whenFalse] = value['Fn::If'];
      if (!(name in truth)) throw new Error(`Fn::If names an unknown condition ${name}`);
      return walk(truth[name] ? whenTrue : whenFalse);
    }
    const out = {};
    for (const [key, inner] of Object.entries(value)) {
      const resolved = walk(inner);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  };
  const resolved = walk({ ...raw, Conditions: undefined });
  for (const [id, resource] of Object.entries(resolved.Resources ?? {})) {
    if (resource.Condition !== undefined && !truth[resource.Condition]) delete resolved.Resources[id];
  }
  return resolved;
}
