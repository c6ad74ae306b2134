#!/usr/bin/env python3
"""check.py BATCH.jsonl LABELS.jsonl: says which batch ids have no valid label line yet."""
import json, sys
ids = [json.loads(l)['id'] for l in open(sys.argv[1], encoding='utf-8')]
done, bad = set(), 0
try:
    for n, line in enumerate(open(sys.argv[2], encoding='utf-8'), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            assert all(d[t] in (0, 1) for t in ('urgent', 'vague', 'complaint'))
            done.add(d['id'])
        except Exception:
            bad += 1
            print('bad line', n, line.strip()[:100])
except FileNotFoundError:
    pass
missing = [i for i in ids if i not in done]
print(f'{len(ids) - len(missing)} of {len(ids)} labelled, {bad} bad lines; missing: {missing[:10]}{" ..." if len(missing) > 10 else ""}')
