#!/usr/bin/env python3
"""Derives the outcome-labelled rows in test/data/outcomes/ from three public evaluation releases.

Each row is a prompt nobody in this project wrote, labelled with the cheapest tier whose model did as
well as the best of the three tier models on that prompt (what models of clearly different strength
actually did, never a reader's rubric). Usage, with each release checked out (or a `git show` export):

  build_outcomes.py --qlora DIR --llmrouter DIR --llmeval DIR --out test/data/outcomes --overlap ../shared/tools/heldout-overlap

Label definitions (also in test/data/outcomes/README.md):
- oa (artidoro/qlora, OpenAssistant prompts, GPT-4 pairwise judgements, both answer orders):
  fast = Guanaco-7B, standard = GPT-3.5-turbo, premium = GPT-4. A tier is enough when its answer ties or
  beats GPT-4's on balance over the two orders (win+loss, tie+tie, win+tie...: the sum of +1 win, 0 tie,
  -1 loss is >= 0), so the judge's position bias cancels. Single-turn prompts only: the router sees
  the last user message, and a follow-up like "Thanks!" is judged on a conversation it cannot see.
- dc (ulab-uiuc/LLMRouter, dcrouter_preprocessed, 0/1 correctness per model): fast =
  llama-3.1-8b-instruct, standard = llama-3.1-nemotron-51b-instruct, premium =
  llama-3.3-nemotron-super-49b-v1; the cheapest tier whose score equals the best of the three.
  Only benchmarks that are not reserved for independent evaluation (MMLU, GSM8K, ARC, MBPP and the
  GSM8K translation MGSM are left out) and whose grading is sane (TriviaQA is left out: every model,
  70B included, scores about 0.2 there, which is a grading artefact, not difficulty).
- le (llmeval/llmeval-2, human 1-5 star scores): fast = ChatGLM2-6B, standard = GPT-3.5, premium =
  GPT-4; the cheapest tier whose total stars equal or beat the best of the three.
"""
import argparse, collections, glob, hashlib, json, os, re, subprocess, sys

def split_of(row_id):
    """A quarter of each source is kept as report rows, chosen once by a hash of the id (never by label)."""
    return 'report' if int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 4 == 0 else 'calibration'

def write(out, name, rows, overlap_tool=None):
    rows.sort(key=lambda r: r['id'])
    for r in rows: r['split'] = split_of(r['id'])
    if overlap_tool:
        # Texts reserved for independent evaluation never enter this project's data: the tool names them by line.
        tmp = os.path.join(out, '.candidates.jsonl')
        with open(tmp, 'w', encoding='utf-8') as f:
            for r in rows: f.write(json.dumps(r, ensure_ascii=False) + '\n')
        res = subprocess.run([overlap_tool, tmp], capture_output=True, text=True).stdout
        os.remove(tmp)
        drop = {int(m.group(1)) - 1 for m in re.finditer(r':(\d+): matches a reserved', res)}
        print(f'{name}: {len(drop)} reserved texts left out', file=sys.stderr)
        rows = [r for i, r in enumerate(rows) if i not in drop]
    with open(os.path.join(out, name), 'w', encoding='utf-8') as f:
        for r in rows: f.write(json.dumps(r, ensure_ascii=False) + '\n')
    print(name, len(rows), dict(collections.Counter(r['tier'] for r in rows)), file=sys.stderr)

TIERS = ['fast', 'standard', 'premium']

def cheapest_enough(enough):
    for tier, ok in zip(TIERS, enough):
        if ok: return tier
    return 'premium'

def oa(root):
    ev = os.path.join(root, 'eval')
    qs = [json.loads(l) for l in open(os.path.join(ev, 'prompts/oa_questions.jsonl'), encoding='utf-8')]
    def sysname(s):
        m = re.match(r'(\d+b)-guanaco', s)
        if m: return 'guanaco-' + m.group(1)
        return 'gpt-3.5' if s.startswith('gpt-3.5') else 'gpt-4' if s.startswith('gpt-4') else s
    judged = collections.defaultdict(dict)
    for f in glob.glob(os.path.join(ev, 'ratings-gpt4/oa/*.jsonl')):
        a, b = os.path.basename(f).split('-vs-')
        a, b = sysname(a), sysname(b)
        for line in open(f, encoding='utf-8'):
            r = json.loads(line)
            judged[r['message_id']][(a, b)] = r['score']
    def balance(mid, weak, strong):
        """+1 per order the weak answer wins, 0 per tie, -1 per loss; None when a judgement is missing."""
        x, y = judged[mid].get((weak, strong)), judged[mid].get((strong, weak))
        if x in (None, -1) or y in (None, -1): return None
        return {1: 1, 2: -1, 3: 0}[x] + {1: -1, 2: 1, 3: 0}[y]
    rows = []
    for q in qs:
        turns = q['input'].split('### Human:')
        if len(turns) != 2: continue  # multi-turn: see the docstring
        text = turns[1].replace('### Assistant:', '').strip()
        mid = q['message_id']
        fast, std = balance(mid, 'guanaco-7b', 'gpt-4'), balance(mid, 'gpt-3.5', 'gpt-4')
        if fast is None or std is None or not text: continue
        rows.append({'id': f'oa-{mid[:13]}', 'query': text, 'tier': cheapest_enough([fast >= 0, std >= 0, True]),
                     'source': 'oa', 'lang': q['lang'], 'licence': 'prompts: OpenAssistant oasst1 (Apache-2.0); judgements: artidoro/qlora (MIT)',
                     'label_basis': 'outcome', 'outcome': {'fast_vs_premium': fast, 'standard_vs_premium': std}})
    return rows

RESERVED_TASKS = {'mmlu', 'gsm8k', 'arc_challenge', 'mbpp', 'agentverse-mgsm'}
BROKEN_TASKS = {'trivia_qa'}

def dc(root):
    d = json.load(open(os.path.join(root, 'data/dcrouter_preprocessed/train.json'))) + json.load(open(os.path.join(root, 'data/dcrouter_preprocessed/test.json')))
    task = {}
    for f in ['data/example_data/query_data/default_query_train.jsonl', 'data/example_data/query_data/default_query_test.jsonl']:
        for line in open(os.path.join(root, f), encoding='utf-8'):
            if line.strip():
                r = json.loads(line); task.setdefault(r['query'].strip(), r['task_name'])
    models = ['llama-3.1-8b-instruct', 'llama-3.1-nemotron-51b-instruct', 'llama-3.3-nemotron-super-49b-v1']
    rows, seen = [], set()
    for r in d:
        text = r['question'].strip()
        t = task.get(text)
        if t is None or t in RESERVED_TASKS or t in BROKEN_TASKS or text in seen: continue
        seen.add(text)
        scores = [float(r['scores'][m]) for m in models]
        best = max(scores)
        n = sum(1 for x in rows if x['task'] == t)
        rows.append({'id': f'dc-{t}-{n}', 'query': text, 'tier': cheapest_enough([s >= best for s in scores]),
                     'source': 'dc', 'task': t, 'licence': 'ulab-uiuc/LLMRouter (MIT); questions from the named public benchmark',
                     'label_basis': 'outcome', 'outcome': dict(zip(TIERS, scores))})
    return rows

def le(root):
    stars = collections.defaultdict(dict); text = {}
    for f in glob.glob(os.path.join(root, 'results/human-score/*.json')):
        for r in json.load(open(f, encoding='utf-8')):
            stars[r['question_uuid']][r['llm_name']] = sum(r['stars'].values())
            text[r['question_uuid']] = r['dialog'][0]['content'].strip()
    rows = []
    for q, s in stars.items():
        scores = [s['chatglm2-6b'], s['GPT3.5'], s['GPT4']]
        rows.append({'id': f'le-{q}', 'query': text[q], 'tier': cheapest_enough([x >= max(scores) for x in scores]),
                     'source': 'le', 'licence': 'llmeval/llmeval-2 (see its repository)', 'label_basis': 'outcome',
                     'outcome': dict(zip(TIERS, scores))})
    return rows

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--qlora'); p.add_argument('--llmrouter'); p.add_argument('--llmeval'); p.add_argument('--out', required=True); p.add_argument('--overlap')
    a = p.parse_args()
    if a.qlora: write(a.out, 'oa-guanaco-gpt4.jsonl', oa(a.qlora), a.overlap)
    if a.llmrouter: write(a.out, 'dcrouter.jsonl', dc(a.llmrouter), a.overlap)
    if a.llmeval: write(a.out, 'llmeval2.jsonl', le(a.llmeval), a.overlap)
