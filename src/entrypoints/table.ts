/** Aligned columns for the CLI's human output. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[], write: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  write(line(header.map((h) => h.toUpperCase())));
  for (const row of rows) write(line(row));
}
