import {
  ColumnNode,
  ColumnUpdateNode,
  InsertQueryNode,
  PrimitiveValueListNode,
  TableNode,
  UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";

/**
 * The columns that record when a row was written. The database has no defaults for them
 * (migration 2026_12_01_0009): their value always comes from the app clock, so a test clock,
 * the simulator's `:time` and production agree, and nothing reads the database server's
 * clock.
 */
const INSERT_STAMPS: Readonly<Record<string, readonly string[]>> = {
  users: ["created_at", "updated_at"],
  conversation_state: ["updated_at"],
  audit_log: ["created_at"],
  processed_update: ["processed_at"],
  job: ["run_at", "created_at"],
  households: ["status_changed_at", "created_at", "updated_at"],
  household_members: ["created_at"],
  household_photos: ["created_at"],
  household_consents: ["created_at"],
  household_status_history: ["changed_at"],
  household_kk_history: ["replaced_at"],
  staff_notice: ["created_at"],
  volunteer_applications: ["created_at"],
  invites: ["created_at"],
  invite_uses: ["used_at"],
  status_subscriptions: ["created_at"],
  visits: ["created_at"],
  visit_media: ["created_at"],
  alerts: ["created_at"],
  alert_groups: ["linked_at"],
};

/** Tables whose `updated_at` follows every update. */
const UPDATE_STAMPS: ReadonlySet<string> = new Set(["users", "conversation_state", "households"]);

function tableName(node: OperationNode | undefined): string | undefined {
  if (node && TableNode.is(node)) return node.table.identifier.name;
  return undefined;
}

function withStamps(node: InsertQueryNode, now: Date): InsertQueryNode {
  const table = tableName(node.into);
  const stamps = table ? INSERT_STAMPS[table] : undefined;
  if (!stamps || !node.columns || !node.values || !ValuesNode.is(node.values)) return node;
  const present = new Set(node.columns.map((c) => c.column.name));
  const missing = stamps.filter((c) => !present.has(c));
  if (missing.length === 0) return node;
  const values = ValuesNode.create(
    node.values.values.map((row) =>
      PrimitiveValueListNode.is(row)
        ? PrimitiveValueListNode.create([...row.values, ...missing.map(() => now)])
        : ValueListNode.create([...row.values, ...missing.map(() => ValueNode.create(now))]),
    ),
  );
  return { ...node, columns: [...node.columns, ...missing.map((c) => ColumnNode.create(c))], values };
}

function withUpdatedAt(node: UpdateQueryNode, now: Date): UpdateQueryNode {
  const table = tableName(node.table);
  if (!table || !UPDATE_STAMPS.has(table) || !node.updates) return node;
  const set = node.updates.some((u) => ColumnNode.is(u.column) && u.column.column.name === "updated_at");
  if (set) return node;
  return { ...node, updates: [...node.updates, ColumnUpdateNode.create(ColumnNode.create("updated_at"), ValueNode.create(now))] };
}

/**
 * A Kysely plugin that writes the app clock into the "written at" columns of inserts (when
 * the query does not set them) and into `updated_at` of updates. Inserts from a SELECT or raw
 * SQL are left alone: they must set the columns themselves (the database has no defaults,
 * so a missing one fails loudly instead of taking the server's time).
 */
export class AppClockPlugin implements KyselyPlugin {
  constructor(private readonly now: () => Date) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const { node } = args;
    if (InsertQueryNode.is(node)) return withStamps(node, this.now());
    if (UpdateQueryNode.is(node)) return withUpdatedAt(node, this.now());
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
