import fs from 'node:fs';
import { buildSchema, getNamedType, isLeafType, isObjectType, type GraphQLField, type GraphQLObjectType } from 'graphql';

/** The committed schema (CI's `schema:check` keeps it equal to the code's), so a field added to the API is selected too. */
const schema = buildSchema(fs.readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

const callable = (field: GraphQLField<unknown, unknown>) => field.args.every((arg) => !(arg.type.toString().endsWith('!') && arg.defaultValue === undefined));

/**
 * Every field of `type` that needs no argument, objects followed `depth` levels down (below that, only their `id`, or
 * their leaves when they have none): what the API answers about an object, for comparing two databases through it.
 */
export function selectAll(type: GraphQLObjectType, depth: number): string {
  const fields = Object.values(type.getFields()).filter(callable);
  const parts = fields.flatMap((field) => {
    const named = getNamedType(field.type);
    if (isLeafType(named)) return [field.name];
    if (!isObjectType(named)) return [];
    if (depth > 0) return [`${field.name} { ${selectAll(named, depth - 1)} }`];
    const leaves = Object.values(named.getFields()).filter((f) => callable(f) && isLeafType(getNamedType(f.type)));
    const ids = leaves.filter((f) => f.name === 'id');
    return [`${field.name} { ${(ids.length ? ids : leaves).map((f) => f.name).join(' ')} }`];
  });
  return parts.join(' ');
}

/** The schema's object type `name`. */
export function objectType(name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!isObjectType(type)) throw new Error(`${name} is not an object type of the schema`);
  return type;
}
