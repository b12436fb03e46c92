import RE2 from "re2";

/**
 * Rule patterns run on every routed query, so they run on RE2 (the `re2`
 * package): an automaton engine whose time is linear in the text, however
 * the pattern nests its quantifiers (`^(\w|\d)+$`, `(a+)+`, `(.*a){10}`
 * cannot backtrack, because nothing backtracks). What RE2 cannot do in
 * linear time it refuses at compile time: lookahead, lookbehind and
 * backreferences.
 *
 * Linear is not yet cheap: a large program (big counted repetitions such as
 * `[\s\S]{1000}x`, or many Unicode classes) can defeat RE2's DFA, and its
 * fallback costs time per character per instruction. Patterns are therefore
 * capped by program size, measured by compiling them once more with a small
 * memory budget (RE2 derives its instruction limit from that budget). At
 * the cap a match over the 2,048 characters a rule sees takes at most a few
 * milliseconds on a slow core (test/reliability/README.md, "Edge faults").
 */
const MAX_PROGRAM_MEMORY = 128 * 1024;

export class UnsafePatternError extends Error {
  override name = "UnsafePatternError";
}

export interface SafeRegex {
  test(text: string): boolean;
}

/** Compiles a JavaScript-syntax pattern for RE2, or throws UnsafePatternError saying why it cannot run in linear, bounded time. */
export function compileSafeRegex(pattern: string, flags: string): SafeRegex {
  let regex: RE2;
  try {
    regex = new RE2(pattern, flags);
  } catch (err) {
    const message = (err as Error).message;
    // RE2 names the construct it cannot run (e.g. "invalid perl operator: (?<="); say what that means for a rule.
    const unsupported = /invalid perl operator|invalid escape sequence: \\[1-9]|backreference/i.test(message);
    throw new UnsafePatternError(
      unsupported
        ? `uses a construct the linear-time engine (RE2) does not run: lookahead, lookbehind or a backreference (${message})`
        : `not a valid regular expression: ${message}`,
    );
  }
  try {
    new RE2.Set([pattern], flags, { maxMem: MAX_PROGRAM_MEMORY });
  } catch {
    throw new UnsafePatternError("the pattern is too large to match in bounded time (large counted repetitions like {500}, or many Unicode classes); simplify it");
  }
  return { test: (text) => regex.test(text) };
}
