import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * How many items a list is assumed to hold when its arguments do not say: the cap of every page and capped list
 * (builder.ts, lists.ts), and what an uncapped one such as `Site.alertChannels` is counted as.
 */
const ASSUMED_LIST_SIZE = 100;

/** How many items one selection of a field can return: the page or `days` it asked for, else its kind's size. */
function itemsOf(args: Record<string, unknown>, many: boolean, inConnection: boolean): number {
  for (const name of ['first', 'last', 'days']) {
    const n = args[name];
    if (typeof n === 'number' && n >= 0) return n;
  }
  // A connection's `edges` hold the page its field already counted.
  if (inConnection) return 1;
  return many ? ASSUMED_LIST_SIZE : 1;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** The walk stops once past this: fragments spread twice in each other would otherwise take exponential time. */
  max: number;
}

function sizeOf(walk: Walk, selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
      total += 1;
      if (!field || !selection.selectionSet) continue;
      const child = getNamedType(field.type);
      if (!isCompositeType(child)) continue;
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(field, selection, walk.variables);
      } catch {
        // Arguments the execution will refuse: count the most they could have asked for.
        args = {};
      }
      const paged = field.args.some((a) => a.name === 'first');
      const items = itemsOf(args, paged || isListType(getNullableType(field.type)), parent.name.endsWith('Connection'));
      if (items > 0) total += items * sizeOf(walk, selection.selectionSet, child);
    } else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? walk.fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const type = fragment.typeCondition ? walk.schema.getType(fragment.typeCondition.name.value) : parent;
      if (type && isCompositeType(type)) total += sizeOf(walk, fragment.selectionSet, type);
    }
    if (total > walk.max) return total;
  }
  return total;
}

/**
 * The most objects an operation can return, from its document alone: every list multiplies what it selects by the
 * page it asked for (`first`/`last`, or `days`), or by ASSUMED_LIST_SIZE. This bounds what graphql-armor's cost does
 * not see, lists of lists: `Site.alertChannels` and `AlertChannel.sites` nested a few times over, within the depth
 * limit, asked a handful of sites for millions of objects. Past `max` the walk stops, with some size over it.
 */
export function resultSize(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  max = Number.POSITIVE_INFINITY,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION && (operationName == null || definition.name?.value === operationName)) operation = definition;
  }
  const root = operation && schema.getRootType(operation.operation);
  return operation && root ? sizeOf({ schema, fragments, variables, max }, operation.selectionSet, root) : 0;
}
