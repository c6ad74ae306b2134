#!/usr/bin/env python3
"""Print items of an annotation batch: show.py BATCH.jsonl START COUNT"""
import json, sys
path, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
items = [json.loads(l) for l in open(path, encoding='utf-8')]
for item in items[start:start + count]:
    print('=' * 30, 'ID:', item['id'], '=' * 30)
    print('SUBJECT:', item['subject'] or '(none)')
    print('BODY:')
    print(item['body'])
    print()
print(f'-- shown {start}..{min(start + count, len(items)) - 1} of {len(items)} items --')
