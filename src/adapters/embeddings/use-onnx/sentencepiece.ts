/** [piece, log-probability] pairs, as in the model package's vocab.json. */
export type Vocabulary = [string, number][];

const SEPARATOR = "\u2581";
// <unk>, <s>, </s> and three extra ids are never produced by matching.
const RESERVED_PIECES = 6;
const UNKNOWN_ID = 0;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Set when a vocabulary piece ends here. */
  piece?: { id: number; score: number; length: number };
}

/**
 * The unigram SentencePiece tokenizer exactly as @energetic-ai/embeddings
 * runs it for USE lite, quirks included (ties go to the later candidate, a
 * zero best score counts as "unset", runs of unknown symbols collapse into one
 * id 0), so the ONNX path feeds the model the same ids as the TF.js path; a
 * unit test checks this against the package. Unlike the original it does not
 * copy the rest of the input at every position, so long texts stay linear.
 */
export class SentencePieceTokenizer {
  private readonly root: TrieNode = { children: new Map() };
  /** Backtracking steps back by the piece's UTF-16 length, as the original does. */
  private readonly pieceLengths: number[];

  constructor(vocabulary: Vocabulary) {
    this.pieceLengths = vocabulary.map(([piece]) => piece.length);
    for (let id = RESERVED_PIECES; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id]!;
      const symbols = Array.from(piece);
      if (symbols.length === 0) continue;
      let node = this.root;
      for (const s of symbols) {
        let child = node.children.get(s);
        if (!child) node.children.set(s, (child = { children: new Map() }));
        node = child;
      }
      node.piece = { id, score, length: symbols.length };
    }
  }

  encode(text: string): number[] {
    const normalized = text.normalize("NFKC");
    if (normalized.length === 0) return [];
    // Code points, as the original's for...of; not UTF-16 units.
    const symbols = Array.from(SEPARATOR + normalized.replace(/ /g, SEPARATOR));
    const n = symbols.length;

    // endings[e] lists the pieces ending at e in order of ascending start, the
    // order the original's object-keyed lattice iterates them in.
    const endings: { start: number; id: number; score: number }[][] = Array.from({ length: n + 1 }, () => []);
    for (let start = 0; start < n; start++) {
      let node = this.root.children.get(symbols[start]!);
      let matched = false;
      for (let j = start; j < n && node; j++) {
        if (node.piece) {
          endings[start + node.piece.length]!.push({ start, id: node.piece.id, score: node.piece.score });
          matched = true;
        }
        node = node.children.get(symbols[j + 1]!);
      }
      if (!matched) endings[start + 1]!.push({ start, id: UNKNOWN_ID, score: 0 });
    }

    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let end = 0; end <= n; end++) {
      for (const { start, id, score } of endings[end]!) {
        const total = score + best[start]!;
        if (best[end] === 0 || total >= best[end]!) {
          best[end] = total;
          words[end] = id;
        }
      }
    }

    const ids: number[] = [];
    for (let at = n; at > 0; at -= this.pieceLengths[words[at]!]!) ids.push(words[at]!);
    ids.reverse();
    return ids.filter((id, i) => !(id === UNKNOWN_ID && ids[i - 1] === UNKNOWN_ID));
  }
}
