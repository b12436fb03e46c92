#!/usr/bin/python3
"""Generate test/fixtures/tiny-bert: a tiny, random-weight BERT feature-extraction
model in the directory layout transformers.js loads (config.json, tokenizer.json,
tokenizer_config.json, onnx/model.onnx).

Why: the real encoders (MiniLM, bge, gte) are tens of MB and the hub is not
reachable from CI, so the transformers.js encoder is tested against this ~100 kB
model instead. It runs the same computation as BERT (word+position+type
embeddings, LayerNorm, masked multi-head self-attention, GELU FFN), so the
tokenizer, ONNX session, pooling and truncation paths are all exercised.

Run with Debian's interpreter, which has the packages (a pyenv python3 earlier
on PATH usually does not):

    apt-get install -y python3-onnx python3-numpy
    /usr/bin/python3 scripts/make-tiny-bert-fixture.py

Output is deterministic (fixed seed, stable JSON key order), so re-running it
yields byte-identical files.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20240611
HIDDEN, LAYERS, HEADS, FFN, MAX_POS, TYPES = 32, 2, 2, 64, 128, 2
HEAD_DIM = HIDDEN // HEADS
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "tiny-bert")

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Whole words the fixture texts are likely to use, so most words are one token
# and word overlap (rather than spelling) drives similarity.
WORDS = """
the a an and or but if then else of to in on at by for with from as is are was were be been
being it its this that these those there here what which who whom whose when where why how
i you he she we they me him her us them my your our their not no yes do does did done have has
had can could will would should may might must shall all any some many much more most few less
very also just only even still again too so than up down out over under into about after before
between through during without within one two three four five six seven eight nine ten first
last new old good bad big small long short high low best better same other each every such own
time year day week month hour minute today now world people person man woman child system
data code file files function functions class method variable value values type types error
errors bug bugs test tests build run runs write read list lists string strings number numbers
table query queries database server client request response model models route router routing
cost fast slow cheap price simple hard easy complex question questions answer answers explain
summarize translate python javascript typescript rust java sql json api http web page email
text word words sentence sentences document math proof equation theorem prove solve calculate
weather capital city country france paris london cat cats dog dogs animal food recipe cook
pizza coffee tea water music song movie book story poem write hello hi thanks please help
""".split()
SUFFIXES = ["s", "es", "ed", "ing", "er", "est", "ly", "ion", "ions", "al", "ment", "ness", "able", "y"]
LETTERS = list("abcdefghijklmnopqrstuvwxyz")
DIGITS = list("0123456789")
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def build_vocab():
    tokens = list(SPECIALS)
    # Single characters and their ## forms guarantee that any ASCII word
    # tokenizes without [UNK] (WordPiece falls back to characters).
    for t in PUNCT + DIGITS + LETTERS + sorted(set(WORDS)):
        if t not in tokens:
            tokens.append(t)
    for t in ["##" + c for c in LETTERS + DIGITS] + ["##" + s for s in SUFFIXES]:
        if t not in tokens:
            tokens.append(t)
    return {t: i for i, t in enumerate(tokens)}


def tokenizer_json(vocab):
    special = lambda t: {"SpecialToken": {"id": t, "type_id": 0}}
    seq = lambda s, type_id: {"Sequence": {"id": s, "type_id": type_id}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in SPECIALS
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]"), seq("A", 0), special("[SEP]")],
            "pair": [special("[CLS]"), seq("A", 0), special("[SEP]"), seq("B", 1),
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ["[CLS]", "[SEP]"]},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def build_graph(vocab_size, rng):
    inits, nodes = [], []

    def weight(name, shape, std):
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * std).astype(np.float32), name))
        return name

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def layer_norm(x, prefix):
        g = const(prefix + ".weight", np.ones(HIDDEN, np.float32))
        b = const(prefix + ".bias", np.zeros(HIDDEN, np.float32))
        return node("LayerNormalization", [x, g, b], prefix + ".out", axis=-1, epsilon=1e-12)

    def linear(x, prefix, n_in, n_out):
        w = weight(prefix + ".weight", (n_in, n_out), 1.0 / np.sqrt(n_in))
        b = weight(prefix + ".bias", (n_out,), 0.02)
        return node("Add", [node("MatMul", [x, w], prefix + ".mm"), b], prefix + ".out")

    # Embeddings: token identity dominates (std 1) so different texts land far
    # apart; positions and types are small perturbations.
    word = node("Gather", [weight("emb.word", (vocab_size, HIDDEN), 1.0), "input_ids"], "emb.word.out")
    seq_len = node("Gather", [node("Shape", ["input_ids"], "shape"), const("one_i", np.array(1, np.int64))],
                   "seq_len", axis=0)
    positions = node("Range", [const("zero_i", np.array(0, np.int64)), seq_len, "one_i"], "positions")
    pos = node("Gather", [weight("emb.pos", (MAX_POS, HIDDEN), 0.1), positions], "emb.pos.out")
    typ = node("Gather", [weight("emb.type", (TYPES, HIDDEN), 0.1), "token_type_ids"], "emb.type.out")
    x = node("Add", [node("Add", [word, pos], "emb.sum1"), typ], "emb.sum2")
    x = layer_norm(x, "emb.ln")

    # Additive attention mask [batch, 1, 1, seq]: 0 for tokens, -10000 for padding.
    mask_f = node("Cast", ["attention_mask"], "mask.f", to=TensorProto.FLOAT)
    inv = node("Sub", [const("one_f", np.array(1.0, np.float32)), mask_f], "mask.inv")
    bias = node("Mul", [inv, const("neg_big", np.array(-10000.0, np.float32))], "mask.bias")
    bias = node("Unsqueeze", [bias, const("mask_axes", np.array([1, 2], np.int64))], "mask.bias4")
    split_shape = const("split_shape", np.array([0, 0, HEADS, HEAD_DIM], np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, HIDDEN], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(HEAD_DIM), np.float32))

    for l in range(LAYERS):
        p = f"layer{l}"

        def heads(name, perm):
            t = node("Reshape", [linear(x, f"{p}.{name}", HIDDEN, HIDDEN), split_shape], f"{p}.{name}.split")
            return node("Transpose", [t], f"{p}.{name}.heads", perm=perm)

        q = heads("q", [0, 2, 1, 3])  # [b, h, s, d]
        k = heads("k", [0, 2, 3, 1])  # [b, h, d, s]
        v = heads("v", [0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.scaled")
        probs = node("Softmax", [node("Add", [scores, bias], f"{p}.masked")], f"{p}.probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], f"{p}.ctx")], f"{p}.ctx.t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], f"{p}.ctx.merged")
        attn = linear(ctx, f"{p}.attn_out", HIDDEN, HIDDEN)
        x = layer_norm(node("Add", [x, attn], f"{p}.res1"), f"{p}.ln1")

        # Exact (erf) GELU, as in BERT; opset 17 has no Gelu op.
        h = linear(x, f"{p}.ffn_in", HIDDEN, FFN)
        erf = node("Erf", [node("Mul", [h, const(f"{p}.inv_sqrt2", np.array(1 / np.sqrt(2), np.float32))],
                                f"{p}.gelu.div")], f"{p}.gelu.erf")
        erf1 = node("Add", [erf, "one_f"], f"{p}.gelu.erf1")
        gelu = node("Mul", [node("Mul", [h, erf1], f"{p}.gelu.mul"), const(f"{p}.half", np.array(0.5, np.float32))],
                    f"{p}.gelu")
        out = linear(gelu, f"{p}.ffn_out", FFN, HIDDEN)
        x = layer_norm(node("Add", [x, out], f"{p}.res2"), f"{p}.ln2")

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))
    ids = lambda n: helper.make_tensor_value_info(n, TensorProto.INT64, ["batch_size", "sequence_length"])
    graph = helper.make_graph(
        nodes, "tiny_bert", [ids("input_ids"), ids("attention_mask"), ids("token_type_ids")],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                       ["batch_size", "sequence_length", HIDDEN])],
        initializer=inits,
    )
    # IR 8 / opset 17: what Debian's onnx 1.12 writes and onnxruntime-node reads.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tierline-fixture")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    rng = np.random.default_rng(SEED)
    vocab = build_vocab()
    os.makedirs(os.path.join(OUT_DIR, "onnx"), exist_ok=True)
    write_json(os.path.join(OUT_DIR, "config.json"), {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": len(vocab),
        "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
        "intermediate_size": FFN, "hidden_act": "gelu", "max_position_embeddings": MAX_POS,
        "type_vocab_size": TYPES, "layer_norm_eps": 1e-12, "pad_token_id": 0,
    })
    write_json(os.path.join(OUT_DIR, "tokenizer.json"), tokenizer_json(vocab))
    write_json(os.path.join(OUT_DIR, "tokenizer_config.json"), {
        "tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": MAX_POS,
        "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
        "mask_token": "[MASK]", "clean_up_tokenization_spaces": True,
    })
    onnx.save(build_graph(len(vocab), rng), os.path.join(OUT_DIR, "onnx", "model.onnx"))
    print(f"wrote {os.path.normpath(OUT_DIR)} (vocab {len(vocab)}, hidden {HIDDEN}, layers {LAYERS})", file=sys.stderr)


if __name__ == "__main__":
    main()
