/**
 * The `SET` list of a partial update: `a = $2, b = $3` for the patch fields that have a column
 * (undefined fields are left alone). `$1` is the row's id; the repository writes the statement.
 */
export function setClause(
  patch: Record<string, unknown>,
  columns: Record<string, string>,
): { sql: string; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [k, v] of Object.entries(patch)) {
    const col = columns[k];
    if (!col || v === undefined) continue;
    params.push(v);
    sets.push(`${col} = $${params.length + 1}`);
  }
  return { sql: sets.join(', '), params };
}
