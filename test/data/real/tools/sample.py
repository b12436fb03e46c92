#!/usr/bin/env python3
"""Draw the real-prompt calibration/report sample (issue 12) from public snapshots.

Reads the source files straight out of git snapshots fetched under $MIRROR
(default /work/.mirror; each a bare git dir at <owner>+<name>/repo) with `git show`,
so nothing from the snapshots is copied except the sampled prompt texts.

  python3 test/data/real/tools/sample.py            # writes test/data/real/pending/chunk-NN.jsonl
  python3 test/data/real/tools/sample.py --dry-run  # only prints the counts

Deterministic: fixed seeds, stable input order. Steps:
  1. load every prompt of each source (single-turn by construction: every source
     holds one user request per record);
  2. drop empty texts, exact duplicates inside the pool (normalised: lower-case,
     whitespace collapsed; and letters+digits only), texts equal after that
     normalisation to an exemplar (exemplars/*.jsonl) or a dev query
     (test/data/dev.jsonl), near-duplicates of those (word-set Jaccard >= 0.8 on
     texts of 4+ words), and reserved held-out texts (same keys as
     ../shared/tools/heldout-overlap, read from its hash list);
  3. draw N per source at random (random.Random(SEED + source)), all rows when N >= pool;
  4. split by sha256 of the normalised text: first 8 hex digits as an integer,
     mod 3 == 0 -> "report", else "calibration";
  5. shuffle all drawn rows together (SEED) and cut them into ~300-row pending chunks.
"""
import argparse, hashlib, html, io, json, os, random, re, subprocess, sys, zipfile
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
REAL = os.path.join(ROOT, 'test', 'data', 'real')
MIRROR = os.environ.get('MIRROR', '/work/.mirror')
HELDOUT = os.environ.get('HELDOUT_HASHES', os.path.join(ROOT, '..', 'shared', 'tools', 'heldout-hashes.txt'))
SEED = 20240612
CHUNK = 300

def git_show(repo, path):
    gd = os.path.join(MIRROR, repo.replace('/', '+'), 'repo')
    return subprocess.run(['git', f'--git-dir={gd}', 'show', f'HEAD:{path}'], check=True, capture_output=True).stdout

def lenient_jsonl(raw):
    """The InstructionWild files have a few lines with invalid escapes (regexes) and one raw CR/LF inside a string."""
    text = raw.decode('utf-8')
    text = re.sub(r'\\(?!["\\/bfnrtu])', r'\\\\', text)
    dec = json.JSONDecoder(strict=False); i = 0; out = []
    while True:
        while i < len(text) and text[i].isspace(): i += 1
        if i >= len(text): return out
        obj, i = dec.raw_decode(text, i); out.append(obj)

def html_to_text(s):
    s = re.sub(r'<pre[^>]*><code>(.*?)</code></pre>', lambda m: '\n' + m.group(1).strip('\n') + '\n', s, flags=re.S)
    s = re.sub(r'<br\s*/?>', '\n', s)
    s = re.sub(r'</p>|</li>|</h\d>|</blockquote>', '\n', s)
    s = re.sub(r'<li>', '- ', s)
    s = re.sub(r'<[^>]+>', '', s)
    s = html.unescape(s)
    s = re.sub(r'[ \t]+\n', '\n', s)
    return re.sub(r'\n{3,}', '\n\n', s).strip()

# ---- sources -------------------------------------------------------------------------------
# Each loader yields (n, query, meta) with n a stable 1-based position in the source file.

def load_instructionwild():
    for f in (1, 2, 3):
        path = f'data_v2/user_{f}.jsonl'
        for n, o in enumerate(lenient_jsonl(git_show('XueFuzhao/InstructionWild', path)), 1):
            meta = {'file': path, 'instruction_type': o.get('instruction_type')}
            if o.get('special_tag'): meta['special_tag'] = o['special_tag']
            yield f'u{f}-{n}', o['instruction'], meta, f'XueFuzhao/InstructionWild:{path}'

def load_wizardlm():
    path = 'WizardLM/data/WizardLM_testset.jsonl'
    for line in git_show('nlpxucan/WizardLM', path).decode('utf-8').splitlines():
        if not line.strip(): continue
        o = json.loads(line)
        yield str(o['idx']), o['Instruction'], {'skill': o['Skill'], 'difficulty': o['Difficulty']}, f'nlpxucan/WizardLM:{path}'

def load_nq():
    path = 'nq_open/NQ-open.dev.jsonl'
    for n, line in enumerate(git_show('google-research-datasets/natural-questions', path).decode('utf-8').splitlines(), 1):
        o = json.loads(line)
        yield str(n), o['question'], {'answers': o['answer']}, f'google-research-datasets/natural-questions:{path}'

def load_conala():
    path = 'conala_annotations.v1.0.zip'
    z = zipfile.ZipFile(io.BytesIO(git_show('conala-corpus/conala-corpus.github.io', path)))
    for member in ('examples.annotated.train.json', 'examples.annotated.test.json'):
        for o in json.loads(z.read(member)):
            # the intent is the Stack Overflow question title, as its asker wrote it
            yield str(o['question_id']), o['intent'], {'so_question_id': o['question_id']}, \
                f'conala-corpus/conala-corpus.github.io:{path}'

def load_coffee():
    path = 'Posts.xml'
    root = ET.fromstring(git_show('Yoav-Shafir/Elasticsearch-Coffee-Search-Engine-JS', path).decode('utf-8-sig'))
    for r in root:
        if r.get('PostTypeId') != '1': continue
        q = r.get('Title').strip() + '\n\n' + html_to_text(r.get('Body'))
        meta = {'post_id': int(r.get('Id')), 'site': 'coffee.stackexchange.com', 'created': r.get('CreationDate')[:10]}
        if '<img' in r.get('Body'): meta['image_removed'] = True  # the post showed an image; the text is all a router sees
        yield r.get('Id'), q, meta, \
            f'Yoav-Shafir/Elasticsearch-Coffee-Search-Engine-JS:{path} (coffee.stackexchange.com dump)'

# short name, loader, licence, how many to draw (None = all), file
SOURCES = [
    ('iwild', load_instructionwild, 'InstructWild: non-commercial research only (repo LICENSE)', None, 'instructionwild.jsonl'),
    ('wizardlm', load_wizardlm, 'CC-BY-NC-4.0', None, 'wizardlm-testset.jsonl'),
    ('nq', load_nq, 'CC-BY-SA-3.0', 620, 'nq-open-dev.jsonl'),
    ('conala', load_conala, 'CC-BY-SA-3.0 (Stack Overflow titles; CoNaLa states no licence of its own)', 480, 'conala-so-titles.jsonl'),
    ('secoffee', load_coffee, 'CC-BY-SA-3.0', None, 'stackexchange-coffee.jsonl'),
]

# ---- normalisation / filters ---------------------------------------------------------------

def norm(s): return re.sub(r'\s+', ' ', s.strip().lower())
def alnum(s): return re.sub(r'[^a-z0-9]+', '', s.lower())
def words(s): return set(re.findall(r'[a-z0-9]+', s.lower()))

def heldout_keys(s):
    a = norm(s); b = alnum(s)
    out = [hashlib.sha256(a.encode()).hexdigest()[:24]]
    if len(b) >= 20: out.append(hashlib.sha256(('a:' + b).encode()).hexdigest()[:24])
    return out

def split_of(q):
    return 'report' if int(hashlib.sha256(norm(q).encode()).hexdigest()[:8], 16) % 3 == 0 else 'calibration'

def project_texts():
    texts = []
    for f in sorted(os.listdir(os.path.join(ROOT, 'exemplars'))):
        if f.endswith('.jsonl'):
            texts += [json.loads(l)['text'] for l in open(os.path.join(ROOT, 'exemplars', f), encoding='utf-8') if l.strip()]
    texts += [json.loads(l)['query'] for l in open(os.path.join(ROOT, 'test', 'data', 'dev.jsonl'), encoding='utf-8') if l.strip()]
    return texts

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--dry-run', action='store_true'); ap.add_argument('--force', action='store_true'); args = ap.parse_args()
    reserved = set(open(HELDOUT).read().split())
    proj = project_texts()
    proj_norm = {norm(t) for t in proj} | {alnum(t) for t in proj}
    proj_words = [w for w in (words(t) for t in proj) if len(w) >= 4]
    # texts already labelled or pending stay where they are: never draw a text twice
    seen = set(); report = {}; drawn = []
    for short, loader, licence, n_draw, fname in SOURCES:
        c = dict(total=0, empty=0, dup=0, project_exact=0, project_near=0, reserved=0)
        pool = []
        for n, q, meta, src in loader():
            c['total'] += 1
            q = q.strip()
            if not q: c['empty'] += 1; continue
            k1, k2 = norm(q), alnum(q)
            if k1 in seen or (len(k2) >= 10 and k2 in seen): c['dup'] += 1; continue
            seen.add(k1); seen.add(k2)
            if k1 in proj_norm or k2 in proj_norm: c['project_exact'] += 1; continue
            w = words(q)
            if len(w) >= 4 and any(len(w & p) / len(w | p) >= 0.8 for p in proj_words): c['project_near'] += 1; continue
            if any(k in reserved for k in heldout_keys(q)): c['reserved'] += 1; continue
            pool.append((n, q, meta, src))
        rng = random.Random(f'{SEED}-{short}')
        idx = range(len(pool)) if n_draw is None or n_draw >= len(pool) else sorted(rng.sample(range(len(pool)), n_draw))
        pick = [pool[i] for i in idx]
        for n, q, meta, src in pick:
            drawn.append({'id': f'{short}-{n}', 'query': q, 'tier': None, 'source': src, 'licence': licence,
                          'label_basis': 'rubric', 'split': split_of(q), 'meta': meta})
        c['pool'] = len(pool); c['drawn'] = len(pick)
        report[short] = c
    for k, c in report.items(): print(k, c)
    sp = {}
    for r in drawn: sp[r['split']] = sp.get(r['split'], 0) + 1
    print('total', len(drawn), sp)
    if args.dry_run: return
    if any(f.endswith('.jsonl') for f in os.listdir(REAL)) and not args.force:
        sys.exit('labelled files exist under test/data/real/: rewriting the pending chunks would re-issue labelled rows '
                 '(use --dry-run to check the counts, --force only to rebuild from scratch)')
    rng = random.Random(SEED); rng.shuffle(drawn)
    k = max(1, round(len(drawn) / CHUNK))
    pend = os.path.join(REAL, 'pending'); os.makedirs(pend, exist_ok=True)
    for i in range(k):
        rows = drawn[i * len(drawn) // k:(i + 1) * len(drawn) // k]
        with open(os.path.join(pend, f'chunk-{i + 1:02d}.jsonl'), 'w', encoding='utf-8') as f:
            for r in rows: f.write(json.dumps(r, ensure_ascii=False) + '\n')
        print(f'pending/chunk-{i + 1:02d}.jsonl', len(rows))

if __name__ == '__main__':
    main()
