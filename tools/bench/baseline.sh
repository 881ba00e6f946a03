#!/usr/bin/env bash
# The pipeline a person would write without sparkcam: ImageMagick resize,
# base64, curl POST, a jq polling loop, curl download. tools/bench/edit times
# it against spark-edit on the same simulator in the same run.
#
# usage: API_BASE=https://127.0.0.1:8443 CA_FILE=ca.pem KEY=sim-demo-key \
#          tools/bench/baseline.sh IMAGE "PROMPT" OUT.jpg
# Prints one line: baseline sent_ms=N written_ms=N polls=N
#   sent_ms     start -> create reply received (the request fully sent)
#   written_ms  completed status seen -> result file written
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 IMAGE PROMPT OUT" >&2; exit 2; }
img=$1 prompt=$2 out=$3
: "${API_BASE:?set API_BASE}" "${CA_FILE:?set CA_FILE}" "${KEY:?set KEY}"
convert=/usr/bin/convert  # /usr/local/bin/convert may be a stand-in
for t in "$convert" jq curl base64; do
  command -v "$t" >/dev/null || { echo "baseline: $t missing (tools/bootstrap --bench)" >&2; exit 3; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
api() { curl -sS --fail --cacert "$CA_FILE" -H "Authorization: Bearer $KEY" "$@"; }

t0=$(now_ms)
"$convert" "$img" -auto-orient -resize '2048x2048>' -quality 90 "$tmp/prep.jpg"
{
  printf '{"model":"spark_edit_3_0","input":[{"params":{"prompt":%s,"binary_data_base64":["' \
    "$(jq -Rn --arg p "$prompt" '$p')"
  base64 -w0 "$tmp/prep.jpg"
  printf '"],"seed":-1,"scale":0.5}}]}'
} > "$tmp/request.json"
api -H 'Content-Type: application/json' --data-binary @"$tmp/request.json" \
  "$API_BASE/model/v1/generation" > "$tmp/created.json"
t_sent=$(now_ms)
id=$(jq -r '.id // .task_id' "$tmp/created.json")

polls=0
status=$(jq -r .status "$tmp/created.json")
cp "$tmp/created.json" "$tmp/task.json"
while [ "$status" != completed ]; do
  [ "$status" = failed ] && { echo "baseline: task failed" >&2; exit 7; }
  [ $polls -ge 300 ] && { echo "baseline: gave up after 300 polls" >&2; exit 6; }
  sleep 1
  api "$API_BASE/model/v1/generation/task/$id" > "$tmp/task.json"
  polls=$((polls + 1))
  status=$(jq -r .status "$tmp/task.json")
done
t_seen=$(now_ms)
url=$(jq -r '.output[0].content[0].url' "$tmp/task.json")
curl -sS --fail --cacert "$CA_FILE" -o "$out" "$url"
t_done=$(now_ms)
echo "baseline sent_ms=$((t_sent - t0)) written_ms=$((t_done - t_seen)) polls=$polls"
