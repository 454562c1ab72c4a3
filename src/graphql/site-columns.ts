import { Kind, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The Site fields that are not an exposed column, and the columns their resolvers read besides the id (which every
 * row carries). A field that is neither exposed nor listed here, a relation for one, is not known to read only
 * columns: a selection with it takes the model query, which plans relations.
 */
const READS: Readonly<Record<string, readonly string[]>> = {
  __typename: [],
  // The global ID, from the row id.
  id: [],
  url: ['url'],
  hasAuthSecret: ['authSecret'],
  pushToken: ['pushToken', 'type'],
  httpHeaders: ['httpHeaders'],
  // The engine's live state, by id.
  status: [],
  displayStatus: [],
  latencyMs: [],
  statusCode: [],
  lastCheckAt: [],
  lastSuccessAt: [],
  lastError: [],
  certExpiresAt: [],
  failureCount: [],
  statusChangedAt: [],
  inMaintenance: [],
  recentChecks: [],
  // History, read by id through the loaders or their own query.
  // And from the site's creation at the latest.
  uptime: ['createdAt'],
  dailyUptime: ['createdAt'],
  latency: [],
  checks: [],
  stateChanges: [],
};

/** The columns a Site field reads; null when it may read more than columns. */
function columnsOf(site: GraphQLObjectType, name: string): readonly string[] | null {
  const exposed = site.getFields()[name]?.extensions?.pothosExposedField;
  if (typeof exposed === 'string') return [exposed];
  return Object.hasOwn(READS, name) ? READS[name]! : null;
}

/**
 * The Site columns the nodes of a Site connection field (`info`) need, the id first; null when one of the fields
 * selected on them is not known to read only columns. Fragments are followed; `@skip` and `@include` are not
 * evaluated, so a field under either counts as selected (reading a column more is harmless).
 */
export function siteColumnsOf(info: GraphQLResolveInfo): string[] | null {
  const site = info.schema.getType('Site') as GraphQLObjectType;
  const columns = new Set<string>(['id']);
  let known = true;
  /** Calls `visit` with the name and selection set of every field in `set`, through fragments. */
  const eachField = (set: SelectionSetNode | undefined, visit: (name: string, set: SelectionSetNode | undefined) => void) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) visit(selection.name.value, selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(selection.selectionSet, visit);
      else eachField(info.fragments[selection.name.value]?.selectionSet, visit);
    }
  };
  const onNode = (name: string) => {
    const read = columnsOf(site, name);
    if (read) for (const column of read) columns.add(column);
    else known = false;
  };
  for (const node of info.fieldNodes) {
    eachField(node.selectionSet, (name, set) => {
      if (name === 'nodes') eachField(set, onNode);
      else if (name === 'edges') eachField(set, (edgeField, nodeSet) => edgeField === 'node' && eachField(nodeSet, onNode));
    });
  }
  return known ? [...columns] : null;
}
