#!/usr/bin/env bash
# Install fairgate and run it on the embedded default (SQLite, no other service):
# create the example lists, list an image, then screen a few messages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p quickstart
cd quickstart
rm -f fairgate.db fairgate.db-wal fairgate.db-shm fairgate.db-writer.lock
export FAIRGATE_POLICY_PATH=../examples/policy.yaml

fairgate lists create spam-terms --type text --action block --severity 2 \
  --description "Unsolicited advertising"
fairgate lists add spam-terms --terms-file ../examples/spam-terms.txt >/dev/null
fairgate lists create scam-terms --type text --action hold --severity 3 --kinds chat \
  --description "Fraud attempts: gift cards, fake fees, account phishing"
fairgate lists add scam-terms --terms-file ../examples/scam-terms.txt >/dev/null
fairgate lists create known-abuse --type image --action block --severity 5 \
  --description "Images confirmed by reviewers"
python ../examples/make_images.py .
fairgate lists add known-abuse listed.jpg --note "example entry"
fairgate lists show

field() { python -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo; echo "== the listed photo, mirrored and re-encoded (known-abuse: straight to a permanent restriction):"
first=$(fairgate screen --sender alice --image listed-mirrored-q50.jpg --json)
echo "$first" | field '["action"].upper()'
echo "$first" | field '["notice"]["text"]'
echo; echo "== an unrelated photo:"
fairgate screen --sender dave --image unrelated.jpg
echo; echo "== spam text:"
fairgate screen --sender bob --text "CHEAP Pills now, fast shipping"
echo; echo "== the same spam, evaded (dots, leetspeak, a zero-width space):"
fairgate screen --sender bob --text $'c.h.3.a.p p1\u200bll5 now'
echo; echo "== innocent text:"
fairgate screen --sender carol --text "I bought a new pillow"

echo; echo "== alice appeals; a reviewer overturns and disables the entry as a false positive:"
decision_id=$(echo "$first" | field '["decision_id"]')
appeal_id=$(fairgate appeals file "$decision_id" --account alice \
  --statement "This is my own holiday photo." --json | field '["appeal_id"]')
fairgate appeals decide "$appeal_id" overturn --reason "Not the listed image." --disable-entry --by reviewer
fairgate accounts show alice
echo; echo "== the audit log (hash chain) is intact:"
fairgate audit verify
