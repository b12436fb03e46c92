/**
 * Whether a parsed JSON value nests arrays and objects deeper than `max`
 * (a top-level object is depth 1). Iterative on purpose: the values it
 * guards are the ones too deep for the recursive walks that would follow
 * (JSON.stringify overflows the stack at a few thousand levels).
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<{ value: object; depth: number }> = [];
  if (value !== null && typeof value === "object") stack.push({ value, depth: 1 });
  while (stack.length > 0) {
    const { value: node, depth } = stack.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === "object") stack.push({ value: child as object, depth: depth + 1 });
    }
  }
  return false;
}
