// Where a Prisma client's session model lives in the database, so the raw SQL of src/sql reaches
// the table the model's own queries do: the table of its `@@map` (and `@@schema`) from the
// generated client's data model, the schema of its PrismaPg adapter (`new PrismaPg(pool, {
// schema })` qualifies the model's queries, not raw SQL), and a check of the columns of its `@map`s.
import { ConfigError } from "../errors.js";
import { parseTableName, type TableName } from "../sql/table-name.js";

/** The column each field of the reference model maps to: the names src/sql writes. */
const COLUMNS: Readonly<Record<string, string>> = {
  id: "id",
  data: "data",
  userId: "user_id",
  version: "version",
  expiresAt: "expires_at",
  absoluteExpiresAt: "absolute_expires_at",
  browserSession: "browser_session",
  createdAt: "created_at",
  updatedAt: "updated_at",
  userAgent: "user_agent",
  clientAddress: "client_address",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * The model whose client delegate is `delegate` (`session` → `Session`, `webSession` →
 * `WebSession`), from the data model generated clients carry (`_runtimeDataModel`, not public
 * API: when a client lacks it, `null`).
 */
function runtimeModel(client: object, delegate: string): { name: string; model: Record<string, unknown> } | null {
  const dataModel: unknown = Reflect.get(client, "_runtimeDataModel");
  const models: unknown = isRecord(dataModel) ? dataModel.models : undefined;
  if (!isRecord(models)) return null;
  const name = Object.keys(models).find((model) => model.charAt(0).toLowerCase() + model.slice(1) === delegate);
  const model = name === undefined ? undefined : models[name];
  return name !== undefined && isRecord(model) ? { name, model } : null;
}

/** Fields of the reference model missing from `model` or mapped to another column: `field → column` texts. */
function columnMismatches(model: Record<string, unknown>): string[] {
  const fields = Array.isArray(model.fields) ? model.fields.filter(isRecord) : [];
  const mapped = new Map(fields.map((field) => [field.name, field.dbName ?? field.name]));
  return Object.entries(COLUMNS)
    .filter(([field, column]) => mapped.get(field) !== column)
    .map(([field, column]) =>
      mapped.has(field)
        ? `${field} is mapped to "${String(mapped.get(field))}", not "${column}"`
        : `${field} is missing`,
    );
}

/**
 * The `schema` option of a `PrismaPg` adapter factory, which its model queries are qualified with
 * (raw SQL is not: it runs in the connection's `search_path`); `null` when there is none.
 */
export function adapterSchema(factory: unknown): string | null {
  const options: unknown = isRecord(factory) ? factory.options : undefined;
  const schema: unknown = isRecord(options) ? options.schema : undefined;
  return typeof schema === "string" && schema !== "" ? schema : null;
}

/** The driver adapter factory a generated client was built with (`_engineConfig.adapter`, not public API). */
function clientAdapter(client: object): unknown {
  const config: unknown = Reflect.get(client, "_engineConfig");
  return isRecord(config) ? config.adapter : undefined;
}

/**
 * The sessions table of a client used through raw SQL: `given` (`table` or `schema.table`), an
 * unqualified name taking the schema of the client's PrismaPg adapter. @default "sessions"
 */
export function clientTable(client: object, given: string | undefined): TableName {
  return parseTableName(given ?? "sessions", adapterSchema(clientAdapter(client)));
}

/**
 * The table of the client's model `delegate`: `given` when the caller named it, else the
 * model's `@@map` (and `@@schema`) from the generated client, else `sessions`; unqualified, in
 * the schema of the client's PrismaPg adapter. A model whose fields are not the reference model's
 * columns is a {@link ConfigError} naming them.
 */
export function sessionModelTable(client: object, delegate: string, given: string | undefined): TableName {
  const found = runtimeModel(client, delegate);
  if (found !== null) {
    const mismatches = columnMismatches(found.model);
    if (mismatches.length > 0) {
      throw new ConfigError(
        `The Prisma model behind "${delegate}" is not prisma-sessions' Session model: ${mismatches.join("; ")}. ` +
          "Copy the model from prisma-sessions/prisma/schema.reference.prisma",
      );
    }
  }
  if (given !== undefined || found === null) return clientTable(client, given);
  const { name, model } = found;
  const table = typeof model.dbName === "string" ? model.dbName : name;
  const schema = typeof model.schema === "string" ? model.schema : adapterSchema(clientAdapter(client));
  return parseTableName(table, schema);
}
