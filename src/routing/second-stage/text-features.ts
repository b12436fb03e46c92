/**
 * Structure of the query text, for the second stage: what the neighbors'
 * vote cannot see (how long, code or maths, how many asks and constraints,
 * how much output is wanted, which script). Computed on the text the router
 * embeds (normalised: whitespace runs are one space, so no line structure),
 * so training and serving see the same input. Every value is bounded or
 * log-scaled: a 2,000-character paste must not dominate a linear model.
 */

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
const squash = (n: number, cap: number) => Math.min(n, cap) / cap;

const codeSyntax =
  /```|=>|::|\+\+|!=|==|&&|\|\||[{};]\s|\b(def|function|class|import|return|const|let|var|void|public|elif|lambda|SELECT|FROM|WHERE|printf|console\.log)\b|\w+\([^()]*\)|<\/?[a-z]+[^>]*>/g;
const codeTopic =
  /\b(python|javascript|typescript|java|c\+\+|c#|golang|rust|ruby|php|sql|bash|shell|regex|regular expression|html|css|json|api|code|function|script|program|algorithm|pandas|numpy|django|react|dataframe|list|array|string|dictionary|loop)\b/gi;
const mathSignal =
  /\\(frac|int|sum|sqrt|lim)|\d\s*[-+*/^×÷]\s*\d|\b[a-z]\s*[=^]\s*[-\d(a-z]|\b(integral|derivative|differential|equation|theorem|prove|proof|show that|probability|matrix|eigen\w*|polynomial|calculate|compute|solve)\b|[∫∑√π≤≥≠∞]/gi;
const listItem = /(^|\s)(\d{1,2}[.)]|[-*•])\s+\S/g;
const constraint =
  /\b(must|should|without|at least|at most|no more than|exactly|only|do not|don't|make sure|ensure|include|format|bullet|table|json|step[- ]by[- ]step|in \d+ (words|sentences|lines|characters)|limit)\b/gi;
const longOutput =
  /\b(essay|article|detailed|in detail|comprehensive|thorough|story|report|guide|plan|outline|chapter|script|lesson plan|blog post|\d{3,} words|pages?|paragraphs)\b/gi;
const shortOutput = /\b(briefly|brief|short|one word|one sentence|in a sentence|tl;?dr|yes or no|quick)\b/gi;
const hardAsk =
  /\b(prove|show that|derive|design|architect\w*|analy[sz]e|evaluate|optimi[sz]e|debug|critique|compare|justify|trade-?offs?|implement|why does|why is|explain why|pros and cons|implications)\b/gi;
const expertTopic =
  /\b(exploit\w*|vulnerab\w*|ctf|shellcode|buffer overflow|reverse engineer\w*|kernel|compiler|theorem|conjecture|lemma|np-hard|np-complete|asymptotic|stochastic|arbitrage|quantum|cryptograph\w*|rigorous\w*|formal proof|simulation|differential equations?|bayesian|econometric\w*|thermodynamic\w*|pharmacokinetic\w*|concurren\w*|distributed system\w*)\b/gi;
const citations = /\b(references?|citations?|cite|sources?|urls?|links?|papers?|bibliograph\w*|studies|peer[- ]reviewed)\b/gi;
const exactingForm =
  /\b(in the style of|style of|tablature|tabs?|chords?|chord progression|melody|sheet music|notation|crochet|knitting|pattern|rhyme scheme|meter|iambic|sonnet|villanelle|acrostic|palindrome|anagram|exactly \d+)\b/gi;
const puzzle =
  /\b(puzzle|riddle|all possible|every possible|combinations?|permutations?|how many ways|each (person|piece|of them)|different (color|number|colour)|logic|deduce|clues?)\b/gi;
const lookupOpener = /^(who|when|where|what|which|how many|how much|how old|what's|whats|name the)\b/i;
const taskOpener = /^(please\s+)?(write|create|generate|give|list|make|tell|describe|translate|summari[sz]e|rewrite|draft|compose|suggest|act as|i want you to)\b/i;
const placeholder = /\[[^\]]{1,40}\]|\{[A-Za-z_ ]{1,30}\}|<[A-Za-z _]{1,30}>/;
const letters = /\p{L}/gu;
const latinLetters = /\p{Script=Latin}/gu;

/** Names of the text features, in a fixed order (the model file names the ones it uses). */
export const textFeatureNames = [
  "text.words",
  "text.chars",
  "text.sentences",
  "text.questions",
  "text.listItems",
  "text.constraints",
  "text.code",
  "text.codeTopic",
  "text.math",
  "text.longOutput",
  "text.shortOutput",
  "text.hardAsk",
  "text.expertTopic",
  "text.citations",
  "text.exactingForm",
  "text.puzzle",
  "text.lookup",
  "text.task",
  "text.placeholder",
  "text.digits",
  "text.nonLatin",
] as const;

export type TextFeatureName = (typeof textFeatureNames)[number];

export function textFeatures(text: string): Record<TextFeatureName, number> {
  const words = text.split(" ").filter((w) => w !== "").length;
  const letterCount = count(text, letters);
  return {
    "text.words": Math.log1p(words),
    "text.chars": Math.log1p(text.length),
    "text.sentences": Math.log1p(count(text, /[.!?](\s|$)/g)),
    "text.questions": Math.log1p(count(text, /\?/g)),
    "text.listItems": Math.log1p(count(text, listItem)),
    "text.constraints": Math.log1p(count(text, constraint)),
    "text.code": squash(count(text, codeSyntax), 6),
    "text.codeTopic": squash(count(text, codeTopic), 3),
    "text.math": squash(count(text, mathSignal), 4),
    "text.longOutput": squash(count(text, longOutput), 3),
    "text.shortOutput": squash(count(text, shortOutput), 2),
    "text.hardAsk": squash(count(text, hardAsk), 3),
    "text.expertTopic": squash(count(text, expertTopic), 2),
    "text.citations": squash(count(text, citations), 2),
    "text.exactingForm": squash(count(text, exactingForm), 2),
    "text.puzzle": squash(count(text, puzzle), 2),
    "text.lookup": lookupOpener.test(text) ? 1 : 0,
    "text.task": taskOpener.test(text) ? 1 : 0,
    "text.placeholder": placeholder.test(text) ? 1 : 0,
    "text.digits": text.length === 0 ? 0 : count(text, /\d/g) / text.length,
    "text.nonLatin": letterCount === 0 ? 0 : 1 - count(text, latinLetters) / letterCount,
  };
}
