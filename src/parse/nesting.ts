/**
 * A parsed document is refused when it nests deeper than any cloud's data does, or contains itself
 * (a YAML alias inside the node it names: `&a [*a]`). Either would later break whatever walks or
 * writes it: JSON.stringify throws on a cycle and overflows the stack past ~50,000 levels, which
 * JSON.parse accepts. PyYAML itself gives out near 300 levels, so no cloud-config nests so deep.
 */
export const MAX_NESTING = 64;

/** Why `value` cannot be kept: too deep, or cyclic; null when it is a plain tree (or a DAG) of fit depth. */
export function nestingProblem(value: unknown, max: number = MAX_NESTING): string | null {
  if (typeof value !== "object" || value === null) return null;
  // Iterative, post-order: a node's height is known once its children's are. Heights are kept per
  // node, so a subtree shared through aliases is walked once, not once per alias.
  const height = new Map<object, number>();
  const onPath = new Set<object>();
  const stack: [object, boolean][] = [[value, false]];
  const childrenOf = (node: object) => (Array.isArray(node) ? node : Object.values(node)).filter((c): c is object => typeof c === "object" && c !== null);
  while (stack.length) {
    const [node, leaving] = stack.pop()!;
    if (leaving) {
      onPath.delete(node);
      const h = 1 + Math.max(0, ...childrenOf(node).map((c) => height.get(c) ?? 0));
      if (h > max) return `nested deeper than ${max} levels`;
      height.set(node, h);
      continue;
    }
    if (height.has(node)) continue;
    onPath.add(node);
    stack.push([node, true]);
    for (const child of childrenOf(node)) {
      if (onPath.has(child)) return "an alias refers to a node that contains it (the document contains itself)";
      if (!height.has(child)) stack.push([child, false]);
    }
  }
  return null;
}
