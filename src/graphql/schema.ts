import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './modules/errors.ts';
import './modules/by-id.ts';
import './modules/sites.ts';
import './modules/history.ts';
import './modules/site-events.ts';
import './modules/alert-channels.ts';
import './modules/maintenance.ts';
import './modules/users.ts';
import './modules/engine.ts';
import './modules/heartbeat.ts';
import './modules/streams.ts';
import './modules/config-as-code.ts';
import './modules/probes.ts';

let schema: GraphQLSchema | undefined;

/** The whole schema, built once per process from the domain modules imported above. */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}

/** The SDL committed as `schema.graphql`: sorted, so the file's diff shows only real changes. */
export function schemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}
