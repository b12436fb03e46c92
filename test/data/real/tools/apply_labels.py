#!/usr/bin/env python3
"""Move a labelled pending chunk into the per-source files.

  python3 test/data/real/tools/apply_labels.py pending/chunk-03.jsonl            # tiers filled in the chunk itself
  python3 test/data/real/tools/apply_labels.py pending/chunk-03.jsonl labels.tsv # or: one "<id>\t<tier>" per line
  (paths relative to test/data/real/ or absolute)

Refuses unless EVERY row of the chunk has a tier (fast|standard|premium): no skipping.
Appends the rows to test/data/real/<source file>.jsonl (the file named in sample.py's SOURCES
for the id's prefix), with meta.label_chunk = NN, refuses ids already present there, then
deletes the chunk. Run ../shared/tools/heldout-overlap on the files afterwards.
"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from sample import SOURCES  # noqa: E402

FILE_OF = {short: fname for short, _l, _lic, _n, fname in SOURCES}
TIERS = {'fast': 'fast', 'standard': 'standard', 'premium': 'premium', 'f': 'fast', 's': 'standard', 'p': 'premium'}

def path(p): return p if os.path.isabs(p) else os.path.join(REAL, p)

def main():
    if len(sys.argv) not in (2, 3): sys.exit(__doc__)
    chunk = path(sys.argv[1])
    m = re.search(r'chunk-(\d+)\.jsonl$', chunk)
    if not m: sys.exit('not a pending chunk file: ' + chunk)
    rows = [json.loads(l) for l in open(chunk, encoding='utf-8') if l.strip()]
    if len(sys.argv) == 3:
        lab = {}
        for line in open(path(sys.argv[2]), encoding='utf-8'):
            if line.strip() and not line.startswith('#'):
                i, t = line.split('\t')[:2]; lab[i.strip()] = t.strip()
        extra = set(lab) - {r['id'] for r in rows}
        if extra: sys.exit(f'labels for ids not in the chunk: {sorted(extra)[:5]}')
        for r in rows: r['tier'] = lab.get(r['id'], r['tier'])
    missing = [r['id'] for r in rows if not isinstance(r['tier'], str) or r['tier'] not in TIERS]
    if missing: sys.exit(f'{len(missing)} rows without a valid tier, e.g. {missing[:5]}: label every row')
    by_file = {}
    for r in rows:
        r['tier'] = TIERS[r['tier']]
        r.setdefault('meta', {})['label_chunk'] = m.group(1)
        by_file.setdefault(FILE_OF[r['id'].split('-')[0]], []).append(r)
    for fname, rs in by_file.items():
        f = os.path.join(REAL, fname)
        have = {json.loads(l)['id'] for l in open(f, encoding='utf-8')} if os.path.exists(f) else set()
        dup = [r['id'] for r in rs if r['id'] in have]
        if dup: sys.exit(f'{fname} already has {dup[:5]}')
    for fname, rs in by_file.items():
        with open(os.path.join(REAL, fname), 'a', encoding='utf-8') as f:
            for r in rs: f.write(json.dumps(r, ensure_ascii=False) + '\n')
        print(fname, '+', len(rs))
    os.remove(chunk)
    print('removed', chunk)

if __name__ == '__main__':
    main()
