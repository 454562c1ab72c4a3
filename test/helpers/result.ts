import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';

export type Document<TData, TVars> = string | DocumentNode | TypedDocumentNode<TData, TVars>;

export interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string } & Record<string, unknown>;
}

type Typenamed = { __typename?: string };
// The members of a union whose `__typename` can be N (a loosely typed `__typename: string` can be any).
type Member<T, N> = NonNullable<T> extends infer U ? (U extends { __typename?: infer X } ? (N extends X ? U : never) : never) : never;

/**
 * A GraphQL answer over HTTP. `ok()` and `payload()` narrow it for the test, and when the answer is not what the test
 * expected they fail with the operation, its variables and the whole response, so a failure says what happened.
 */
export class Result<TData> {
  readonly status: number;
  readonly data?: TData | null;
  readonly errors?: GraphQLError[];
  // Private, so `toEqual` on a result compares only what the server sent.
  readonly #operation: string;
  readonly #variables: unknown;

  constructor(document: Document<TData, never>, variables: unknown, status: number, body: { data?: TData | null; errors?: GraphQLError[] }) {
    this.status = status;
    if ('data' in body) this.data = body.data;
    if (body.errors) this.errors = body.errors;
    this.#operation = typeof document === 'string' ? document : print(document);
    this.#variables = variables;
  }

  /** The data of an answer without errors. */
  ok(): TData {
    if (this.errors?.length || this.data == null) this.fail('data without errors');
    return this.data as TData;
  }

  /** The result union of `field`, narrowed to `typename` (a payload, or the typed error a test expects). */
  payload<K extends keyof TData, N extends NonNullable<TData[K]> extends Typenamed ? NonNullable<NonNullable<TData[K]>['__typename']> : never>(
    field: K,
    typename: N,
  ): Member<TData[K], N> {
    const value = this.ok()[field] as Typenamed | null;
    if (value?.__typename !== typename) this.fail(`${String(field)} to be a ${typename}`);
    return value as Member<TData[K], N>;
  }

  /** The `extensions.code` of the first error (UNAUTHENTICATED, FORBIDDEN, ...). */
  get code(): string | undefined {
    return this.errors?.[0]?.extensions?.code;
  }

  private fail(expected: string): never {
    const response = JSON.stringify({ status: this.status, data: this.data, errors: this.errors }, null, 2);
    throw new Error(
      `expected ${expected}\n--- operation\n${this.#operation.trim()}\n--- variables\n${JSON.stringify(this.#variables)}\n--- response\n${response}`,
    );
  }
}
